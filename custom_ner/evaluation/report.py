"""The evaluation report: every model side by side, written as report.json first.

``build_report`` measures (accuracy with a seqeval cross-check, error analysis,
speed, load time, size, training curves) and returns one JSON-able dict;
markdown.py turns that dict into report.md and computes nothing, so every figure a
reader sees can be found in report.json. Plots (plots.py) and the displaCy page
(displacy.py) are drawn from the same dict; ``make_report`` does all of it.
"""
import platform
import shlex
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from spacy.tokens import Doc
from spacy.training import Example
from wasabi import msg

from ..data.docs import read_docbin
from ..data.errors import ConversionError, Rejects
from ..data.files import write_json, write_text
from ..formats.jsonl import read_jsonl
from ..data.labels import DEFAULT_LABEL_MAP, LabelMap
from ..confidence.calibration import confidence_summary
from ..confidence.entity_confidence import FACTORY as CONFIDENCE
from ..formats.unlabelled import ag_news_descriptions
from ..machine import describe, machine
from .analysis import analyse
from .displacy import render_doc, sample_indices, write_compare
from .external import Scorecard, load_scorecard, score_external, scored_labels, seen_entity_texts, slice_scores
from .model_source import ModelNotFound, ModelSource, directory_bytes, median
from .markdown import render_markdown
from .plots import draw_all
from .scoring import map_entities
from .seeds import config_digest, read_spread


@dataclass(frozen=True)
class ReportSettings:
    """How the report measures: nlp.pipe batch size, the process counts timed, timed
    passes, fresh-interpreter load timings, the texts timed (0: all of the first
    dataset), error strings listed per label, texts per compare.html group."""

    batch_size: int = 128
    n_process: Tuple[int, ...] = (1, 2)
    repeats: int = 3
    load_repeats: int = 3
    speed_limit: int = 0
    top_errors: int = 20
    sample: int = 10

    def to_dict(self) -> Dict[str, Any]:
        return {**asdict(self), "n_process": list(self.n_process)}


@dataclass(frozen=True)
class ReportInputs:
    """What the report measures: gold ``datasets`` (the first is timed), ``models``
    (name, source, role "custom" or "base"), the wheels they ship as; the
    compare.html sample (a dataset name, an AG News CSV); the external scorecard
    (configs/external.json), the training data whose entity texts are *seen*, and
    metrics/seeds.json."""

    datasets: Dict[str, Path]
    models: Sequence[Tuple[str, str, str]]
    label_map: Path = DEFAULT_LABEL_MAP
    wheels: Dict[str, Path] = field(default_factory=dict)
    sample_gold: str = ""
    sample_csv: Optional[Path] = None
    screenshot: bool = True
    external: Optional[Path] = None
    seen_from: Sequence[Path] = ()
    seeds: Optional[Path] = None


@dataclass(frozen=True)
class Scoring:
    """What every model is scored with: our labels, the base models' label mapping,
    the settings, the compare.html sample and its renderer, the external scorecard
    with its gold docs, and the seen entity texts."""

    labels: Sequence[str]
    base_mapping: Dict[str, Optional[str]]
    settings: ReportSettings
    sample: Optional[Dict[str, List[str]]] = None
    render: Optional[Callable[[Doc], str]] = None
    scorecard: Optional[Scorecard] = None
    external: Dict[str, List[Doc]] = field(default_factory=dict)
    seen: Optional[Set[str]] = None


PACKAGES = ("spacy", "thinc", "spacy-transformers", "transformers", "torch", "seqeval", "matplotlib", "numpy")


