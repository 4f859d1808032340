"""Batch-annotation benchmark (not a test): AG News test descriptions repeated to N texts.

Each run is ``scripts/annotate.py`` in a fresh interpreter, as a user runs it, timed
from start to exit (interpreter, model loading and writing included). ``spark:cluster``
runs against a standalone cluster on loopback (one single-core worker per CPU,
started before the clock starts, as a cluster would already be running). Writes
OUT_DIR/benchmark.json, benchmark.md, benchmark.png and memory.png (RSS of each run
against the texts done) and checks that every run wrote the same output.
"""
import csv
import filecmp
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Sequence

import srsly
from wasabi import msg

from ..data.files import write_json, write_text
from ..formats.unlabelled import ag_news_texts
from ..figures import save_figure

ANNOTATE = Path(__file__).resolve().parents[2] / "scripts" / "annotate.py"  # the command users run
RUNS = ("local:1", "local:2", "spark:local[2]")


FIELDS = {"title": 1, "description": 2}


def write_texts(source: Path, out: Path, n: int, field: str = "description") -> int:
    """A CSV (class, title, description) with the descriptions (or titles, in the
    description column) of ``source`` repeated to ``n`` rows."""
    descriptions = [d for d in ag_news_texts(source, fields=(FIELDS[field],)) if d]
    if not descriptions:
        raise ValueError(f"{source}: no AG News descriptions found")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["class", "title", "description"])
        for i in range(n):
            writer.writerow(["", f"text {i}", descriptions[i % len(descriptions)]])
    return len(descriptions)


def run_one(spec: str, texts: Path, out_dir: Path, model: str, batch_size: int) -> Dict[str, Any]:
    """One timed run: ``local:N_PROCESS``, ``spark:MASTER`` or ``spark:cluster``."""
    engine, _, arg = spec.partition(":")
    if engine not in ("local", "spark") or not arg:
        raise ValueError(f"--run {spec!r}: expected local:N_PROCESS, spark:MASTER or spark:cluster")
    if spec == "spark:cluster":
        from .spark_cluster import loopback_cluster

        workers = os.cpu_count() or 1
        with loopback_cluster(workers=workers, cores=1) as master:
            figures = run_one(f"spark:{master}", texts, out_dir, model, batch_size)
        figures["run"] = f"spark:cluster ({workers} workers x 1 core)"
        return figures
    name = "".join(c if c.isalnum() else "-" for c in f"{engine}-{arg}").strip("-")
    output, stats = out_dir / f"{name}.jsonl", out_dir / f"{name}.stats.json"
    cmd = [sys.executable, str(ANNOTATE), str(texts), str(output), "--model", model, "--text-column", "description",
           "--batch-size", str(batch_size), "--engine", engine, "--stats", str(stats), "--no-progress"]
    cmd += ["--n-process", arg] if engine == "local" else ["--master", arg]
    msg.text(f"running {' '.join(cmd[1:])}")
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{spec} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    summary = srsly.read_json(stats)
    figures = {"run": spec, "engine": engine, "setting": arg, "output": str(output), "wall_s": round(wall, 1),
               "texts": summary["records"], "words": summary["words"], "entities": summary["entities"],
               "rejected": summary["rejected"], "texts_per_s": round(summary["records"] / wall, 1),
               "words_per_s": round(summary["words"] / wall, 1), "max_rss_mb": summary["max_rss_mb"],
               "rss_mb": summary["rss_mb"]}
    msg.good(f"{spec}: {wall:.1f} s, {figures['texts_per_s']:,.0f} texts/s, {figures['words_per_s']:,.0f} words/s")
    return figures


