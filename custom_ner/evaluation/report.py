"""The evaluation report: every model side by side, written as report.json first.

``build_report`` measures (accuracy with a seqeval cross-check, error analysis,
speed, load time, size, training curves) and returns one JSON-able dict;
``render_markdown`` turns that dict into report.md and computes nothing, so every
figure a reader sees can be found in report.json. Plots (plots.py) and the displaCy
page (displacy.py) are drawn from the same dict; ``make_report`` does all of it.
"""
import os
import platform
import shlex
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import srsly
from spacy.tokens import Doc
from spacy.training import Example
from wasabi import msg

from ..data.docs import read_docbin
from ..data.errors import ConversionError, Rejects
from ..data.jsonl import read_jsonl
from ..data.labels import LabelMap
from ..data.unlabelled import ag_news_descriptions
from .analysis import ERROR_KINDS, analyse
from .displacy import render_doc, sample_indices, write_compare
from .model_source import ModelNotFound, ModelSource, directory_bytes, median
from .plots import draw_all, slug
from .scoring import map_entities

PACKAGES = ("spacy", "thinc", "spacy-transformers", "transformers", "torch", "seqeval", "matplotlib", "numpy")


# --- formatting: the only ways report.md writes numbers (tests rely on this list) ---
def pct(x: Optional[float]) -> str:
    return "—" if x is None else f"{x * 100:.2f}"


def num(x: Optional[float], digits: int = 0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def ratio(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:.2f}×"


FORMATTERS: List[Callable[[float], str]] = [pct, num, lambda x: num(x, 1), lambda x: num(x, 2), lambda x: num(x, 4), ratio]


def environment() -> Dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": cores,
        "device": "CPU (the report never uses a GPU, so every model is timed on the same hardware)",
        "versions": versions,
    }


def read_train_log(path: Path) -> Dict[str, Any]:
    """Loss per component and dev score per evaluation step from a JSONL training log."""
    steps: List[int] = []
    scores: List[float] = []
    losses: Dict[str, List[Optional[float]]] = {}
    for obj in read_jsonl(path, Rejects(path)):
        try:
            step, score, row_losses = int(obj.data["step"]), float(obj.data["score"]), dict(obj.data["losses"])
        except (ValueError, KeyError, TypeError) as err:
            raise ConversionError(path, obj.number, f"not a training log record ({err})") from None
        steps.append(step)
        scores.append(score)
        for name, value in row_losses.items():
            losses.setdefault(name, [None] * (len(steps) - 1)).append(float(value))
        for name in losses:
            if len(losses[name]) < len(steps):
                losses[name].append(None)
    return {"path": str(path), "steps": steps, "dev_score": scores, "losses": losses}


def check_scheme(labels: Sequence[str], mapping: Dict[str, Optional[str]], name: str) -> None:
    """Every NER label of a base model must be in the label scheme: a new label is an
    error, never silently dropped."""
    unknown = sorted(set(labels) - set(mapping))
    if unknown:
        raise ValueError(f"model {name}: NER label(s) {', '.join(unknown)} not in the label scheme {sorted(mapping)}")


