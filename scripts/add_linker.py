"""Add the TICKER linker (custom_ner/ticker_linker.py) to a trained pipeline.

    python scripts/add_linker.py training/cpu/model-best training/cpu/model-final --symbols corpus/symbols.json

The component goes after ``ner``: pattern matches become TICKER (unless
``--no-add-matches``), and every TICKER gets ``kb_id_`` (NASDAQ:AAPL, NYSE:IBM, ...)
and ``_.company``. Its symbol table is saved inside the pipeline, so the packaged
wheel (``spacy package --code custom_ner/ticker_linker.py``) needs no data directory.
"""
from pathlib import Path

import spacy
import typer

from custom_ner.cli import fail, msg
from custom_ner.ticker_linker import TickerLinker
from custom_ner.tickers import load_table

FACTORY = "custom_ner_ticker_linker"


def add_linker(model: str, output: Path, symbols: Path, add_matches: bool = True) -> TickerLinker:
    """Load ``model``, append the initialized linker, save to ``output``."""
    nlp = spacy.load(model)
    if FACTORY in nlp.pipe_names:
        nlp.remove_pipe(FACTORY)
    linker = nlp.add_pipe(FACTORY, config={"add_matches": add_matches}, last=True)
    linker.initialize(table=load_table(symbols))
    nlp.to_disk(output)
    return linker


def main(
    model: str = typer.Argument(..., help="Trained pipeline"),
    output: Path = typer.Argument(..., help="Output pipeline directory"),
    symbols: Path = typer.Option(..., help="Symbol table from scripts/build_symbols.py"),
    add_matches: bool = typer.Option(True, help="Make pattern matches TICKER (replacing overlapping entities)"),
) -> None:
    if not symbols.exists():
        fail(f"{symbols}: symbol table not found (run the 'symbols' step)")
    linker = add_linker(model, output, symbols, add_matches)
    msg.good(f"{model} + {FACTORY} ({len(linker.table)} symbols, add_matches={add_matches}) -> {output}")


if __name__ == "__main__":
    typer.run(main)
