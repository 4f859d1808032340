"""Base en_core_web_sm vs the TICKER-updated pipeline: what was gained, what was kept.

1. Both pipelines on the gold set (ner_gold dev), OntoNotes labels mapped to ours with
   the label map's "ontonotes" scheme (TICKER kept): P/R/F per label.
2. Agreement with the base model on its own 18 labels, over the texts of the gold set
   and of other DocBins (e.g. CoNLL test): F of the updated model's entities against
   the base model's, per label. 100 means nothing was forgotten.
"""
from pathlib import Path
from typing import Any, Dict, Sequence, Union

from spacy.language import Language

from ..data.docs import read_docbin
from ..data.files import write_json
from ..data.labels import LabelMap
from ..data.lines import check_file
from ..loading import load_pipeline
from ..data.docs import label_counts
from .scoring import evaluate_mapped, score_predictions

PathLike = Union[str, Path]


def agreement(base: Language, updated: Language, texts: Sequence[str]) -> Dict[str, Any]:
    """Per-label F of ``updated``'s entities with ``base``'s entities as the reference.

    ``f_outside_ticker`` leaves out the base entities that overlap a TICKER of the
    updated model (e.g. base ORG "AAPL" now TICKER, a change that was wanted), so what
    remains is the forgetting that TICKER does not explain.
    """
    ref = list(base.pipe(texts, batch_size=256))
    pred = list(updated.pipe(texts, batch_size=256))
    tickers = []
    for doc in pred:  # TICKER is new: agreement is measured on the base labels only
        tickers.append({i for e in doc.ents if e.label_ == "TICKER" for i in range(e.start, e.end)})
        doc.ents = [e for e in doc.ents if e.label_ != "TICKER"]
    scores = score_predictions(pred, ref)
    counts = label_counts(ref)
    for doc, covered in zip(ref, tickers):
        doc.ents = [e for e in doc.ents if not covered.intersection(range(e.start, e.end))]
    outside = score_predictions(pred, ref)
    return {"f": scores["ents_f"], "per_type": scores["ents_per_type"], "support": dict(counts),
            "f_outside_ticker": outside["ents_f"], "n_texts": len(texts)}


def evaluate_update(base: str, updated: PathLike, gold: PathLike, texts: Sequence[PathLike], output: PathLike,
                    label_map: PathLike) -> Dict[str, Any]:
    """Both measurements (see the module docstring), written to ``output`` and returned."""
    for path in (gold, *texts):
        check_file(path)
    mapping = {**LabelMap.from_file(label_map).scheme("ontonotes"), "TICKER": "TICKER"}
    nlp_base, nlp_updated = load_pipeline(base), load_pipeline(updated)
    result: Dict[str, Any] = {"base": base, "updated": str(updated), "gold": str(gold)}
    for name, nlp in (("base", nlp_base), ("updated", nlp_updated)):
        result[f"{name}_gold"] = evaluate_mapped(nlp, gold, mapping)
    all_texts = [d.text for path in (gold, *texts) for d in read_docbin(path, nlp_base.vocab)]
    result["agreement"] = agreement(nlp_base, nlp_updated, all_texts)
    write_json(output, result)
    return result
