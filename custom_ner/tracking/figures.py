"""The report's final figures (metrics/report.json) as MLflow metric names.

``accuracy/conll2003-test/cpu/f``, ``accuracy/conll2003-test/cpu/ORG/f``: every set and
model of the report with precision, recall and F and the same per label; the external
scorecard the same way (``external/tweebank-test/cpu/...``); the seed spread's mean
and sd of F (``seeds/ner_gold-dev/ORG/f_mean``); words/s and load time of each model
(``speed/cpu/words_per_second_n1``); expected calibration error (``calibration/...``).
Counts, bins and single timing rounds stay in the report.
"""
from typing import Any, Dict, Iterator, Tuple

PRF = ("p", "r", "f")


def _prf(prefix: str, scores: Dict[str, Any]) -> Iterator[Tuple[str, float]]:
    for key in PRF:
        if isinstance(scores.get(key), (int, float)):
            yield f"{prefix}/{key}", float(scores[key])
    for label, per in (scores.get("per_label") or {}).items():
        for key in PRF:
            if isinstance(per.get(key), (int, float)):
                yield f"{prefix}/{label}/{key}", float(per[key])


def accuracy_metrics(report: Dict[str, Any]) -> Iterator[Tuple[str, float]]:
    for dataset, models in (report.get("accuracy") or {}).items():
        for model, result in models.items():
            yield from _prf(f"accuracy/{dataset}/{model}", result.get("spacy") or {})
    for dataset, entry in ((report.get("external") or {}).get("sets") or {}).items():
        for model, result in (entry.get("models") or {}).items():
            yield from _prf(f"external/{dataset}/{model}", result.get("spacy") or {})


def seed_metrics(report: Dict[str, Any]) -> Iterator[Tuple[str, float]]:
    for dataset, labels in ((report.get("seeds") or {}).get("spread") or {}).items():
        for label, scores in labels.items():
            f = scores.get("f") or {}
            name = f"seeds/{dataset}" + ("" if label == "all" else f"/{label}")
            for stat in ("mean", "sd"):
                if isinstance(f.get(stat), (int, float)):
                    yield f"{name}/f_{stat}", float(f[stat])


def other_metrics(report: Dict[str, Any]) -> Iterator[Tuple[str, float]]:
    for model, figures in ((report.get("ratios") or {}).get("models") or {}).items():
        for key, value in figures.items():
            if isinstance(value, (int, float)):
                yield f"speed/{model}/{key}", float(value)
    for dataset, models in (report.get("calibration") or {}).items():
        for model, kinds in models.items():
            for kind, result in kinds.items():
                if isinstance(result, dict) and isinstance(result.get("ece"), (int, float)):
                    yield f"calibration/{dataset}/{model}/{kind}_ece", float(result["ece"])


def report_metrics(report: Dict[str, Any]) -> Dict[str, float]:
    """Every final figure of ``report`` by metric name (see the module docstring)."""
    return dict(kv for part in (accuracy_metrics, seed_metrics, other_metrics) for kv in part(report))
