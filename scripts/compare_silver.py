"""Side-by-side F1 of the CPU pipeline without silver data, with it, and with the linker.

    python scripts/compare_silver.py METRICS_DIR [--output metrics/silver-comparison.md] [--max-conll-loss 0.5]

Writes a Markdown table and the same rows as JSON (OUTPUT with .json) and says whether
the final model stays within the CoNLL loss limit and gains on TICKER
(custom_ner/evaluation/silver_comparison.py).
"""
from pathlib import Path

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.data.labels import DEFAULT_LABEL_MAP, LabelMap
from custom_ner.evaluation.silver_comparison import compare_silver


def main(
    metrics_dir: Path = typer.Argument(..., help="Directory with the evaluate-cpu(-base) JSON files"),
    output: Path = typer.Option(Path("metrics/silver-comparison.md"), help="Markdown table; rows also as .json"),
    max_conll_loss: float = typer.Option(0.5, help="Allowed CoNLL test F1 loss, in points"),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP, help="Label map JSON (label order)"),
) -> None:
    try:
        result = compare_silver(metrics_dir, output, LabelMap.from_file(label_map).labels, max_conll_loss)
    except ConversionError as err:
        fail(err)
    print(result["text"])
    checks = result["checks"]
    for key, what in (("conll_test_within_limit", "CoNLL test loss within the limit"),
                      ("gold_dev_ticker_better", "TICKER better on ner_gold dev")):
        (msg.good if checks[key] else msg.warn)(f"{what}: {checks[key]}")
    msg.good(f"Saved {output} and {output.with_suffix('.json')}")


if __name__ == "__main__":
    typer.run(main)
