"""Batch-annotation benchmark (not a test): AG News test descriptions repeated to N texts.

    python scripts/benchmark_annotate.py ../shared/data/ag_news/test.csv metrics/annotate-benchmark \
        [--texts 120000] [--model en_custom_ner] [--run local:1 --run local:2 --run spark:local[2]]

Each run is `scripts/annotate.py` in a fresh interpreter, timed from start to exit
(interpreter, model loading and writing included). Writes OUT_DIR/benchmark.json,
OUT_DIR/benchmark.md, OUT_DIR/benchmark.png and checks that every run wrote the
same output.
"""
import csv
import filecmp
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

import srsly
import typer

from custom_ner.cli import fail, line
from custom_ner.plots import benchmark_plot
from custom_ner.sources import ag_news_descriptions

SCRIPT = Path(__file__).resolve().parent / "annotate.py"


def write_texts(source: Path, out: Path, n: int) -> int:
    """A CSV (class, title, description) with the descriptions of ``source`` repeated to ``n`` rows."""
    descriptions = [d for d in ag_news_descriptions(source) if d]
    if not descriptions:
        fail(f"{source}: no AG News descriptions found")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["class", "title", "description"])
        for i in range(n):
            writer.writerow(["", f"text {i}", descriptions[i % len(descriptions)]])
    return len(descriptions)


def run_one(spec: str, texts: Path, out_dir: Path, model: str, batch_size: int) -> Dict[str, Any]:
    engine, _, arg = spec.partition(":")
    if engine not in ("local", "spark") or not arg:
        fail(f"--run {spec!r}: expected local:N_PROCESS or spark:MASTER")
    name = f"{engine}-{arg}".replace("[", "").replace("]", "").replace("*", "all")
    output, stats = out_dir / f"{name}.jsonl", out_dir / f"{name}.stats.json"
    cmd = [sys.executable, str(SCRIPT), str(texts), str(output), "--model", model, "--text-column", "description",
           "--batch-size", str(batch_size), "--engine", engine, "--stats", str(stats), "--no-progress"]
    cmd += ["--n-process", arg] if engine == "local" else ["--master", arg]
    line(True, f"running {' '.join(cmd[1:])}")
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        fail(f"{spec} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    summary = srsly.read_json(stats)
    figures = {"run": spec, "engine": engine, "setting": arg, "output": str(output), "wall_s": round(wall, 1),
               "texts": summary["records"], "words": summary["words"], "entities": summary["entities"],
               "rejected": summary["rejected"], "texts_per_s": round(summary["records"] / wall, 1),
               "words_per_s": round(summary["words"] / wall, 1)}
    line(True, f"{spec}: {wall:.1f} s, {figures['texts_per_s']:,.0f} texts/s, {figures['words_per_s']:,.0f} words/s")
    return figures


def render(report: Dict[str, Any]) -> str:
    rows = ["| run | wall s | texts/s | words/s | entities |", "| --- | ---: | ---: | ---: | ---: |"]
    for r in report["runs"]:
        rows.append(f"| {r['run']} | {r['wall_s']:.1f} | {r['texts_per_s']:,.0f} | {r['words_per_s']:,.0f} | {r['entities']:,} |")
    same = "identical" if report["outputs_identical"] else "NOT identical"
    return "\n".join([
        f"# Batch annotation benchmark: {report['texts']:,} texts",
        "",
        f"Model `{report['model']}`, batch size {report['batch_size']}, {report['cpus']} CPUs ({report['machine']}). "
        f"Input: {report['unique_texts']:,} AG News test descriptions repeated to {report['texts']:,} "
        f"({report['words']:,} words). Wall time of `scripts/annotate.py` from start to exit "
        "(interpreter, model loading, reading and writing included).",
        "", *rows, "", f"Outputs of all runs: {same}.", ""])


def main(
    source: Path = typer.Argument(..., help="AG News test.csv (class, title, description; no header)"),
    out_dir: Path = typer.Argument(..., help="Directory for the texts, outputs and the report"),
    texts: int = typer.Option(120_000, min=1, help="Number of texts (descriptions repeated)"),
    model: str = typer.Option("en_custom_ner", help="Installed pipeline package or pipeline directory"),
    batch_size: int = typer.Option(256, min=1, help="nlp.pipe batch size"),
    run: List[str] = typer.Option(["local:1", "local:2", "spark:local[2]"], "--run",
                                  help="local:N_PROCESS or spark:MASTER (repeat)"),
    keep_outputs: bool = typer.Option(False, help="Keep the annotated outputs (large)"),
) -> None:
    if not source.exists():
        fail(f"{source}: file not found")
    out_dir.mkdir(parents=True, exist_ok=True)
    bench = out_dir / f"ag_news_{texts}.csv"
    unique = write_texts(source, bench, texts)
    runs = [run_one(spec, bench, out_dir, model, batch_size) for spec in run]
    outputs = [Path(r["output"]) for r in runs]
    identical = all(filecmp.cmp(outputs[0], o, shallow=False) for o in outputs[1:])
    report = {"model": model, "texts": texts, "unique_texts": unique, "words": runs[0]["words"],
              "batch_size": batch_size, "cpus": os.cpu_count(), "machine": platform.processor() or platform.machine(),
              "python": platform.python_version(), "outputs_identical": identical, "runs": runs}
    srsly.write_json(out_dir / "benchmark.json", report)
    (out_dir / "benchmark.md").write_text(render(report), encoding="utf-8")
    benchmark_plot(report, out_dir / "benchmark.png")
    if not keep_outputs:
        for path in outputs + [bench]:
            path.unlink(missing_ok=True)
    line(identical, f"outputs {'identical' if identical else 'differ'}; report in {out_dir / 'benchmark.md'}")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
