"""Evaluation: spaCy's scores plus per-label support, and a NeMo-style report.

The JSON keeps spaCy's own keys (``ents_p``, ``ents_r``, ``ents_f``,
``ents_per_type``, ``speed`` ...) exactly as ``spacy evaluate`` writes them, and
adds ``ents_support`` (gold and predicted entities per label) so a report can
show support and every figure can be traced back to one file.
"""
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

from spacy.language import Language
from spacy.scorer import Scorer
from spacy.training import Corpus, Example

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