def build_report(
    models: Sequence[ModelSource],
    datasets: Dict[str, Path],
    labels: Sequence[str],
    base_mapping: Dict[str, Optional[str]],
    speed_dataset: str,
    settings: Dict[str, Any],
    missing: Sequence[Dict[str, str]] = (),
    sample: Optional[Dict[str, List[str]]] = None,
    render: Optional[Callable[[Doc], str]] = None,
) -> Dict[str, Any]:
    """Measure every model. ``sample`` (group -> texts) is parsed by each model and
    drawn with ``render`` for the displaCy comparison; its HTML goes into
    ``report["_renders"]`` (not written to report.json)."""
    import spacy

    vocab = spacy.blank("en").vocab
    gold = {name: read_docbin(path, vocab) for name, path in datasets.items()}
    speed_texts = [doc.text for doc in gold[speed_dataset]]
    if settings.get("speed_limit"):
        speed_texts = speed_texts[: settings["speed_limit"]]
    report: Dict[str, Any] = {
        "title": "en_custom_ner: evaluation report",
        "environment": environment(),
        "commands": {
            "project": "python -m spacy project run report",
            "script": shlex.join(["python", *sys.argv]),
        },
        "settings": {**settings, "speed_dataset": speed_dataset, "speed_texts": len(speed_texts)},
        "labels": list(labels),
        "label_scheme": {"name": "ontonotes", "mapping": base_mapping},
        "datasets": {
            name: {
                "path": str(datasets[name]),
                "docs": len(docs),
                "words": sum(len(d) for d in docs),
                "entities": sum(len(d.ents) for d in docs),
            }
            for name, docs in gold.items()
        },
        "missing_models": list(missing),
        "models": {},
        "accuracy": {name: {} for name in datasets},
        "speed": {},
        "training": {},
        "_renders": {},
    }
    for model in models:
        msg.info(f"{model.name}: {model.source} ({model.kind}), predicting in a fresh interpreter")
        groups = {f"data:{name}": [doc.text for doc in docs] for name, docs in gold.items()}
        groups.update({f"sample:{group}": list(texts) for group, texts in (sample or {}).items()})
        info, predicted = model.predict(groups, settings["batch_size"], vocab)
        mapping = base_mapping if model.role == "base" else None
        if mapping is not None:
            check_scheme(info["ner_labels"], mapping, model.name)
            predicted = {group: [map_entities(doc, mapping) for doc in docs] for group, docs in predicted.items()}
        report["models"][model.name] = {"source": model.source, "kind": model.kind, "role": model.role, **info,
                                        "label_mapping": "ontonotes" if mapping is not None else None}
        for name, docs in gold.items():
            examples = [Example(pred, ref) for pred, ref in zip(predicted[f"data:{name}"], docs)]
            result = analyse(examples, labels, top=settings.get("top_errors", 20))
            report["accuracy"][name][model.name] = result
            msg.text(f"{model.name} on {name}: spaCy F {result['spacy']['f']:.4f}, seqeval F {result['seqeval']['f']:.4f}")
        if sample and render is not None:
            report["_renders"][model.name] = {group: [render(doc) for doc in predicted[f"sample:{group}"]] for group in sample}
        kwargs = {"exclude": info["components_not_run"]} if info["components_not_run"] else None
        speed: Dict[str, Any] = {"by_n_process": {}}
        for n_process in settings["n_process"]:
            msg.text(f"{model.name}: timing nlp.pipe, n_process={n_process}, {settings['repeats']} run(s)")
            run = model.speed(speed_texts, settings["batch_size"], n_process, settings["repeats"], kwargs)
            run["words_per_second_median"] = median([r["words_per_second"] for r in run["runs"]])
            speed["by_n_process"][str(n_process)] = run
            msg.text(f"{model.name}: n_process={n_process}: {run['words_per_second_median']:,.0f} words/s (median)")
        load = model.load_seconds(settings["load_repeats"], kwargs)
        speed["load_seconds"] = load
        speed["load_seconds_median"] = median(load)
        speed["size_on_disk_mb"] = directory_bytes(model.data_path()) / 1e6
        speed["wheel_mb"] = model.wheel.stat().st_size / 1e6 if model.wheel and model.wheel.exists() else None
        report["speed"][model.name] = speed
        if model.kind == "directory":
            log = Path(model.source).parent / "train_log.jsonl"
            if log.exists():
                report["training"][model.name] = read_train_log(log)
        model.close()
    report["ratios"] = ratios(report)
    report["checks"] = checks(report)
    return report


def ratios(report: Dict[str, Any]) -> Dict[str, Any]:
    """Each model against the base model: speed, load time and size as ratios."""
    base = next((n for n, m in report["models"].items() if m["role"] == "base"), None)
    if base is None:
        return {"base": None}
    b = report["speed"][base]
    out: Dict[str, Any] = {"base": base, "models": {}}
    for name, s in report["speed"].items():
        row = {
            f"words_per_second_n{k}": s["by_n_process"][k]["words_per_second_median"]
            / b["by_n_process"][k]["words_per_second_median"]
            for k in s["by_n_process"]
            if k in b["by_n_process"]
        }
        row["load_seconds"] = s["load_seconds_median"] / b["load_seconds_median"]
        row["size_on_disk"] = s["size_on_disk_mb"] / b["size_on_disk_mb"]
        out["models"][name] = row
    return out


