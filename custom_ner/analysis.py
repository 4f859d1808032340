"""Scoring and error analysis of predicted entities against gold, on gold tokens.

Every figure of the evaluation report is computed from one list of
:class:`Example` objects (predicted doc, gold doc). Predicted entities are
projected onto the gold tokens exactly as spaCy's NER scorer does
(``spacy.scorer.get_ner_prf``: aligned tokens, spans over unannotated gold tokens
ignored), so spaCy's figures, the seqeval cross-check, the confusion matrix and
the error lists all see the same spans.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from spacy.scorer import get_ner_prf
from spacy.training import Example

Ent = Tuple[int, int, str]  # start, end (exclusive) on gold tokens, label

MISSED = "missed"  # column of the confusion matrix: gold entity with no overlapping prediction
SPURIOUS = "spurious"  # row: prediction with no overlapping gold entity
ERROR_KINDS = ("correct", "type", "boundary", "boundary+type", "missed", "spurious")


def gold_ents(example: Example) -> List[Ent]:
    return [(e.start, e.end, e.label_) for e in example.reference.ents]


def projected_ents(example: Example) -> List[Ent]:
    """Predicted entities on gold tokens, as ``get_ner_prf`` scores them.

    A prediction whose tokens align to nothing, or that covers gold tokens without
    entity annotation, is left out (spaCy counts it neither right nor wrong).
    """
    if not example.reference.has_annotation("ENT_IOB"):
        return []
    align = example.alignment.x2y
    ents: List[Ent] = []
    for ent in example.predicted.ents:
        indices = align[ent.start : ent.end]
        if not len(indices):
            continue
        start, end = int(indices[0]), int(indices[-1]) + 1
        if all(token.ent_iob != 0 for token in example.reference[start:end]):
            ents.append((start, end, ent.label_))
    return ents


def spacy_scores(examples: Sequence[Example], labels: Sequence[str]) -> Dict[str, Any]:
    """spaCy's NER scores (what ``spacy evaluate`` reports) with support and predicted counts."""
    scores = get_ner_prf(examples)
    gold = Counter(label for eg in examples if eg.reference.has_annotation("ENT_IOB") for _, _, label in gold_ents(eg))
    pred = Counter(label for eg in examples for _, _, label in projected_ents(eg))
    per_type = scores.get("ents_per_type") or {}
    rows = {}
    for label in [*labels, *sorted((set(gold) | set(pred)) - set(labels))]:
        prf = per_type.get(label, {"p": 0.0, "r": 0.0, "f": 0.0})
        rows[label] = {"p": prf["p"], "r": prf["r"], "f": prf["f"], "support": gold[label], "predicted": pred[label]}
    return {
        "p": scores.get("ents_p") or 0.0,
        "r": scores.get("ents_r") or 0.0,
        "f": scores.get("ents_f") or 0.0,
        "support": sum(gold.values()),
        "predicted": sum(pred.values()),
        "per_label": rows,
    }


def iob2_tags(n_tokens: int, ents: Iterable[Ent]) -> Tuple[List[str], int]:
    """IOB2 tags for non-overlapping ``ents``; returns the tags and how many spans
    overlapped an earlier one (IOB cannot hold them; they are counted, not hidden)."""
    tags = ["O"] * n_tokens
    conflicts = 0
    for start, end, label in ents:
        if any(tag != "O" for tag in tags[start:end]):
            conflicts += 1
            continue
        tags[start] = f"B-{label}"
        for i in range(start + 1, end):
            tags[i] = f"I-{label}"
    return tags, conflicts


def seqeval_scores(examples: Sequence[Example]) -> Dict[str, Any]:
    """Entity-level micro P/R/F from seqeval (IOB2, strict mode) on the same spans:
    an implementation independent of spaCy's scorer, as a cross-check."""
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    y_true: List[List[str]] = []
    y_pred: List[List[str]] = []
    conflicts = 0
    for eg in examples:
        if not eg.reference.has_annotation("ENT_IOB"):
            continue
        n = len(eg.reference)
        true, _ = iob2_tags(n, gold_ents(eg))
        pred, c = iob2_tags(n, projected_ents(eg))
        conflicts += c
        y_true.append(true)
        y_pred.append(pred)
    kwargs = dict(mode="strict", scheme=IOB2, average="micro", zero_division=0)
    return {
        "p": float(precision_score(y_true, y_pred, **kwargs)),
        "r": float(recall_score(y_true, y_pred, **kwargs)),
        "f": float(f1_score(y_true, y_pred, **kwargs)),
        "overlapping_predictions": conflicts,
    }


