"""Precision and recall of the rule-based TICKER annotator against gold TICKER spans.

    python scripts/evaluate_ticker_rules.py GOLD.jsonl --symbols corpus/symbols.json --output metrics/ticker-rules.json

Exact character offsets, overall and per pattern; the false positives and misses
are written out for reading (custom_ner/evaluation/ticker_rules.py).
"""
from pathlib import Path

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.data.labels import DEFAULT_LABEL_MAP
from custom_ner.evaluation.ticker_rules import evaluate_rules_file


def main(
    gold: Path = typer.Argument(..., help="Gold Prodigy JSONL with TICKER spans"),
    symbols: Path = typer.Option(..., help="Symbol table from scripts/build_symbols.py"),
    output: Path = typer.Option(Path("metrics/ticker-rules.json")),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP, help="Label map JSON (the gold file's labels)"),
) -> None:
    try:
        result = evaluate_rules_file(gold, symbols, output, label_map)
    except ConversionError as err:
        fail(err)
    msg.table([[name, s["predicted"], s["correct"], f"{100 * s['p']:.2f}"] for name, s in result["patterns"].items()],
              header=["pattern", "predicted", "correct", "precision"], aligns=["l", "r", "r", "r"])
    msg.good(f"TICKER rules on {gold}: P {100 * result['p']:.2f} R {100 * result['r']:.2f} F {100 * result['f']:.2f} "
             f"({result['tp']} of {result['gold']} gold, {result['predicted']} predicted) -> {output}")


if __name__ == "__main__":
    typer.run(main)
