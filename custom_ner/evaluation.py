"""Evaluation: spaCy's scores plus per-label support, and a NeMo-style report.

The JSON keeps spaCy's own keys (``ents_p``, ``ents_r``, ``ents_f``,
``ents_per_type``, ``speed`` ...) exactly as ``spacy evaluate`` writes them, and
adds ``ents_support`` (gold and predicted entities per label) so a report can
show support and every figure can be traced back to one file.
"""
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span
from spacy.training import Corpus, Example

from .docs import read_docbin

SPACY_KEYS = ("token_acc", "token_p", "token_r", "token_f", "ents_p", "ents_r", "ents_f", "speed")


class _KeepingScorer(Scorer):
    """spaCy's Scorer that keeps the examples it scored: ``Language.evaluate``
    predicts on copies, and the per-label predicted counts need those copies."""

    examples: List[Example] = []

    def score(self, examples, **kwargs):
        self.examples = list(examples)
        return super().score(self.examples, **kwargs)


def evaluate_examples(nlp: Language, examples: List[Example], batch_size: Optional[int] = None) -> Dict[str, Any]:
    """Score ``nlp`` on ``examples`` exactly as ``spacy evaluate`` does, plus support."""
    scorer = _KeepingScorer(nlp=nlp)
    scores = nlp.evaluate(examples, batch_size=batch_size, scorer=scorer)
    data: Dict[str, Any] = {key: scores[key] for key in SPACY_KEYS if key in scores}
    data["ents_per_type"] = scores.get("ents_per_type") or {}
    gold: Counter = Counter(e.label_ for ex in scorer.examples for e in ex.reference.ents)
    pred: Counter = Counter(e.label_ for ex in scorer.examples for e in ex.predicted.ents)
    data["ents_support"] = {
        label: {"gold": gold[label], "predicted": pred[label]} for label in sorted(set(gold) | set(pred))
    }
    data["n_docs"] = len(examples)
    data["n_words"] = sum(len(ex.reference) for ex in examples)
    return data


def evaluate_path(nlp: Language, data_path: Union[str, Path], batch_size: Optional[int] = None) -> Dict[str, Any]:
    examples = list(Corpus(str(data_path))(nlp))
    return evaluate_examples(nlp, examples, batch_size)


def label_rows(data: Dict[str, Any], labels: Sequence[str]) -> List[Dict[str, Any]]:
    """One row per label (every label, even with no support), then micro/macro/weighted averages."""
    per_type = data.get("ents_per_type") or {}
    support = data.get("ents_support") or {}
    rows = []
    for label in labels:
        prf = per_type.get(label, {"p": 0.0, "r": 0.0, "f": 0.0})
        rows.append(
            {
                "label": label,
                "p": prf["p"],
                "r": prf["r"],
                "f": prf["f"],
                "support": support.get(label, {}).get("gold", 0),
                "predicted": support.get(label, {}).get("predicted", 0),
            }
        )
    scored = [r for r in rows if r["support"] > 0]
    total = sum(r["support"] for r in scored)
    n_pred = sum(r["predicted"] for r in rows)

    def avg(key: str, weighted: bool) -> float:
        if not scored:
            return 0.0
        if weighted:
            return sum(r[key] * r["support"] for r in scored) / total
        return sum(r[key] for r in scored) / len(scored)

    rows.append({"label": "micro avg", "p": data.get("ents_p") or 0.0, "r": data.get("ents_r") or 0.0,
                 "f": data.get("ents_f") or 0.0, "support": total, "predicted": n_pred})
    for name, weighted in (("macro avg", False), ("weighted avg", True)):
        rows.append({"label": name, "p": avg("p", weighted), "r": avg("r", weighted),
                     "f": avg("f", weighted), "support": total, "predicted": n_pred})
    return rows


