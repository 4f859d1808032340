"""The one scoring module: every figure of every evaluation is computed here.

- :func:`evaluate_examples` is ``spacy evaluate``: ``Language.evaluate`` with spaCy's
  own keys (``ents_p``, ``ents_r``, ``ents_f``, ``ents_per_type``, ``speed`` ...) plus
  ``ents_support`` (gold and predicted entities per label), so every figure can be
  traced to one file; :func:`evaluate_model` writes it for a pipeline and a DocBin.
- :func:`score_predictions` scores docs that are already predicted (a base model's
  entities mapped to our labels, or one model against another).
- :func:`ner_scores` and :func:`seqeval_scores` score predicted entities projected onto
  the gold tokens exactly as spaCy's NER scorer does (``get_ner_prf``: aligned
  tokens, spans over unannotated gold tokens ignored); seqeval (IOB2, strict, micro)
  is an independent implementation that cross-checks spaCy's figures in the report.
- :func:`format_report` prints a NeMo-style per-label table; :func:`compare_runs` puts
  runs side by side.
"""
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from spacy.language import Language
from spacy.scorer import Scorer, get_ner_prf
from spacy.tokens import Doc, Span
from spacy.training import Corpus, Example
from spacy.util import fix_random_seed

from ..confidence.calibration import confidence_summary
from ..data.docs import label_counts, read_docbin
from ..data.files import write_json
from ..data.labels import LabelMap
from ..data.lines import check_file
from ..device import choose_device
from ..loading import load_pipeline
from ..machine import machine

SPACY_KEYS = ("token_acc", "token_p", "token_r", "token_f", "ents_p", "ents_r", "ents_f", "speed")
Ent = Tuple[int, int, str]  # start, end (exclusive) on gold tokens, label


def label_support(gold: Counter, predicted: Counter) -> Dict[str, Dict[str, int]]:
    """``{label: {"gold": n, "predicted": n}}`` for every label of either side."""
    return {label: {"gold": gold[label], "predicted": predicted[label]} for label in sorted(set(gold) | set(predicted))}


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
    data["ents_support"] = label_support(label_counts(ex.reference for ex in scorer.examples),
                                         label_counts(ex.predicted for ex in scorer.examples))
    data["n_docs"] = len(examples)
    data["n_words"] = sum(len(ex.reference) for ex in examples)
    confidence = confidence_summary([ex.predicted for ex in scorer.examples], [ex.reference for ex in scorer.examples])
    if confidence is not None:
        data["confidence"] = confidence
    return data


def evaluate_path(nlp: Language, data_path: Union[str, Path], batch_size: Optional[int] = None) -> Dict[str, Any]:
    examples = list(Corpus(str(data_path))(nlp))
    return evaluate_examples(nlp, examples, batch_size)


def evaluate_model(
    model: Union[str, Path],
    data_path: Union[str, Path],
    output: Union[str, Path],
    gpu_id: int = -1,
    batch_size: Optional[int] = None,
    label_map: Optional[Union[str, Path]] = None,
) -> Tuple[Dict[str, Any], str]:
    """Evaluate ``model`` on the gold DocBin ``data_path``, write the JSON to ``output``;
    returns the data and its per-label table (every label of ``label_map`` listed)."""
    check_file(data_path)
    fix_random_seed(0)
    device = choose_device(gpu_id)
    nlp = load_pipeline(model)
    data = evaluate_path(nlp, data_path, batch_size)
    data["model"] = str(model)
    data["data"] = str(data_path)
    data["machine"] = machine()  # another CPU type gives figures within the seed spread, not the same
    write_json(output, data)
    preferred = LabelMap.from_file(label_map).labels if label_map and Path(label_map).exists() else []
    device_note = f", GPU {gpu_id} not available: on CPU" if gpu_id >= 0 and device < 0 else ""
    title = f"{model} on {data_path} ({data['n_words']} words{device_note})"
    return data, format_report(data, labels_of(nlp, preferred), title=title)


def map_entities(doc: Doc, mapping: Dict[str, Optional[str]]) -> Doc:
    """``doc`` with its entity labels mapped (another scheme's labels to ours); a label
    mapped to None or absent from ``mapping`` is dropped, exactly as the label map says."""
    doc.ents = [Span(doc, e.start, e.end, label=mapping[e.label_]) for e in doc.ents if mapping.get(e.label_)]
    return doc


def score_predictions(predicted: Sequence[Doc], gold: Sequence[Doc]) -> Dict[str, Any]:
    """spaCy's span scores of docs that are already predicted, plus support."""
    scores = Scorer.score_spans([Example(p, g) for p, g in zip(predicted, gold)], "ents")
    data: Dict[str, Any] = {key: scores[key] for key in ("ents_p", "ents_r", "ents_f")}
    data["ents_per_type"] = scores.get("ents_per_type") or {}
    data["ents_support"] = label_support(label_counts(gold), label_counts(predicted))
    data["n_docs"] = len(gold)
    data["n_words"] = sum(len(g) for g in gold)
    return data


def evaluate_mapped(
    nlp: Language, data_path: Union[str, Path], mapping: Dict[str, Optional[str]], batch_size: int = 256
) -> Dict[str, Any]:
    """Score a pipeline with another label scheme (en_core_web_sm's OntoNotes labels)
    against our gold data: its predictions are mapped with ``mapping`` first."""
    gold = read_docbin(data_path, nlp.vocab)
    start = time.perf_counter()
    predicted = [map_entities(doc, mapping) for doc in nlp.pipe((g.text for g in gold), batch_size=batch_size)]
    seconds = time.perf_counter() - start
    data = score_predictions(predicted, gold)
    data["speed"] = data["n_words"] / seconds if seconds else None
    return data


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


def score_spans(predicted: Iterable[Tuple], gold: Iterable[Tuple]) -> Dict[str, float]:
    """Exact-match precision/recall/F of spans (one text, or pooled with a text index)."""
    pred, ref = set(predicted), set(gold)
    tp = len(pred & ref)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(ref) if ref else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "predicted": len(pred), "gold": len(ref)}


def ner_scores(examples: Sequence[Example], labels: Sequence[str]) -> Dict[str, Any]:
    """spaCy's NER scores (what ``spacy evaluate`` reports) with support and the
    predicted count of every label, predictions counted as they are scored (projected)."""
    scores = get_ner_prf(examples)
    annotated = [eg for eg in examples if eg.reference.has_annotation("ENT_IOB")]
    support = label_support(Counter(label for eg in annotated for _, _, label in gold_ents(eg)),
                            Counter(label for eg in examples for _, _, label in projected_ents(eg)))
    per_type = scores.get("ents_per_type") or {}
    rows = {}
    for label in [*labels, *sorted(set(support) - set(labels))]:
        prf = per_type.get(label, {"p": 0.0, "r": 0.0, "f": 0.0})
        counts = support.get(label, {"gold": 0, "predicted": 0})
        rows[label] = {"p": prf["p"], "r": prf["r"], "f": prf["f"], "support": counts["gold"], "predicted": counts["predicted"]}
    return {
        "p": scores.get("ents_p") or 0.0,
        "r": scores.get("ents_r") or 0.0,
        "f": scores.get("ents_f") or 0.0,
        "support": sum(c["gold"] for c in support.values()),
        "predicted": sum(c["predicted"] for c in support.values()),
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