def render(report: Dict[str, Any]) -> str:
    rows = ["| run | wall s | texts/s | words/s | entities | peak RSS MB |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in report["runs"]:
        rows.append(f"| {r['run']} | {r['wall_s']:.1f} | {r['texts_per_s']:,.0f} | {r['words_per_s']:,.0f} | "
                    f"{r['entities']:,} | {r['max_rss_mb']:,.0f} |")
    same = "identical" if report["outputs_identical"] else "NOT identical"
    return "\n".join([
        f"# Batch annotation benchmark: {report['texts']:,} texts",
        "",
        f"Model `{report['model']}`, batch size {report['batch_size']}, {report['cpus']} CPUs ({report['machine']}). "
        f"Input: {report['unique_texts']:,} AG News test {report.get('field', 'description')}s repeated to {report['texts']:,} "
        f"({report['words']:,} words). Wall time of `scripts/annotate.py` from start to exit "
        "(interpreter, model loading, reading and writing included). Peak RSS: the annotate process and its "
        "worker processes together (not Spark's JVMs and executors).",
        "", *rows, "", f"Outputs of all runs: {same}.", ""])


def plot(report: Dict[str, Any], path: Path, goal_s: float = 180) -> Path:
    """Wall time per run against the goal."""
    import matplotlib.pyplot as plt

    runs = report["runs"]
    fig, ax = plt.subplots(figsize=(6, 3))
    bars = ax.barh([r["run"] for r in runs], [r["wall_s"] for r in runs], color="#7aecec")
    ax.bar_label(bars, labels=[f"{r['wall_s']:.0f} s  ({r['texts_per_s']:,.0f} texts/s)" for r in runs], padding=3)
    ax.axvline(goal_s, color="#c0392b", linestyle="--", linewidth=1, label=f"goal: {goal_s / 60:.0f} min")
    ax.set_xlabel(f"wall time for {report['texts']:,} texts (s)")
    ax.set_xlim(0, max(max(r["wall_s"] for r in runs), goal_s) * 1.45)
    ax.invert_yaxis()
    ax.legend(loc="lower right")
    return save_figure(fig, path)


def plot_memory(report: Dict[str, Any], path: Path) -> Path:
    """RSS of each run against the texts it had written: flat means streaming works."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    for r in report["runs"]:
        ax.plot([t for t, _ in r["rss_mb"]], [mb for _, mb in r["rss_mb"]], label=r["run"])
    ax.set_xlabel("texts written")
    ax.set_ylabel("RSS (MB)")
    ax.set_ylim(bottom=0)
    ax.legend()
    return save_figure(fig, path)


def run_benchmark(source: Path, out_dir: Path, *, texts: int = 120_000, model: str = "en_custom_ner",
                  batch_size: int = 256, runs: Sequence[str] = RUNS, keep_outputs: bool = False,
                  field: str = "description") -> Dict[str, Any]:
    """Every run of ``runs`` on ``texts`` AG News descriptions (or titles); the report (also on disk)."""
    if field not in FIELDS:
        raise ValueError(f"--field {field!r}: expected title or description")
    out_dir.mkdir(parents=True, exist_ok=True)
    bench = out_dir / f"ag_news_{field}_{texts}.csv"
    unique = write_texts(source, bench, texts, field)
    figures = [run_one(spec, bench, out_dir, model, batch_size) for spec in runs]
    outputs = [Path(r["output"]) for r in figures]
    identical = all(filecmp.cmp(outputs[0], o, shallow=False) for o in outputs[1:])
    report = {"model": model, "texts": texts, "field": field, "unique_texts": unique, "words": figures[0]["words"],
              "batch_size": batch_size, "cpus": os.cpu_count(), "machine": platform.processor() or platform.machine(),
              "python": platform.python_version(), "outputs_identical": identical, "runs": figures}
    write_json(out_dir / "benchmark.json", report)
    write_text(out_dir / "benchmark.md", render(report))
    plot(report, out_dir / "benchmark.png")
    plot_memory(report, out_dir / "memory.png")
    if not keep_outputs:
        for path in outputs + [bench]:
            path.unlink(missing_ok=True)
    return report
