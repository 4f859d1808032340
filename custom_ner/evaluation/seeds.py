"""The seed spread: one configuration trained with several seeds, every model scored
on the sets that decide, and the mean, sd, min and max of each figure.

One run's figure says little alone: runs of one configuration that differ only in
the seed move CoNLL-2003 test F1 by about half a point. ``metrics/seeds.json`` holds
``seeds`` (one entry per seed: its model and its figures) and ``spread``:
``spread[set][label][metric]`` is ``{"mean", "sd", "min", "max", "n"}`` for the metrics
``p``, ``r`` and ``f``, with the label ``all`` for the micro figure of the set. ``sd`` is
the sample standard deviation (n - 1). The report shows headline figures as mean ± sd;
``compare-metrics`` calls a move larger than :data:`NOISE_SDS` sds a change.

Our own sets are scored with our labels; external sets (Tweebank, WNUT-17) as the
report's external scorecard scores them (TICKER as ORG), as the lever study does.
"""
import hashlib
from pathlib import Path
from statistics import mean, stdev
from typing import Any, Dict, List, Optional, Sequence, Union

import srsly

from ..data.files import write_json

METRICS = ("p", "r", "f")
ALL = "all"
NOISE_SDS = 2.0  # a move within this many seed sds is "within seed noise"
Figures = Dict[str, Dict[str, Dict[str, float]]]  # set -> label -> metric -> value


def stats(values: Sequence[float]) -> Dict[str, float]:
    """mean, sample sd (0 for one value), min, max and n of ``values``."""
    return {"mean": mean(values), "sd": stdev(values) if len(values) > 1 else 0.0,
            "min": min(values), "max": max(values), "n": len(values)}


def seed_spread(runs: Sequence[Dict[str, Any]]) -> Dict[str, Dict[str, Dict[str, Dict[str, float]]]]:
    """``spread[set][label][metric]`` over the ``figures`` of ``runs`` (a figure that
    some runs lack is summarised over those that have it: see its ``n``)."""
    values: Dict[str, Dict[str, Dict[str, List[float]]]] = {}
    for run in runs:
        for name, labels in run["figures"].items():
            for label, metrics in labels.items():
                for metric, value in metrics.items():
                    values.setdefault(name, {}).setdefault(label, {}).setdefault(metric, []).append(value)
    return {name: {label: {metric: stats(v) for metric, v in metrics.items()} for label, metrics in labels.items()}
            for name, labels in values.items()}


def config_digest(path: Union[str, Path]) -> str:
    """sha256 of a config file: says which configuration a spread belongs to."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def seeds_result(config: Union[str, Path], runs: Sequence[Dict[str, Any]], machine: Dict[str, Any]) -> Dict[str, Any]:
    """What ``metrics/seeds.json`` holds."""
    return {"config": str(config), "config_sha256": config_digest(config), "n_seeds": len(runs),
            "seeds": list(runs), "spread": seed_spread(runs), "machine": machine}


def read_spread(path: Optional[Union[str, Path]]) -> Optional[Dict[str, Any]]:
    """``metrics/seeds.json`` if ``path`` exists and holds a spread, else None."""
    if path is None or not Path(path).is_file():
        return None
    data = srsly.read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("spread"), dict):
        raise ValueError(f"{path}: not a seeds file (no 'spread'); rerun `python -m spacy project run seeds`")
    return data


def figure_spread(seeds: Optional[Dict[str, Any]], name: str, label: str, metric: str) -> Optional[Dict[str, float]]:
    """The spread of one figure, or None where the seeds file does not have it."""
    if not seeds:
        return None
    return seeds["spread"].get(name, {}).get(label, {}).get(metric)


def within_noise(before: float, after: float, spread: Dict[str, float], sds: float = NOISE_SDS) -> bool:
    """Is the move from ``before`` to ``after`` at most ``sds`` seed sds?"""
    return abs(after - before) <= sds * spread["sd"]



def write_seeds(output: Union[str, Path], result: Dict[str, Any]) -> None:
    """Write :func:`seeds_result` to ``output`` atomically (a killed run leaves no half file)."""
    write_json(output, result)
