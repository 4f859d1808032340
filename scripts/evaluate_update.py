"""Base en_core_web_sm vs the TICKER-updated pipeline: what was gained, what was kept.

    python scripts/evaluate_update.py BASE UPDATED GOLD.spacy --texts OTHER.spacy --output metrics/update-sm.json

1. Both pipelines on GOLD (ner_gold dev), OntoNotes labels mapped to ours with the
   label map's "ontonotes" scheme (TICKER kept): P/R/F per label.
2. Agreement with the base model on its own 18 labels, over the texts of GOLD and
   OTHER (e.g. CoNLL test): F of the updated model's entities against the base
   model's, per label. 100 means nothing was forgotten.
"""
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Sequence

import spacy
import srsly
import typer
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.training import Example

from custom_ner.cli import fail, msg
from custom_ner.docs import read_docbin
from custom_ner.evaluation import evaluate_mapped
from custom_ner.labels import DEFAULT_LABEL_MAP, LabelMap


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
    scores = Scorer.score_spans([Example(p, r) for p, r in zip(pred, ref)], "ents")
    counts: Counter = Counter(e.label_ for doc in ref for e in doc.ents)
    for doc, covered in zip(ref, tickers):
        doc.ents = [e for e in doc.ents if not covered.intersection(range(e.start, e.end))]
    outside = Scorer.score_spans([Example(p, r) for p, r in zip(pred, ref)], "ents")
    return {"f": scores["ents_f"], "per_type": scores["ents_per_type"], "support": dict(counts),
            "f_outside_ticker": outside["ents_f"], "n_texts": len(texts)}


def main(
    base: str = typer.Argument(..., help="Base pipeline"),
    updated: str = typer.Argument(..., help="Updated pipeline"),
    gold: Path = typer.Argument(..., help="Gold DocBin with our labels (ner_gold dev)"),
    texts: List[Path] = typer.Option([], help="More DocBins whose texts are used for the agreement"),
    output: Path = typer.Option(Path("metrics/update-sm.json")),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP),
) -> None:
    for path in (gold, *texts):
        if not path.exists():
            fail(f"{path}: not found")
    mapping = {**LabelMap.from_file(label_map).scheme("ontonotes"), "TICKER": "TICKER"}
    nlp_base, nlp_updated = spacy.load(base), spacy.load(updated)
    result: Dict[str, Any] = {"base": base, "updated": updated, "gold": str(gold)}
    for name, nlp in (("base", nlp_base), ("updated", nlp_updated)):
        result[f"{name}_gold"] = evaluate_mapped(nlp, gold, mapping)
    all_texts = [d.text for path in (gold, *texts) for d in read_docbin(path, nlp_base.vocab)]
    result["agreement"] = agreement(nlp_base, nlp_updated, all_texts)
    output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output, result)
    rows = []
    for label in ("PERSON", "ORG", "LOC", "MISC", "TICKER"):
        b = result["base_gold"]["ents_per_type"].get(label, {}).get("f", 0.0)
        u = result["updated_gold"]["ents_per_type"].get(label, {}).get("f", 0.0)
        rows.append([label, f"{100 * b:.2f}", f"{100 * u:.2f}", f"{100 * (u - b):+.2f}"])
    rows.append(["all", f"{100 * result['base_gold']['ents_f']:.2f}", f"{100 * result['updated_gold']['ents_f']:.2f}",
                 f"{100 * (result['updated_gold']['ents_f'] - result['base_gold']['ents_f']):+.2f}"])
    msg.table(rows, header=["label", "base F", "updated F", "change"], aligns=["l", "r", "r", "r"],
              title=f"{gold} (OntoNotes labels mapped)")
    agree = result["agreement"]
    msg.table([[label, agree["support"].get(label, 0), f"{100 * s['f']:.2f}"] for label, s in sorted(agree["per_type"].items())],
              header=["base label", "base ents", "agreement F"], aligns=["l", "r", "r"],
              title=f"agreement with the base model on {agree['n_texts']} texts: F {100 * agree['f']:.2f} "
                    f"({100 * agree['f_outside_ticker']:.2f} outside the new TICKER spans)")
    msg.good(f"Saved {output}")


if __name__ == "__main__":
    typer.run(main)
