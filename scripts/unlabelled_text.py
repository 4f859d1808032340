"""Collect the unannotated text of the data directory into one tokenized file.

    python scripts/unlabelled_text.py DATA_DIR OUTPUT.txt [--exclude FILE.jsonl ...]

One text per line, tokens separated by spaces; texts of the evaluation sets
(``--exclude``) are left out; counts per source go to OUTPUT.stats.json
(custom_ner/formats/unlabelled.py).
"""
from pathlib import Path
from typing import List

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.formats.unlabelled import collect_text


def main(
    data_dir: Path = typer.Argument(..., help="The data directory (../shared/data)"),
    output: Path = typer.Argument(..., help="Output text file, one tokenized text per line"),
    exclude: List[Path] = typer.Option([], "--exclude", help="JSONL files whose texts are held out"),
    source: List[str] = typer.Option([], "--source", help="Only these sources (repeat; default: all)"),
) -> None:
    if not data_dir.is_dir():
        fail(f"{data_dir}: data directory not found")
    try:
        counts = collect_text(data_dir, output, exclude, source)
    except (ConversionError, ValueError) as err:
        fail(err)
    msg.good(f"Wrote {sum(c['texts'] for c in counts.values())} texts, {sum(c['tokens'] for c in counts.values())} "
             f"tokens to {output}")


if __name__ == "__main__":
    typer.run(main)