def format_report(data: Dict[str, Any], labels: Sequence[str], title: str = "") -> str:
    """A per-label precision/recall/F1/support table in the style of NeMo's report.

    Averages are over labels with gold support; labels absent from the gold data
    are listed (support 0) but not averaged.
    """
    rows = label_rows(data, labels)
    lines = [title] if title else []
    lines.append(f"{'label':<14}{'precision':>11}{'recall':>10}{'f1':>10}{'support':>10}{'predicted':>11}")
    for i, row in enumerate(rows):
        if i == len(labels):
            lines.append("-" * 66)
        lines.append(
            f"{row['label']:<14}{row['p'] * 100:>11.2f}{row['r'] * 100:>10.2f}{row['f'] * 100:>10.2f}"
            f"{row['support']:>10}{row['predicted']:>11}"
        )
    if data.get("speed"):
        lines.append(f"speed: {data['speed']:.0f} words/s")
    return "\n".join(lines)


def labels_of(nlp: Language, preferred: Iterable[str] = ()) -> List[str]:
    """Labels to report: ``preferred`` (the label map's order) first, then any other NER label."""
    labels = list(preferred)
    own = nlp.get_pipe("ner").labels if "ner" in nlp.pipe_names else ()
    return labels + [label for label in own if label not in labels]


def map_entities(doc: Doc, mapping: Dict[str, Optional[str]]) -> Doc:
    """``doc`` with its entity labels mapped (another scheme's labels to ours); a label
    mapped to None or absent from ``mapping`` is dropped, exactly as the label map says."""
    doc.ents = [Span(doc, e.start, e.end, label=mapping[e.label_]) for e in doc.ents if mapping.get(e.label_)]
    return doc


def evaluate_mapped(
    nlp: Language, data_path: Union[str, Path], mapping: Dict[str, Optional[str]], batch_size: int = 256
) -> Dict[str, Any]:
    """Score a pipeline with another label scheme (en_core_web_sm's OntoNotes labels)
    against our gold data: its predictions are mapped with ``mapping`` first."""
    gold = read_docbin(data_path, nlp.vocab)
    start = time.perf_counter()
    predicted = [map_entities(doc, mapping) for doc in nlp.pipe((g.text for g in gold), batch_size=batch_size)]
    seconds = time.perf_counter() - start
    examples = [Example(p, g) for p, g in zip(predicted, gold)]
    scores = Scorer.score_spans(examples, "ents")
    data: Dict[str, Any] = {key: scores[key] for key in ("ents_p", "ents_r", "ents_f")}
    data["ents_per_type"] = scores.get("ents_per_type") or {}
    data["speed"] = sum(len(g) for g in gold) / seconds if seconds else None
    gold_counts: Counter = Counter(e.label_ for g in gold for e in g.ents)
    pred_counts: Counter = Counter(e.label_ for p in predicted for e in p.ents)
    data["ents_support"] = {
        label: {"gold": gold_counts[label], "predicted": pred_counts[label]}
        for label in sorted(set(gold_counts) | set(pred_counts))
    }
    data["n_docs"] = len(gold)
    data["n_words"] = sum(len(g) for g in gold)
    return data


def compare_runs(runs: Dict[str, Dict[str, Any]], labels: Sequence[str]) -> List[Dict[str, Any]]:
    """Rows ``{"label", "support", <run name>: F1 or None, ...}`` for side-by-side tables:
    one per label, then "all" (micro F). F1 is None where the label has no gold support
    (nothing to score; its spurious predictions lower "all")."""
    rows = []
    for label in [*labels, "all"]:
        row: Dict[str, Any] = {"label": label}
        for name, data in runs.items():
            if label == "all":
                row["support"] = sum(s.get("gold", 0) for s in (data.get("ents_support") or {}).values())
                row[name] = data.get("ents_f") or 0.0
                continue
            support = (data.get("ents_support") or {}).get(label, {})
            row["support"] = support.get("gold", 0)
            row[f"{name} predicted"] = support.get("predicted", 0)
            row[name] = (data.get("ents_per_type") or {}).get(label, {}).get("f", 0.0) if row["support"] else None
        rows.append(row)
    return rows