def environment() -> Dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    info = machine()
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": info["cpu"],
        "cores": info["cores"],
        "kernels": describe(info),
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
    settings: ReportSettings,
    *,
    missing: Sequence[Dict[str, str]] = (),
    sample: Optional[Dict[str, List[str]]] = None,
    render: Optional[Callable[[Doc], str]] = None,
    scorecard: Optional[Scorecard] = None,
    seen: Optional[Set[str]] = None,
) -> Dict[str, Any]:
    """Measure every model. ``sample`` (group -> texts) is parsed by each model and
    drawn with ``render`` for the displaCy comparison; its HTML goes into
    ``report["_renders"]`` (not written to report.json). ``scorecard``'s sets are scored
    in the "external" section; ``seen`` (the training data's entity texts) splits every
    score into seen and unseen entities."""
    import spacy

    vocab = spacy.blank("en").vocab
    gold = {name: read_docbin(path, vocab) for name, path in datasets.items()}
    external = {ext.name: read_docbin(ext.path, vocab) for ext in (scorecard.sets if scorecard else [])}
    speed_dataset = next(iter(datasets))
    speed_texts = [doc.text for doc in gold[speed_dataset]]
    if settings.speed_limit:
        speed_texts = speed_texts[: settings.speed_limit]
    scoring = Scoring(labels, base_mapping, settings, sample, render, scorecard, external, seen)
    report: Dict[str, Any] = {
        "title": "en_custom_ner: evaluation report",
        "environment": environment(),
        "commands": {
            "project": "python -m spacy project run report",
            "script": shlex.join(["python", *sys.argv]),
        },
        "settings": {**settings.to_dict(), "speed_dataset": speed_dataset, "speed_texts": len(speed_texts)},
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
        "calibration": {name: {} for name in datasets},
        "slices": {name: {} for name in datasets} if seen is not None else {},
        "external": external_section(scorecard, external, seen),
        "speed": {},
        "training": {},
        "_renders": {},
    }
    for model in models:
        msg.info(f"{model.name}: {model.source} ({model.kind}), predicting in a fresh interpreter")
        info = measure_accuracy(report, model, gold, vocab, scoring)
        kwargs = {"exclude": info["components_not_run"]} if info["components_not_run"] else None
        report["speed"][model.name] = measure_speed(model, speed_texts, settings, kwargs)
        if CONFIDENCE in info["components"]:
            # the same model, same texts, same run, without the confidence component
            off = {"exclude": [*info["components_not_run"], CONFIDENCE]}
            msg.text(f"{model.name}: timing nlp.pipe without {CONFIDENCE}, n_process=1")
            run = model.speed(speed_texts, settings.batch_size, 1, settings.repeats, off)
            off_wps = median([r["words_per_second"] for r in run["runs"]])
            on_wps = report["speed"][model.name]["by_n_process"]["1"]["words_per_second_median"] \
                if "1" in report["speed"][model.name]["by_n_process"] else None
            report["speed"][model.name]["without_confidence"] = {
                "words_per_second_median": off_wps, "runs": run["runs"],
                "ratio_with_to_without": on_wps / off_wps if on_wps and off_wps else None}
        if model.kind == "directory":
            log = Path(model.source).parent / "train_log.jsonl"
            if log.exists():
                report["training"][model.name] = read_train_log(log)
        model.close()
    report["ratios"] = ratios(report)
    report["checks"] = checks(report)
    return report


def measure_accuracy(report: Dict[str, Any], model: ModelSource, gold: Dict[str, List[Doc]], vocab: Any,
                     scoring: Scoring) -> Dict[str, Any]:
    """Predict the gold texts (and the sample, and the external sets) with ``model``; its
    description, scores and errors (and renders) go into ``report``. Returns the
    description of the pipeline."""
    groups = {f"data:{name}": [doc.text for doc in docs] for name, docs in gold.items()}
    sc = scoring
    groups.update({f"external:{name}": [doc.text for doc in docs] for name, docs in sc.external.items()})
    groups.update({f"sample:{group}": list(texts) for group, texts in (sc.sample or {}).items()})
    info, predicted = model.predict(groups, sc.settings.batch_size, vocab)
    mapping = sc.base_mapping if model.role == "base" else None
    if mapping is not None:
        check_scheme(info["ner_labels"], mapping, model.name)
        predicted = {group: [map_entities(doc, mapping) for doc in docs] for group, docs in predicted.items()}
    report["models"][model.name] = {"source": model.source, "kind": model.kind, "role": model.role, **info,
                                    "label_mapping": "ontonotes" if mapping is not None else None}
    for name, docs in gold.items():
        examples = [Example(pred, ref) for pred, ref in zip(predicted[f"data:{name}"], docs)]
        result = analyse(examples, sc.labels, top=sc.settings.top_errors)
        report["accuracy"][name][model.name] = result
        msg.text(f"{model.name} on {name}: spaCy F {result['spacy']['f']:.4f}, seqeval F {result['seqeval']['f']:.4f}")
        if sc.seen is not None:
            report["slices"][name][model.name] = slice_scores(examples, sc.seen)
        summary = confidence_summary(predicted[f"data:{name}"], docs)
        if summary is not None:
            report["calibration"][name][model.name] = summary
            msg.text(f"{model.name} on {name}: ECE {summary['calibrated']['ece']:.4f} "
                     f"(raw score {summary['raw']['ece']:.4f})")
    for ext in sc.scorecard.sets if sc.scorecard else []:
        result = score_external(predicted[f"external:{ext.name}"], sc.external[ext.name], ext, sc.scorecard,
                                scored_labels(sc.labels, sc.scorecard), seen=sc.seen, top=sc.settings.top_errors)
        report["external"]["sets"][ext.name]["models"][model.name] = result
        msg.text(f"{model.name} on {ext.name} (external): F {result['spacy']['f']:.4f}")
    if sc.sample and sc.render is not None:
        report["_renders"][model.name] = {group: [sc.render(doc) for doc in predicted[f"sample:{group}"]]
                                          for group in sc.sample}
    return info


