"""Silver TICKER training docs from unannotated financial text.

The rule annotator finds TICKER spans; what happens to the other tokens decides
what the model learns from them:

- ``missing``: every token outside a TICKER span is *missing*, so the silver docs
  teach TICKER and say nothing about PERSON/ORG/LOC/MISC (or about "O").
- ``rehearsal``: the other tokens carry the entities a trained pipeline predicts
  (pseudo-rehearsal), so the silver docs also repeat what the model already knows;
  TICKER predictions of that model which the rules do not confirm stay missing.
"""
import random
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .ticker_linker import TickerAnnotator

MODES = ("missing", "rehearsal")


def silver_doc(doc: Doc, tickers: Sequence[Span], mode: str, predicted: Optional[Doc] = None,
               label: str = "TICKER", unsure: Sequence[Span] = ()) -> Doc:
    """``doc`` annotated with ``tickers`` and, in rehearsal mode, ``predicted``'s other entities.

    ``unsure`` spans (a pattern match inside a token, e.g. "FDX)Q3") stay missing.
    """
    if mode not in MODES:
        raise ValueError(f"unknown silver mode {mode!r}; expected one of {MODES}")
    if mode == "missing":
        doc.set_ents(list(tickers), default="missing")
        return doc
    if predicted is None or len(predicted) != len(doc):
        raise ValueError("rehearsal mode needs the pipeline's prediction on the same tokens")
    covered = {i for span in tickers for i in range(span.start, span.end)}
    missing: List[Span] = []
    keep: List[Span] = list(tickers)
    for span in filter_spans(unsure):
        if not covered.intersection(range(span.start, span.end)):
            missing.append(span)
            covered.update(range(span.start, span.end))
    for ent in predicted.ents:
        if covered.intersection(range(ent.start, ent.end)):
            continue
        span = Span(doc, ent.start, ent.end, label=ent.label_)
        (missing if ent.label_ == label else keep).append(span)
    doc.set_ents(keep, missing=missing, default="outside")
    return doc


def sample_texts(texts: Iterable[str], limit: int, seed: int) -> List[str]:
    """Up to ``limit`` texts (0 = all), in a seeded random order, duplicates removed."""
    unique = list(dict.fromkeys(t for t in texts if t.strip()))
    random.Random(seed).shuffle(unique)
    return unique[:limit] if limit else unique


def make_silver(
    nlp: Language,
    texts: Sequence[str],
    annotator: TickerAnnotator,
    mode: str,
    model: Optional[Language] = None,
    batch_size: int = 256,
) -> Iterator[Tuple[Doc, Dict[str, int]]]:
    """Yield (silver doc, counts) for every text; counts say what was found or left unaligned."""
    if mode == "rehearsal" and model is None:
        raise ValueError("rehearsal mode needs a trained pipeline (--model)")
    predictions = model.pipe(texts, batch_size=batch_size) if model is not None and mode == "rehearsal" else None
    for text in texts:
        doc = nlp.make_doc(text)
        tickers, unaligned = annotator.spans(doc)
        predicted = next(predictions) if predictions is not None else None
        if predicted is not None and [t.text for t in predicted] != [t.text for t in doc]:
            raise ValueError("the rehearsal pipeline tokenizes differently from the blank English tokenizer")
        unsure = [doc.char_span(m.start, m.end, alignment_mode="expand") for m in unaligned]
        silver = silver_doc(doc, tickers, mode, predicted, unsure=[s for s in unsure if s is not None])
        yield silver, {"tickers": len(tickers), "unaligned": len(unaligned)}
