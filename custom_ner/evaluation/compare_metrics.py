"""Did a change move any figure? Compare the metrics of two runs of the project.

Every JSON file under ``metrics/`` of both project directories (plus the corpus and
training summaries) is read and compared value by value; fields that measure time
(``speed``, ``seconds``, words/s, load times, the report's environment and ratios) are
left out, since they differ from run to run. Used to show that a refactoring changed
no figure: ``python -m spacy project run compare-metrics . --vars.compare_with DIR``
(run both with the same ``data_dir``: the stats name their input files).
"""
from pathlib import Path
from typing import Any, Dict, List, Sequence, Union

import srsly

TIMING_KEYS = frozenset({
    "speed", "seconds", "words_per_second", "texts_per_second", "words_per_second_min", "words_per_second_max",
    "words_per_second_median", "load_seconds", "load_seconds_median", "runs", "date", "environment", "commands",
    "ratios", "plots",
})
SUMMARIES = ("corpus/stats.json", "corpus/unlabelled.stats.json", "corpus/silver/silver.stats.json",
             "training/cpu/train_summary.json", "training/cpu-base/train_summary.json")


def differences(a: Any, b: Any, path: str = "", ignore: frozenset = TIMING_KEYS) -> List[str]:
    """``path: before -> after`` for every value that differs, timing fields left out."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            if key in ignore:
                continue
            if key not in a or key not in b:
                out.append(f"{path}/{key}: only in {'the second' if key not in a else 'the first'} run")
            else:
                out += differences(a[key], b[key], f"{path}/{key}", ignore)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]", ignore)]
    if isinstance(a, str) and isinstance(b, str) and "\n" in a and a.count("\n") == b.count("\n"):
        # a text (the package's notes): name the lines that differ, not the whole text; its
        # per-label tables end with a "speed: N words/s" line (scoring.format_report), a timing
        pairs = enumerate(zip(a.split("\n"), b.split("\n")), 1)
        return [f"{path} line {i}: {x!r} -> {y!r}" for i, (x, y) in pairs if x != y and not x.startswith("speed: ")]
    return [] if a == b else [f"{path}: {a!r} -> {b!r}"]


def compare_metrics(first: Union[str, Path], second: Union[str, Path],
                    files: Sequence[str] = ()) -> Dict[str, List[str]]:
    """The differences per file between two project directories (``files``: relative
    paths; default every metrics/*.json of the first run plus the corpus and training
    summaries). A file that only the first run has is reported as missing."""
    first, second = Path(first), Path(second)
    if first.resolve() == second.resolve():
        raise ValueError(f"{first}: compare with another run's project directory (--vars.compare_with DIR), not this one")
    if not files:
        files = sorted(str(p.relative_to(first)) for p in (first / "metrics").rglob("*.json"))
        files += [f for f in SUMMARIES if (first / f).exists()]
    result: Dict[str, List[str]] = {}
    for rel in files:
        if not (second / rel).exists():
            result[rel] = ["missing in the second run"]
            continue
        result[rel] = differences(srsly.read_json(first / rel), srsly.read_json(second / rel))
    return result