def external_section(scorecard: Optional[Scorecard], external: Dict[str, List[Doc]],
                     seen: Optional[Set[str]]) -> Dict[str, Any]:
    """The external scorecard's description; each model's scores are added to "models"."""
    if scorecard is None:
        return {}
    return {
        "label_scheme": scorecard.label_scheme,
        "mapping": scorecard.mapping,
        "note": scorecard.note,
        "seen_entity_texts": len(seen) if seen is not None else None,
        "sets": {
            ext.name: {"path": str(ext.path), "description": ext.description, "tag_scheme": ext.tag_scheme,
                       "roles": ext.roles, "references": ext.references, "docs": len(external[ext.name]),
                       "words": sum(len(d) for d in external[ext.name]),
                       "entities": sum(len(d.ents) for d in external[ext.name]), "models": {}}
            for ext in scorecard.sets
        },
    }


def measure_speed(model: ModelSource, texts: List[str], settings: ReportSettings,
                  kwargs: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """words/s per process count, ``spacy.load`` time and size of ``model``, each in fresh interpreters."""
    speed: Dict[str, Any] = {"by_n_process": {}}
    for n_process in settings.n_process:
        msg.text(f"{model.name}: timing nlp.pipe, n_process={n_process}, {settings.repeats} run(s)")
        run = model.speed(texts, settings.batch_size, n_process, settings.repeats, kwargs)
        run["words_per_second_median"] = median([r["words_per_second"] for r in run["runs"]])
        speed["by_n_process"][str(n_process)] = run
        msg.text(f"{model.name}: n_process={n_process}: {run['words_per_second_median']:,.0f} words/s (median)")
    load = model.load_seconds(settings.load_repeats, kwargs)
    speed["load_seconds"] = load
    speed["load_seconds_median"] = median(load)
    speed["size_on_disk_mb"] = directory_bytes(model.data_path()) / 1e6
    speed["wheel_mb"] = model.wheel.stat().st_size / 1e6 if model.wheel and model.wheel.exists() else None
    return speed


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
    scored = [*report["accuracy"].items(),
              *((d, s["models"]) for d, s in (report.get("external") or {}).get("sets", {}).items())]
    rows = [
        {"dataset": d, "model": m, "difference": r["f_difference"], "ok": r["f_difference"] <= tolerance}
        for d, by_model in scored
        for m, r in by_model.items()
    ]
    return {"seqeval_tolerance": tolerance, "seqeval_agreement": rows, "all_agree": all(r["ok"] for r in rows)}


COMPARE_INTRO = ("Entities found by each model in the same texts (gold first where the text is annotated). "
                 "The base model's OntoNotes labels are mapped to ours; TICKER links show the symbol's canonical id.")


def make_report(out_dir: Path, inputs: ReportInputs, settings: ReportSettings = ReportSettings()) -> Dict[str, Any]:
    """Measure every model of ``inputs`` that exists and write OUT_DIR/report.json,
    report.md, plots/*.png and compare.html; returns the report.

    A model whose source does not exist (the transformer before ``all-trf``) is listed
    as not found, not silently left out. ``settings.sample`` texts of the dataset
    ``inputs.sample_gold`` (with its gold annotation) and of the AG News CSV
    ``inputs.sample_csv`` go into compare.html; the external scorecard, the seen/unseen
    slices and the seed spread come from the inputs named so (see ReportInputs).
    """
    i = inputs
    check_inputs(i.datasets, i.models, i.wheels, i.sample_gold, i.sample_csv)
    labels = LabelMap.from_file(i.label_map)
    scorecard = load_scorecard(i.external, labels) if i.external is not None else None
    missing_data = [f"{ext.name}: {ext.path}" for ext in scorecard.sets if not ext.path.exists()] if scorecard else []
    missing_data += [str(p) for p in i.seen_from if not Path(p).exists()]
    if missing_data:
        raise ValueError(f"not found: {'; '.join(missing_data)}")
    seen = seen_entity_texts(training_docs(i.seen_from)) if i.seen_from else None
    sources, missing = [], []
    for name, source, role in i.models:
        try:
            sources.append(ModelSource(name, source, role=role, wheel=i.wheels.get(name)))
        except ModelNotFound as err:
            msg.warn(f"{name}: {err}; left out of the report")
            missing.append({"name": name, "source": source, "reason": str(err)})
    if not sources:
        raise ModelNotFound("none of the models was found")
    groups, gold_renders = sample_groups(i.datasets, settings.sample, i.sample_gold, i.sample_csv)
    report = build_report(sources, i.datasets, labels.labels, labels.scheme("ontonotes"), settings, missing=missing,
                          sample=groups or None, render=render_doc, scorecard=scorecard, seen=seen)
    report["seeds"] = seed_section(read_spread(i.seeds))
    out_dir.mkdir(parents=True, exist_ok=True)
    renders = report.pop("_renders")
    if groups:
        report["compare"] = write_compare(out_dir, renders, groups, gold_renders, intro=COMPARE_INTRO,
                                          take_screenshot=i.screenshot)
        if report["compare"]["screenshot_note"]:
            msg.warn(f"compare.html: {report['compare']['screenshot_note']}")
    report["plots"] = draw_all(report, out_dir)
    write_json(out_dir / "report.json", report)
    write_text(out_dir / "report.md", render_markdown(report))
    return report


def seed_section(seeds: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """What the report shows of metrics/seeds.json: the spread, each seed's figures, and
    whether it is stale (its config file has changed since, or is gone)."""
    if seeds is None:
        return None
    config = Path(seeds["config"])
    stale = not config.is_file() or config_digest(config) != seeds.get("config_sha256")
    return {"config": str(config), "n_seeds": seeds["n_seeds"], "stale": stale, "spread": seeds["spread"],
            "seeds": [{"seed": run["seed"], "figures": run["figures"]} for run in seeds["seeds"]],
            "machine": seeds.get("machine")}


def training_docs(paths: Sequence[Path]) -> List[Doc]:
    """The docs of every DocBin in ``paths`` (files, or directories read recursively)."""
    import spacy

    vocab = spacy.blank("en").vocab
    files = [f for p in paths for f in (sorted(Path(p).rglob("*.spacy")) if Path(p).is_dir() else [Path(p)])]
    return [doc for f in files for doc in read_docbin(f, vocab)]


def check_inputs(datasets: Dict[str, Path], models: Sequence[Tuple[str, str, str]], wheels: Dict[str, Path],
                 sample_gold: str, sample_csv: Optional[Path]) -> None:
    """Every problem with the report's inputs in one ValueError."""
    problems = [f"--data {name}: {path} not found" for name, path in datasets.items() if not Path(path).exists()]
    if sample_csv is not None and not Path(sample_csv).exists():
        problems.append(f"--sample-csv {sample_csv}: not found")
    if sample_gold and sample_gold not in datasets:
        problems.append(f"--sample-gold {sample_gold!r}: not one of the --data names ({', '.join(datasets)})")
    names = [name for name, _, _ in models]
    problems += [f"--wheel {name}: no --model or --base of that name" for name in sorted(set(wheels) - set(names))]
    if len(set(names)) != len(names):
        problems.append("--model and --base names must differ")
    if problems:
        raise ValueError("; ".join(problems))


def sample_groups(datasets: Dict[str, Path], n: int, sample_gold: str,
                  sample_csv: Optional[Path]) -> Tuple[Dict[str, List[str]], Dict[str, List[str]]]:
    """The texts of compare.html (a seeded sample of ``n`` per group) and the gold renders."""
    import spacy

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
    return groups, gold_renders
