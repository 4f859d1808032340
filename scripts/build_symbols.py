"""The symbol table for TICKER rules and linking: NASDAQ Trader files + pytickersymbols.

    python scripts/build_symbols.py DATA_DIR/tickers/nasdaqlisted.txt DATA_DIR/tickers/otherlisted.txt corpus/symbols.json

US listings come from the NASDAQ Trader symbol directories (exchange of every
symbol, test issues skipped); index constituents worldwide (Yahoo and Google codes)
from the ``pytickersymbols`` package fill in the rest.
"""
from pathlib import Path
from typing import List

import typer

from custom_ner.cli import fail, msg
from custom_ner.errors import ConversionError
from custom_ner.tickers import build_symbol_table


def main(
    paths: List[Path] = typer.Argument(..., help="Symbol directory files, then the output JSON"),
    pytickersymbols: bool = typer.Option(True, help="Add the pytickersymbols index constituents"),
) -> None:
    if len(paths) < 2:
        fail("give at least one directory file and the output path")
    *inputs, output = paths
    for path in inputs:
        if not path.exists():
            fail(f"{path}: symbol directory not found")
    try:
        table = build_symbol_table(inputs, use_pytickersymbols=pytickersymbols)
    except ConversionError as err:
        fail(err)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(table.to_bytes())
    exchanges = sorted({e for e, _ in table.entries.values() if e})
    msg.good(f"{len(table)} symbols on {len(exchanges)} exchanges -> {output}")


if __name__ == "__main__":
    typer.run(main)
