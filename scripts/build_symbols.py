"""The symbol table for TICKER rules and linking: NASDAQ Trader files + pytickersymbols.

    python scripts/build_symbols.py DATA_DIR/tickers/nasdaqlisted.txt DATA_DIR/tickers/otherlisted.txt corpus/symbols.json
"""
from pathlib import Path
from typing import List

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.ticker.symbols import write_symbol_table


def main(
    paths: List[Path] = typer.Argument(..., help="Symbol directory files, then the output JSON"),
    pytickersymbols: bool = typer.Option(True, help="Add the pytickersymbols index constituents"),
) -> None:
    if len(paths) < 2:
        fail("give at least one directory file and the output path")
    *inputs, output = paths
    try:
        table = write_symbol_table(inputs, output, use_pytickersymbols=pytickersymbols)
    except ConversionError as err:
        fail(err)
    exchanges = {e for e, _ in table.entries.values() if e}
    msg.good(f"{len(table)} symbols on {len(exchanges)} exchanges -> {output}")


if __name__ == "__main__":
    typer.run(main)