def checks(report: Dict[str, Any], tolerance: float = 0.001) -> Dict[str, Any]:
    """The seqeval cross-check: |spaCy F - seqeval F| <= tolerance for every model and dataset."""
    rows = [
        {"dataset": d, "model": m, "difference": r["f_difference"], "ok": r["f_difference"] <= tolerance}
        for d, by_model in report["accuracy"].items()
        for m, r in by_model.items()
    ]
    return {"seqeval_tolerance": tolerance, "seqeval_agreement": rows, "all_agree": all(r["ok"] for r in rows)}


# --- report.md ---
def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> List[str]:
    align = align or "l" + "r" * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def render_markdown(report: Dict[str, Any]) -> str:
    env = report["environment"]
    settings = report["settings"]
    lines = [f"# {report['title']}", ""]
    lines += [
        f"Written {env['date']}. Made with `{report['commands']['project']}`, which runs:",
        "",
        f"```\n{report['commands']['script']}\n```",
        "",
        f"Machine: {env['cpu']}, {env['cores']} cores, {env['platform']}, Python {env['python']}; {env['device']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v) + ".",
        "",
        "Every figure below is in `report.json`; plots are in `plots/`, the displaCy comparison in `compare.html`.",
        "",
        "## Models",
        "",
    ]
    rows = []
    for name, m in report["models"].items():
        comps = ", ".join(m["components"]) + (f" (not run: {', '.join(m['components_not_run'])})" if m["components_not_run"] else "")
        mapping = "OntoNotes labels mapped to ours" if m["label_mapping"] else "own labels"
        rows.append([f"**{name}**", f"`{m['source']}`", m["kind"], f"{m['pipeline']} {m['version']}", comps, mapping])
    lines += _table(["model", "source", "kind", "pipeline", "components", "labels"], rows, "llllll")
    for miss in report["missing_models"]:
        lines.append(f"- not found, so not in this report: **{miss['name']}** (`{miss['source']}`): {miss['reason']}")
    if report["missing_models"]:
        lines.append("")
    mapping = report["label_scheme"]["mapping"]
    grouped: Dict[str, List[str]] = {}
    for source, target in mapping.items():
        grouped.setdefault(target or "dropped", []).append(source)
    lines += ["Base model label mapping: " + "; ".join(f"{'/'.join(v)} → {k}" for k, v in grouped.items()) + "; TICKER absent.", ""]

    lines += ["## Accuracy", ""]
    for dataset, by_model in report["accuracy"].items():
        info = report["datasets"][dataset]
        lines += [f"### {dataset}", "", f"`{info['path']}`: {num(info['docs'])} docs, {num(info['words'])} words, {num(info['entities'])} gold entities.", ""]
        header = ["model", "P", "R", "F1", "seqeval P", "seqeval R", "seqeval F1", "|ΔF1|"]
        rows = [
            [f"**{m}**", pct(r["spacy"]["p"]), pct(r["spacy"]["r"]), f"**{pct(r['spacy']['f'])}**",
             pct(r["seqeval"]["p"]), pct(r["seqeval"]["r"]), pct(r["seqeval"]["f"]), num(r["f_difference"], 4)]
            for m, r in by_model.items()
        ]
        lines += _table(header, rows)
        lines += [f"![per-label F1 on {dataset}](plots/f1-{slug(dataset)}.png)", ""]
        for m, r in by_model.items():
            lines += [f"**{m}** on {dataset}:", ""]
            rows = [
                [label, pct(v["p"]), pct(v["r"]), pct(v["f"]), num(v["support"]), num(v["predicted"])]
                for label, v in r["spacy"]["per_label"].items()
            ]
            rows.append(["**micro avg**", pct(r["spacy"]["p"]), pct(r["spacy"]["r"]), pct(r["spacy"]["f"]),
                         num(r["spacy"]["support"]), num(r["spacy"]["predicted"])])
            lines += _table(["label", "precision", "recall", "F1", "support", "predicted"], rows)
    check = report["checks"]
    lines += [
        "Cross-check: seqeval (IOB2, strict, micro) on the same predictions "
        + ("agrees with spaCy's scorer" if check["all_agree"] else "**disagrees** with spaCy's scorer")
        + f" within {num(check['seqeval_tolerance'], 4)} F1 for every model and dataset (column |ΔF1|).",
        "",
        "## Errors",
        "",
        "Outcome of every gold and predicted entity (exact match first, then the largest overlap): "
        "*type* = same span, other label; *boundary* = overlapping span, same label; "
        "*boundary+type* = overlapping span, other label; *missed* = no overlapping prediction; "
        "*spurious* = prediction overlapping no gold entity.",
        "",
    ]
    for dataset, by_model in report["accuracy"].items():
        rows = [[f"**{m}**", *[num(r["errors"]["counts"][k]) for k in ERROR_KINDS]] for m, r in by_model.items()]
        lines += [f"### {dataset}", ""] + _table(["model", *ERROR_KINDS], rows)
        lines += [f"![confusion matrices on {dataset}](plots/confusion-{slug(dataset)}.png)", ""]
        for m, r in by_model.items():
            lines += [f"<details><summary>{m}: most frequent errors per label on {dataset}</summary>", ""]
            for label, errors in r["errors"]["top_errors"].items():
                if not errors:
                    continue
                text = "; ".join(f"`{e['text']}` ×{num(e['count'])} ({', '.join(e['kinds'])})" for e in errors)
                lines += [f"- **{label}**: {text}"]
            lines += ["", "</details>", ""]

    lines += ["## Training curves", ""]
    if report["training"]:
        for m, log in report["training"].items():
            best = max(range(len(log["steps"])), key=lambda i: log["dev_score"][i]) if log["steps"] else None
            if best is not None:
                lines.append(f"- **{m}** (`{log['path']}`): {num(len(log['steps']))} evaluations, best dev score "
                             f"{num(log['dev_score'][best], 4)} at step {num(log['steps'][best])}.")
        lines += ["", "![training curves](plots/training.png)", ""]
    else:
        lines += ["No training log found next to any model directory.", ""]

    lines += [
        "## Speed and size",
        "",
        f"Same {num(settings['speed_texts'])} texts of {settings['speed_dataset']} for every model, "
        f"`nlp.pipe` batch size {num(settings['batch_size'])}, median of {num(settings['repeats'])} runs after a warm-up, "
        "each model and process count in a fresh interpreter (with n_process > 1, PyTorch runs one thread per "
        "worker: its thread pool does not survive the fork); "
        f"load time: `spacy.load` in a fresh interpreter, median of {num(settings['load_repeats'])}.",
        "",
    ]
    n_procs = [str(n) for n in settings["n_process"]]
    header = ["model", *[f"words/s, n_process={n}" for n in n_procs], "load s", "size on disk MB", "wheel MB"]
    rows = []
    for m, s in report["speed"].items():
        rows.append([f"**{m}**", *[num(s["by_n_process"][n]["words_per_second_median"]) for n in n_procs],
                     num(s["load_seconds_median"], 2), num(s["size_on_disk_mb"], 1), num(s["wheel_mb"], 1)])
    lines += _table(header, rows)
    r = report["ratios"]
    if r.get("base"):
        lines += [f"Against the base model **{r['base']}** (its NER components only; >1× = faster / slower to load / bigger):", ""]
        header = ["model", *[f"speed n_process={n}" for n in n_procs], "load time", "size on disk"]
        rows = [[f"**{m}**", *[ratio(v.get(f"words_per_second_n{n}")) for n in n_procs], ratio(v["load_seconds"]),
                 ratio(v["size_on_disk"])] for m, v in r["models"].items()]
        lines += _table(header, rows)
    lines += ["![speed](plots/speed.png)", ""]

    compare = report.get("compare")
    if compare:
        lines += ["## displaCy comparison", "", f"`{compare['path']}`: {num(compare['texts'])} texts "
                  f"({', '.join(compare['groups'])}), one render per model and the gold annotation where there is one."]
        if compare.get("screenshot"):
            lines += ["", f"Rendered in headless Chromium ({compare['browser']}), screenshot: "
                      f"![compare.html screenshot]({compare['screenshot']})"]
        else:
            lines += ["", f"Not screenshotted: {compare.get('screenshot_note')}."]
        lines.append("")
    return "\n".join(lines)


