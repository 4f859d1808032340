"""Did a change move any figure? Compare the metrics of two runs of the project.

Every JSON file under ``metrics/`` of both project directories (plus the corpus and
training summaries) is read and compared value by value; fields that measure time
(``speed``, ``seconds``, words/s, load times, the report's environment and ratios) are
left out, since they differ from run to run. Used to show that a refactoring changed
no figure: ``python -m spacy project run compare-metrics . --vars.compare_with DIR``
(run both with the same ``data_dir``: the stats name their input files).

With a seed spread (metrics/seeds.json of the ``seeds`` workflow) every P, R or F that
moved is judged: "changed" when the move is larger than twice its seed sd, "within
seed noise" otherwise (:func:`noise_note`); figures it has no spread for stay unjudged.
"""
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import srsly

from .seeds import NOISE_SDS, figure_spread, within_noise

TIMING_KEYS = frozenset({
    "speed", "seconds", "words_per_second", "texts_per_second", "words_per_second_min", "words_per_second_max",
    "words_per_second_median", "load_seconds", "load_seconds_median", "runs", "date", "environment", "commands",
    "ratios", "plots", "machine",
})
SUMMARIES = ("corpus/stats.json", "corpus/unlabelled.stats.json", "corpus/silver/silver.stats.json",
             "training/cpu/train_summary.json", "training/cpu-base/train_summary.json")


NOISE = "within seed noise"
CHANGED = "changed"
# metrics file names and the names the seed spread gives their sets
SET_NAMES = {"conll-test": "conll2003-test", "gold-dev": "ner_gold-dev"}
METRIC_KEYS = {"ents_p": "p", "ents_r": "r", "ents_f": "f", "p": "p", "r": "r", "f": "f"}
Note = Callable[[str, Any, Any], str]


def differences(a: Any, b: Any, path: str = "", ignore: frozenset = TIMING_KEYS, note: Optional[Note] = None) -> List[str]:
    """``path: before -> after`` for every value that differs, timing fields left out;
    ``note(path, before, after)`` adds a verdict to a number that moved."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            if key in ignore:
                continue
            if key not in a or key not in b:
                out.append(f"{path}/{key}: only in {'the second' if key not in a else 'the first'} run")
            else:
                out += differences(a[key], b[key], f"{path}/{key}", ignore, note)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]", ignore, note)]
    if isinstance(a, str) and isinstance(b, str) and "\n" in a and a.count("\n") == b.count("\n"):
        # a text (the package's notes): name the lines that differ, not the whole text; its
        # per-label tables end with a "speed: N words/s" line (scoring.format_report), a timing
        pairs = enumerate(zip(a.split("\n"), b.split("\n")), 1)
        return [f"{path} line {i}: {x!r} -> {y!r}" for i, (x, y) in pairs if x != y and not x.startswith("speed: ")]
    if a == b:
        return []
    suffix = note(path, a, b) if note and isinstance(a, (int, float)) and isinstance(b, (int, float)) else ""
    return [f"{path}: {short(a)} -> {short(b)}{suffix}"]


def short(value: Any, limit: int = 120) -> str:
    """``repr(value)``, cut to ``limit`` characters (a whole section that appeared is one line)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def figure_of(rel: str, path: str, sets: Sequence[str]) -> Optional[Tuple[str, str, str]]:
    """(set, label, metric) of the value at ``path`` in file ``rel``, where it is a P, R
    or F of a set the spread has ('all' for a set's micro figure); else None."""
    parts = [p for p in path.replace("[", "/").replace("]", "").split("/") if p]
    if not parts or parts[-1] not in METRIC_KEYS:
        return None
    names = [n for n in sets if n in parts] or [SET_NAMES[k] for k in SET_NAMES if k in Path(rel).stem]
    names += [n for n in sets if n in Path(rel).stem]
    if not names or names[0] not in sets:
        return None
    label = "all"
    for key in ("ents_per_type", "per_label"):
        if key in parts[:-1] and parts.index(key) + 1 < len(parts) - 1:
            label = parts[parts.index(key) + 1]
    return names[0], label, METRIC_KEYS[parts[-1]]


def noise_note(rel: str, seeds: Dict[str, Any]) -> Note:
    """The verdict on a figure of file ``rel`` that moved: changed, or within seed noise."""
    def note(path: str, before: float, after: float) -> str:
        figure = figure_of(rel, path, list(seeds["spread"]))
        spread = figure_spread(seeds, *figure) if figure else None
        if spread is None:
            return ""
        verdict = NOISE if within_noise(before, after, spread) else CHANGED
        return f" ({verdict}: |Δ| {abs(after - before):.4f}, {NOISE_SDS:g} seed sd {NOISE_SDS * spread['sd']:.4f})"
    return note


def compare_metrics(first: Union[str, Path], second: Union[str, Path],
                    files: Sequence[str] = (), seeds: Optional[Dict[str, Any]] = None) -> Dict[str, List[str]]:
    """The differences per file between two project directories (``files``: relative
    paths; default every metrics/*.json of the first run plus the corpus and training
    summaries). A file that only the first run has is reported as missing. With
    ``seeds`` (metrics/seeds.json) each moved P, R or F says whether it changed or moved
    within seed noise."""
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
        note = noise_note(rel, seeds) if seeds else None
        result[rel] = differences(srsly.read_json(first / rel), srsly.read_json(second / rel), note=note)
    return result
