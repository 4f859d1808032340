"""Error analysis of predicted entities against gold, on gold tokens.

Every figure of the evaluation report is computed from one list of
:class:`Example` objects (predicted doc, gold doc). Predicted entities are
projected onto the gold tokens by the scoring module, exactly as spaCy's NER scorer
does, so spaCy's figures, the seqeval cross-check, the confusion matrix and the
error lists all see the same spans.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Sequence

from spacy.training import Example

from .scoring import gold_ents, ner_scores, projected_ents, seqeval_scores

MISSED = "missed"  # column of the confusion matrix: gold entity with no overlapping prediction
SPURIOUS = "spurious"  # row: prediction with no overlapping gold entity
ERROR_KINDS = ("correct", "type", "boundary", "boundary+type", "missed", "spurious")


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
    spacy_part = ner_scores(examples, labels)
    seqeval_part = seqeval_scores(examples)
    return {
        "spacy": spacy_part,
        "seqeval": seqeval_part,
        "f_difference": abs(spacy_part["f"] - seqeval_part["f"]),
        "errors": analysis.to_dict(labels, top=top),
    }
