"""Silver TICKER training docs from unannotated financial text.

The rule annotator finds TICKER spans; what happens to the other tokens decides
what the model learns from them:

- ``missing``: every token outside a TICKER span is *missing*, so the silver docs
  teach TICKER and say nothing about PERSON/ORG/LOC/MISC (or about "O").
- ``rehearsal``: the other tokens carry the entities a trained pipeline predicts
  (pseudo-rehearsal), so the silver docs also repeat what the model already knows;
  TICKER predictions of that model which the rules do not confirm stay missing.

The same rehearsal idea makes the training data of ``update-sm`` (:func:`make_update_data`):
TICKER spans from gold or rules, and the base model's own predictions everywhere else.
"""
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from tqdm import tqdm
from wasabi import msg

from ..data.docs import read_docbin, write_docbin
from ..data.files import write_json
from ..data.lines import check_file
from ..formats.sampling import sample
from ..formats.unlabelled import Excluder, jsonl_texts
from ..loading import load_pipeline
from .linker import TickerAnnotator, outside
from .symbols import load_table

PathLike = Union[str, Path]

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
        # an entity read across a match keeps its part outside it, as the linker does:
        # "HD Home Depot, Inc." predicted as one ORG is TICKER "HD" + ORG "Home Depot, Inc.",
        # not a TICKER followed by a company name taught as "O"
        for span in outside(Span(doc, ent.start, ent.end, label=ent.label_), covered):
            (missing if span.label_ == label else keep).append(span)
    doc.set_ents(keep, missing=missing, default="outside")
    return doc


def sample_texts(texts: Iterable[str], limit: int, seed: int) -> List[str]:
    """Up to ``limit`` texts (0 = all), in a seeded random order, duplicates removed."""
    return sample(list(dict.fromkeys(t for t in texts if t.strip())), limit, seed)


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


def gold_files(paths: Sequence[PathLike]) -> List[Path]:
    """``paths`` with each directory replaced by its ``*.jsonl`` files: a gold directory
    such as ner_gold/ leaves out the texts of every split, new batches included."""
    return [f for p in map(Path, paths) for f in (sorted(p.glob("*.jsonl")) if p.is_dir() else [p])]


@dataclass(frozen=True)
class SilverOptions:
    """``mode``: what the tokens outside the rules' TICKERs say ("missing": nothing;
    "rehearsal": ``model``'s entities); ``limit`` texts sampled with ``seed`` (0: all);
    ``exclude``: gold JSONL files (or directories of them) whose texts are left out."""

    mode: str = "missing"
    model: Optional[str] = None
    limit: int = 4000
    seed: int = 0
    exclude: Sequence[PathLike] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"--mode {self.mode!r}: expected one of {', '.join(MODES)}")
        if self.mode == "rehearsal" and not self.model:
            raise ValueError("--mode rehearsal needs --model (a trained pipeline)")


def build_silver(inputs: Sequence[PathLike], output: PathLike, symbols: PathLike,
                 options: SilverOptions = SilverOptions()) -> Dict[str, Any]:
    """Silver docs from the texts of the JSONL ``inputs`` to the DocBin ``output``, their
    counts to OUTPUT.stats.json (returned too).

    Texts of the gold sets (``exclude``) are left out so that gold scores stay honest.
    Texts in which the rules find no TICKER are skipped in ``missing`` mode (they would
    teach nothing) and kept in ``rehearsal`` mode, where ``model`` predicts the rest.
    """
    mode, model, limit, seed, exclude = options.mode, options.model, options.limit, options.seed, options.exclude
    excluder = Excluder(t for path in gold_files(exclude) for t in jsonl_texts(path))
    kept = [t for path in inputs for t in jsonl_texts(path) if not excluder(t)]
    texts = sample_texts(kept, limit, seed)
    pipeline = load_pipeline(model) if mode == "rehearsal" else None
    annotator = TickerAnnotator(load_table(symbols))
    counts: Counter = Counter(texts_read=len(kept) + excluder.excluded, excluded_gold=excluder.excluded)
    docs = []
    made = make_silver(spacy.blank("en"), texts, annotator, mode, pipeline)
    for doc, found in tqdm(made, total=len(texts), desc="silver", unit="text"):
        counts.update(found)
        if mode == "missing" and not found["tickers"]:
            counts["skipped_no_ticker"] += 1
            continue
        docs.append(doc)
        for ent in doc.ents:
            counts[f"ents_{ent.label_}"] += 1
    counts["docs"] = len(docs)
    write_docbin(docs, output)
    stats = {"mode": mode, "inputs": [str(p) for p in inputs], "limit": limit, "seed": seed, **counts}
    write_json(Path(output).with_suffix(".stats.json"), stats)  # whole, as silver-self's counts
    return stats


def rehearsal_docs(base: Language, sources: Sequence[Doc], label: str = "TICKER") -> List[Doc]:
    """``sources``' TICKER spans (by character offsets) + ``base``'s predictions elsewhere."""
    out = []
    texts = [d.text for d in sources]
    for source, predicted in zip(sources, base.pipe(texts, batch_size=256)):
        doc = base.make_doc(source.text)
        tickers, unsure = [], []
        for ent in source.ents:
            if ent.label_ != label:
                continue
            span = doc.char_span(ent.start_char, ent.end_char, label=label)
            if span is None:
                unsure.append(doc.char_span(ent.start_char, ent.end_char, alignment_mode="expand"))
            else:
                tickers.append(span)
        out.append(silver_doc(doc, tickers, "rehearsal", predicted, label=label, unsure=[s for s in unsure if s is not None]))
    return out


def make_update_data(
    base: str,
    gold_train: PathLike,
    gold_dev: PathLike,
    silver: PathLike,
    rehearsal: PathLike,
    output_dir: PathLike,
    *,
    n_silver: int = 1500,
    n_rehearsal: int = 1500,
    seed: int = 0,
) -> Dict[str, int]:
    """Training and dev data for adding TICKER to ``base`` (configs/update_sm.cfg).

    Every doc gets its TICKER spans (gold where a gold set gives them, the rules'
    silver spans otherwise) and, everywhere else, the *base model's own predictions*
    in its own labels: pseudo-rehearsal, which keeps teaching the labels it already
    has. ``rehearsal`` contributes texts only (CoNLL-2003 train sentences, no TICKER),
    so the updated model also sees plenty of text where nothing is a ticker. Writes
    OUTPUT_DIR/train.spacy and OUTPUT_DIR/dev.spacy; returns their doc counts.
    """
    for path in (gold_train, gold_dev, silver, rehearsal):
        check_file(path)
    nlp = load_pipeline(base)
    vocab = nlp.vocab
    plain = [nlp.make_doc(d.text) for d in sample(read_docbin(rehearsal, vocab), n_rehearsal, seed)]
    parts = {
        "gold train": read_docbin(gold_train, vocab),
        "silver": sample(read_docbin(silver, vocab), n_silver, seed),
        "rehearsal": plain,
    }
    train: List[Doc] = []
    for name, docs in parts.items():
        made = rehearsal_docs(nlp, docs)
        msg.info(f"{name}: {len(made)} docs, {sum(1 for d in made for e in d.ents if e.label_ == 'TICKER')} TICKER spans")
        train.extend(made)
    dev = rehearsal_docs(nlp, read_docbin(gold_dev, vocab))
    write_docbin(train, Path(output_dir) / "train.spacy")
    write_docbin(dev, Path(output_dir) / "dev.spacy")
    return {"train": len(train), "dev": len(dev)}
