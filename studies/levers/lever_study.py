"""The lever study: one trained model per lever and seed, scored on the sets that
decide what ships, and the lever table drawn from those scores (README.md).

A lever row is only as good as its seeds: every row is the mean of its runs, with
each run's figure beside it, so a difference smaller than the seed spread is visible
as such. External dev sets (Tweebank, WNUT-17) are scored as the report's external
scorecard scores them (TICKER as ORG); our own sets with our labels. Speed is
measured for every run in one sitting (:func:`measure_runs_speed`), so that the rows
are timed under the same load; size is the model deflated as a wheel holds it.
"""
import tempfile
import zipfile
from pathlib import Path
from statistics import mean, median
from typing import Any, Dict, List, Sequence, Tuple

import srsly

from custom_ner.data.docs import read_docbin
from custom_ner.data.files import write_json
from custom_ner.evaluation.seed_runs import score_run
from custom_ner.evaluation.seeds import ALL
from custom_ner.evaluation.speed import measure_speed
from custom_ner.loading import load_pipeline

# (column, dataset, label or "" for micro F) of the lever table
COLUMNS: Tuple[Tuple[str, str, str], ...] = (
    ("CoNLL test", "conll-test", ""), ("CoNLL ORG", "conll-test", "ORG"), ("gold dev", "gold-dev", ""),
    ("PERSON", "gold-dev", "PERSON"), ("MISC", "gold-dev", "MISC"), ("TICKER", "gold-dev", "TICKER"),
    ("fin dev", "fin-dev", ""), ("lower CoNLL dev", "conll-dev-lower", ""),
    ("Tweebank dev", "tweebank-dev", ""), ("WNUT-17 dev", "wnut17-dev", ""),
)


def score_model(model: Path, data: Dict[str, Path], external: Dict[str, Path], mapping: Dict[str, Any],
                labels: Sequence[str], batch_size: int = 256) -> Dict[str, Any]:
    """F and per-label F of ``model`` on every set (the seeds workflow's scoring,
    custom_ner/evaluation/seed_runs.py); ``external`` sets with ``mapping``."""
    figures = score_run(model, data, external, mapping, labels, batch_size)
    return {name: {"f": by_label[ALL]["f"], "per_label": {k: v["f"] for k, v in by_label.items() if k != ALL}}
            for name, by_label in figures.items()}


def save_run(model: Path, out_dir: Path, lever: str, seed: int, scores: Dict[str, Any]) -> Path:
    """Write one run (lever, seed, training seconds from the run's train_summary.json,
    scores) to OUT_DIR/<run directory name>.json; returns its path."""
    summary = Path(model).parent / "train_summary.json"
    run = {"lever": lever, "seed": seed, "model": str(model), "scores": scores, "zipped_mb": zipped_mb(model),
           "train_seconds": srsly.read_json(summary)["seconds"] if summary.exists() else 0.0}
    out = Path(out_dir) / f"{Path(model).parent.name}.json"
    return write_json(out, run)


def zipped_mb(directory: Path) -> float:
    """Megabytes of ``directory`` deflated into a zip file, as a wheel holds a pipeline."""
    with tempfile.TemporaryFile() as f:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(Path(directory).rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(directory))
        return f.tell() / 1e6


def measure_runs_speed(directory: Path, data: Path, repeats: int = 3, batch_size: int = 128) -> Dict[str, float]:
    """words/s of every run's model on the texts of ``data`` (one process), in one sitting:
    each round times every model once, so a change in the machine's load touches every
    row alike; the median of the rounds goes into each run JSON. Returns file -> words/s."""
    files = sorted(Path(directory).glob("*.json"))
    runs = {f: srsly.read_json(f) for f in files}
    nlps = {f: load_pipeline(run["model"]) for f, run in runs.items()}
    texts = [doc.text for doc in read_docbin(data, next(iter(nlps.values())).vocab)] if nlps else []
    rates: Dict[Path, List[float]] = {f: [] for f in files}
    for _ in range(repeats):
        for f, nlp in nlps.items():
            rates[f].append(measure_speed(nlp, texts, batch_size=batch_size, repeats=1)["words_per_second_max"])
    for f, run in runs.items():
        run["speed"] = {"words_per_second": median(rates[f]), "runs": rates[f], "data": str(data), "batch_size": batch_size}
        write_json(f, run)
    return {str(f): median(r) for f, r in rates.items()}


def lever_rows(runs: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Runs grouped by lever, in the order they first appear: per column the mean and the runs."""
    by_lever: Dict[str, List[Dict[str, Any]]] = {}
    for run in runs:
        by_lever.setdefault(run["lever"], []).append(run)
    rows = []
    for lever, group in by_lever.items():
        group = sorted(group, key=lambda r: r["seed"])
        row: Dict[str, Any] = {"lever": lever, "seeds": [r["seed"] for r in group],
                               "train_seconds": mean(r["train_seconds"] for r in group),
                               "words_per_second": _mean_of(r.get("speed", {}).get("words_per_second") for r in group),
                               "zipped_mb": _mean_of(r.get("zipped_mb") for r in group)}
        for column, dataset, label in COLUMNS:
            values = [_value(r, dataset, label) for r in group]
            present = [v for v in values if v is not None]
            row[column] = {"mean": mean(present) if present else None, "runs": values}
        rows.append(row)
    return rows


def _mean_of(values: Any) -> Any:
    present = [v for v in values if v is not None]
    return mean(present) if present else None


def _value(run: Dict[str, Any], dataset: str, label: str) -> Any:
    scores = run["scores"].get(dataset)
    if scores is None:
        return None
    return scores["per_label"].get(label) if label else scores["f"]


def lever_table(rows: Sequence[Dict[str, Any]]) -> str:
    """Markdown: one row per lever, mean F1 (runs in brackets) per column, words/s,
    zipped model size and training minutes."""
    header = ["lever", "seeds", *[c for c, _, _ in COLUMNS], "words/s", "wheel MB", "train min"]
    lines = ["| " + " | ".join(header) + " |", "| --- | --- |" + " ---: |" * (len(header) - 2)]
    for row in rows:
        cells = [row["lever"], ", ".join(map(str, row["seeds"]))]
        for column, _, _ in COLUMNS:
            cell = row[column]
            runs = " / ".join("—" if v is None else f"{v * 100:.1f}" for v in cell["runs"])
            cells.append("—" if cell["mean"] is None else f"**{cell['mean'] * 100:.1f}** ({runs})")
        cells.append("—" if row["words_per_second"] is None else f"{row['words_per_second']:,.0f}")
        cells.append("—" if row["zipped_mb"] is None else f"{row['zipped_mb']:.1f}")
        cells.append(f"{row['train_seconds'] / 60:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def read_runs(directory: Path, order: Sequence[str] = ()) -> List[Dict[str, Any]]:
    """Every run JSON of ``directory`` (scripts/lever_scores.py score): the levers named
    in ``order`` first, in that order, then the others by name."""
    runs = [srsly.read_json(f) for f in sorted(Path(directory).glob("*.json"))]
    rank = {lever: i for i, lever in enumerate(order)}
    return sorted(runs, key=lambda r: (rank.get(r["lever"], len(rank)), r["lever"], r["seed"]))
