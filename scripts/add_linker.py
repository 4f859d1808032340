"""Add the TICKER linker (custom_ner/ticker/linker.py) to a trained pipeline.

    python scripts/add_linker.py training/cpu/model-best training/cpu/model-final --symbols corpus/symbols.json
"""
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.ticker.assemble import add_linker


def main(
    model: str = typer.Argument(..., help="Trained pipeline"),
    output: Path = typer.Argument(..., help="Output pipeline directory"),
    symbols: Path = typer.Option(..., help="Symbol table from scripts/build_symbols.py"),
    add_matches: bool = typer.Option(True, help="Make pattern matches TICKER (replacing overlapping entities)"),
    unlisted_label: Optional[str] = typer.Option(None, help="TICKER guard: this label for a model-made TICKER on a "
                                                 "symbol the table does not list (e.g. ORG; default: keep TICKER)"),
    company_label: str = typer.Option("ORG", help="Company guard: this label for a PERSON that is a listed company's "
                                      "name in market text (\"\": off)"),
) -> None:
    try:
        linker = add_linker(model, output, symbols, add_matches, unlisted_label=unlisted_label or None,
                            company_label=company_label or None)
    except (ConversionError, OSError) as err:
        fail(err)
    msg.good(f"{model} + {linker.name} ({len(linker.table)} symbols, add_matches={add_matches}, "
             f"unlisted_label={unlisted_label}, company_label={company_label or None}) -> {output}")


if __name__ == "__main__":
    typer.run(main)
