"""Calibration maths: which predicted entities are right, isotonic maps, expected
calibration error, reliability bins and precision/recall against a threshold.

An entity counts as right when its character span and label equal a gold entity's
(exact match, as the NER F-score counts it). Everything here is plain Python + numpy
on lists of :class:`Scored` entities, so the same code serves the fit (calibrate step),
``evaluate`` and the report.
"""
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

import numpy
from spacy.tokens import Doc

from ..data.docs import label_counts
from .entity_confidence import register_extensions

N_BINS = 10
THRESHOLDS = [round(t * 0.05, 2) for t in range(20)]


@dataclass(frozen=True)
class Scored:
    """One predicted entity: its label, calibrated and raw scores, whether it is right."""

    label: str
    confidence: float
    raw: Optional[float]
    correct: bool
    group: str = ""  # LABEL|seen or LABEL|unseen (the fit), "" where not known


def confidence_summary(predicted: Sequence[Doc], gold: Sequence[Doc]) -> Optional[Dict[str, Any]]:
    """:func:`calibration_summary` of ``predicted`` against ``gold``; None when the
    predictions carry no confidences (a model without the component)."""
    if not has_confidence(predicted):
        return None
    return calibration_summary(scored_entities(predicted, gold), label_counts(gold))


def has_confidence(docs: Iterable[Doc]) -> bool:
    """True when the docs' entities carry ``_.confidence`` (the component ran, here or
    in the process that saved the docs)."""
    register_extensions()
    return any(ent._.confidence is not None for doc in docs for ent in doc.ents)


def scored_entities(predicted: Sequence[Doc], gold: Sequence[Doc],
                    group: Optional[Callable[[str, str], str]] = None) -> List[Scored]:
    """Every predicted entity with its scores and whether it matches a gold entity
    exactly; ``group(label, text)`` names its calibration group."""
    out = []
    for pred, ref in zip(predicted, gold):
        truth = {(e.start_char, e.end_char, e.label_) for e in ref.ents}
        for ent in pred.ents:
            out.append(Scored(ent.label_, float(ent._.confidence), ent._.confidence_raw,
                              (ent.start_char, ent.end_char, ent.label_) in truth,
                              group(ent.label_, ent.text) if group else ""))
    return out


def seen_texts(docs: Iterable[Doc]) -> Dict[str, List[str]]:
    """Label -> the lower-cased texts of the entities of ``docs`` (the training data)."""
    seen: Dict[str, set] = {}
    for doc in docs:
        for ent in doc.ents:
            seen.setdefault(ent.label_, set()).add(ent.text.lower())
    return {label: sorted(texts) for label, texts in sorted(seen.items())}


def reliability(scores: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS) -> Dict[str, Any]:
    """Expected calibration error over ``n_bins`` equal-width bins, and the bins:
    ECE = sum over bins of (entities in bin / all) * |accuracy - mean score|."""
    s = numpy.asarray(scores, dtype=float)
    c = numpy.asarray(correct, dtype=float)
    index = numpy.minimum((s * n_bins).astype(int), n_bins - 1)
    bins, ece = [], 0.0
    for b in range(n_bins):
        members = index == b
        n = int(members.sum())
        row: Dict[str, Any] = {"lower": b / n_bins, "upper": (b + 1) / n_bins, "n": n,
                               "mean_score": None, "accuracy": None}
        if n:
            row["mean_score"] = float(s[members].mean())
            row["accuracy"] = float(c[members].mean())
            ece += n / len(s) * abs(row["accuracy"] - row["mean_score"])
        bins.append(row)
    return {"ece": ece if len(s) else None, "n": int(len(s)), "bins": bins}


def threshold_curves(entities: Sequence[Scored], gold: Dict[str, int],
                     thresholds: Sequence[float] = THRESHOLDS) -> Dict[str, Dict[str, List[Optional[float]]]]:
    """Per label (and "ALL"): precision and recall of the entities kept at each threshold."""
    labels = sorted(set(gold) | {e.label for e in entities})
    out = {}
    for label in labels + ["ALL"]:
        chosen = [e for e in entities if label in ("ALL", e.label)]
        n_gold = sum(gold.values()) if label == "ALL" else gold.get(label, 0)
        p, r = [], []
        for t in thresholds:
            kept = [e for e in chosen if e.confidence >= t]
            right = sum(e.correct for e in kept)
            p.append(right / len(kept) if kept else None)
            r.append(right / n_gold if n_gold else None)
        out[label] = {"threshold": list(thresholds), "precision": p, "recall": r}
    return out


def isotonic(x: Sequence[float], y: Sequence[float]) -> Dict[str, List[float]]:
    """The non-decreasing step function closest to (x, y) in squared error (pool
    adjacent violators), as points for linear interpolation."""
    order = numpy.argsort(numpy.asarray(x, dtype=float), kind="mergesort")
    xs = numpy.asarray(x, dtype=float)[order]
    ys = numpy.asarray(y, dtype=float)[order]
    blocks: List[List[float]] = []  # [sum y, count, min x, max x]
    for xi, yi in zip(xs, ys):
        blocks.append([yi, 1.0, xi, xi])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            s, n, lo, hi = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
            blocks[-1][3] = hi
    px, py = [], []
    for s, n, lo, hi in blocks:
        for point in ((lo, s / n), (hi, s / n)) if hi > lo else ((lo, s / n),):
            px.append(float(point[0]))
            py.append(float(point[1]))
    return {"x": px, "y": py}


def fit_maps(entities: Sequence[Scored], min_count: int = 100) -> Dict[str, Any]:
    """Isotonic maps from raw score to the chance of being right: one per group
    (``LABEL|seen``, ``LABEL|unseen``) and per label with at least ``min_count``
    entities, and one of all labels pooled for the rest."""
    model = [e for e in entities if e.raw is not None]
    if not model:
        raise ValueError("no scored entities to fit a calibration on")
    by_key: Dict[str, List[Scored]] = {}
    for e in model:
        for key in {e.label, e.group} - {""}:
            by_key.setdefault(key, []).append(e)
    return {
        "pooled": isotonic([e.raw for e in model], [e.correct for e in model]),
        "labels": {key: isotonic([e.raw for e in es], [e.correct for e in es])
                   for key, es in sorted(by_key.items()) if len(es) >= min_count},
        "fitted_on": {key: len(es) for key, es in sorted(by_key.items())},
        "min_count": min_count,
    }


def calibration_summary(entities: Sequence[Scored], gold: Dict[str, int]) -> Dict[str, Any]:
    """What evaluate and the report show: ECE and bins after and before calibration
    (raw: the model's own score), per label ECE, and precision/recall by threshold."""
    scored = [e for e in entities if e.raw is not None]
    labels = sorted({e.label for e in entities})
    return {
        "calibrated": reliability([e.confidence for e in entities], [e.correct for e in entities]),
        "raw": reliability([e.raw for e in scored], [e.correct for e in scored]),
        "per_label_ece": {label: reliability([e.confidence for e in entities if e.label == label],
                                             [e.correct for e in entities if e.label == label])["ece"]
                          for label in labels},
        "thresholds": threshold_curves(entities, gold),
    }