COMPARE_INTRO = ("Entities found by each model in the same texts (gold first where the text is annotated). "
                 "The base model's OntoNotes labels are mapped to ours; TICKER links show the symbol's canonical id.")


def make_report(
    out_dir: Path,
    datasets: Dict[str, Path],
    models: Sequence[Tuple[str, str, str]],
    label_map: Path,
    settings: Dict[str, Any],
    wheels: Optional[Dict[str, Path]] = None,
    sample_gold: str = "",
    sample_csv: Optional[Path] = None,
    screenshot: bool = True,
) -> Dict[str, Any]:
    """Measure every model of ``models`` (name, source, role "custom" or "base") that
    exists on ``datasets`` (the first is timed) and write OUT_DIR/report.json,
    report.md, plots/*.png and compare.html; returns the report.

    A model whose source does not exist (the transformer before ``all-trf``) is listed
    as not found, not silently left out. ``settings["sample"]`` texts of the dataset
    ``sample_gold`` (with its gold annotation) and of the AG News CSV ``sample_csv`` go
    into compare.html.
    """
    import spacy

    problems = [f"--data {name}: {path} not found" for name, path in datasets.items() if not Path(path).exists()]
    if sample_csv is not None and not Path(sample_csv).exists():
        problems.append(f"--sample-csv {sample_csv}: not found")
    if sample_gold and sample_gold not in datasets:
        problems.append(f"--sample-gold {sample_gold!r}: not one of the --data names ({', '.join(datasets)})")
    names = [name for name, _, _ in models]
    problems += [f"--wheel {name}: no --model or --base of that name" for name in sorted(set(wheels or {}) - set(names))]
    if len(set(names)) != len(names):
        problems.append("--model and --base names must differ")
    if problems:
        raise ValueError("; ".join(problems))
    labels = LabelMap.from_file(label_map)
    sources, missing = [], []
    for name, source, role in models:
        try:
            sources.append(ModelSource(name, source, role=role, wheel=(wheels or {}).get(name)))
        except ModelNotFound as err:
            msg.warn(f"{name}: {err}; left out of the report")
            missing.append({"name": name, "source": source, "reason": str(err)})
    if not sources:
        raise ModelNotFound("none of the models was found")
    n = settings.get("sample", 0)
    groups: Dict[str, List[str]] = {}
    gold_renders: Dict[str, List[str]] = {}
    if sample_gold and n:
        docs = read_docbin(datasets[sample_gold], spacy.blank("en").vocab)
        picked = [docs[i] for i in sample_indices([d.text for d in docs], n)]
        groups[sample_gold] = [d.text for d in picked]
        gold_renders[sample_gold] = [render_doc(d) for d in picked]
    if sample_csv is not None and n:
        texts = ag_news_descriptions(sample_csv)
        groups["AG News"] = [texts[i] for i in sample_indices(texts, n)]
    report = build_report(sources, datasets, labels.labels, labels.scheme("ontonotes"), next(iter(datasets)),
                          settings, missing=missing, sample=groups or None, render=render_doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    renders = report.pop("_renders")
    if groups:
        report["compare"] = write_compare(out_dir, renders, groups, gold_renders, intro=COMPARE_INTRO,
                                          take_screenshot=screenshot)
        if report["compare"]["screenshot_note"]:
            msg.warn(f"compare.html: {report['compare']['screenshot_note']}")
    report["plots"] = draw_all(report, out_dir)
    srsly.write_json(out_dir / "report.json", report)
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf8")
    return report