@dataclass
class ErrorAnalysis:
    """Entity-level outcome counts, a label confusion matrix and error strings."""

    counts: Counter = field(default_factory=Counter)
    # confusion[gold label or SPURIOUS][predicted label or MISSED]
    confusion: Dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # errors[label][text] -> Counter of error descriptions
    errors: Dict[str, Dict[str, Counter]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counter)))

    def add(self, example: Example) -> None:
        if not example.reference.has_annotation("ENT_IOB"):
            return
        doc = example.reference
        golds = sorted(gold_ents(example))
        preds = sorted(projected_ents(example))  # duplicates kept: spaCy counts the second as wrong
        free = set(range(len(preds)))
        unmatched_gold = []
        for start, end, label in golds:
            exact = [i for i in free if preds[i][:2] == (start, end)]
            if not exact:
                unmatched_gold.append((start, end, label))
                continue
            i = next((i for i in exact if preds[i][2] == label), exact[0])
            free.discard(i)
            pred_label = preds[i][2]
            self.confusion[label][pred_label] += 1
            if pred_label == label:
                self.counts["correct"] += 1
            else:
                self.counts["type"] += 1
                self.errors[label][doc[start:end].text][f"as {pred_label}"] += 1
        for start, end, label in unmatched_gold:
            best: Optional[int] = None
            best_overlap = 0
            for i in sorted(free):
                overlap = min(end, preds[i][1]) - max(start, preds[i][0])
                if overlap > best_overlap:
                    best, best_overlap = i, overlap
            text = doc[start:end].text
            if best is None:
                self.counts["missed"] += 1
                self.confusion[label][MISSED] += 1
                self.errors[label][text]["missed"] += 1
                continue
            free.discard(best)
            p_start, p_end, p_label = preds[best]
            self.confusion[label][p_label] += 1
            predicted = doc[p_start:p_end].text
            if p_label == label:
                self.counts["boundary"] += 1
                self.errors[label][text][f"boundary: '{predicted}'"] += 1
            else:
                self.counts["boundary+type"] += 1
                self.errors[label][text][f"as {p_label} '{predicted}'"] += 1
        for i in sorted(free):
            start, end, label = preds[i]
            self.counts["spurious"] += 1
            self.confusion[SPURIOUS][label] += 1
            self.errors[label][doc[start:end].text]["spurious"] += 1

    def to_dict(self, labels: Sequence[str], top: int = 20) -> Dict[str, Any]:
        pred_labels = sorted({p for row in self.confusion.values() for p in row} - {MISSED} - set(labels))
        gold_labels = sorted(set(self.confusion) - {SPURIOUS} - set(labels))
        rows = [*labels, *gold_labels, SPURIOUS]
        cols = [*labels, *pred_labels, MISSED]
        top_errors = {}
        for label in [*labels, *sorted(set(self.errors) - set(labels))]:
            texts = self.errors.get(label, {})
            ranked = sorted(texts.items(), key=lambda item: (-sum(item[1].values()), item[0]))[:top]
            top_errors[label] = [
                {"text": text, "count": sum(kinds.values()), "kinds": dict(kinds.most_common())}
                for text, kinds in ranked
            ]
        return {
            "counts": {kind: self.counts[kind] for kind in ERROR_KINDS},
            "confusion": {
                "rows": rows,
                "columns": cols,
                "matrix": [[self.confusion.get(r, Counter())[c] for c in cols] for r in rows],
            },
            "top_errors": top_errors,
        }


def analyse(examples: Sequence[Example], labels: Sequence[str], top: int = 20) -> Dict[str, Any]:
    """spaCy scores, seqeval scores and error analysis of one model on one dataset."""
    analysis = ErrorAnalysis()
    for eg in examples:
        analysis.add(eg)
    spacy_part = spacy_scores(examples, labels)
    seqeval_part = seqeval_scores(examples)
    return {
        "spacy": spacy_part,
        "seqeval": seqeval_part,
        "f_difference": abs(spacy_part["f"] - seqeval_part["f"]),
        "errors": analysis.to_dict(labels, top=top),
    }
