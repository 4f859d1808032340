"""Silver TICKER docs from the unannotated financial texts (custom_ner/ticker/silver.py).

    python scripts/make_silver.py SOURCE.jsonl... OUTPUT.spacy --symbols corpus/symbols.json
        [--mode missing|rehearsal] [--model training/cpu/model-best] [--limit 4000] [--seed 0]
        [--exclude ner_gold/ ...]

Texts of the gold sets (``--exclude``) are left out; counts go to OUTPUT.stats.json.
"""
from pathlib import Path
from typing import List, Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.ticker.silver import MODES, SilverOptions, build_silver


def main(
    inputs: List[Path] = typer.Argument(..., help="JSONL files with a 'text' field"),
    output: Path = typer.Argument(..., help="Output DocBin (.spacy)"),
    symbols: Path = typer.Option(..., help="Symbol table from scripts/build_symbols.py"),
    mode: str = typer.Option("missing", help=f"One of {MODES}"),
    model: Optional[str] = typer.Option(None, help="Pipeline for rehearsal mode"),
    limit: int = typer.Option(4000, min=0, help="Texts to annotate (0 = all)"),
    seed: int = typer.Option(0),
    exclude: List[Path] = typer.Option([], help="Gold JSONL files, or directories of them, whose texts are left out"),
) -> None:
    try:
        stats = build_silver(inputs, output, symbols, SilverOptions(mode=mode, model=model, limit=limit, seed=seed,
                                                                   exclude=tuple(exclude)))
    except (ConversionError, OSError, ValueError) as err:
        fail(err)
    msg.good(f"{stats['docs']} silver docs ({mode}) -> {output}; counts in {output.with_suffix('.stats.json')}")
    msg.info(", ".join(f"{k} {v}" for k, v in sorted(stats.items()) if k not in ("mode", "inputs", "limit", "seed")))


if __name__ == "__main__":
    typer.run(main)
