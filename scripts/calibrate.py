"""Add calibrated per-entity confidences (ent._.confidence) to a pipeline.

    python scripts/calibrate.py training/cpu/model-linked training/cpu/model-final \
        --fit corpus/dev/conll-dev.spacy --rules-data corpus/train/gold-train.spacy \
        --train corpus/train/conll-train.spacy --train corpus/train/gold-train.spacy --output metrics/calibration.json

Fits on --fit (never on a set the scores are measured on) and measures each TICKER
pattern's precision on --rules-data; docs/confidence.md explains the method.
"""
from pathlib import Path
from typing import List

import typer

from custom_ner.confidence.fit import calibrate
from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError


def main(
    model: str = typer.Argument(..., help="Pipeline with ner (and the TICKER linker)"),
    output_model: Path = typer.Argument(..., help="Output pipeline directory"),
    fit: List[Path] = typer.Option(..., help="Gold DocBin(s) to fit the maps on"),
    rules_data: Path = typer.Option(..., help="Gold DocBin to measure the TICKER patterns' precision on"),
    train: List[Path] = typer.Option([], help="The human-annotated training DocBin(s): their entity texts are 'seen'"),
    output: Path = typer.Option(..., help="What was fitted (JSON)"),
    min_count: int = typer.Option(100, help="A label gets its own map from this many fitted entities"),
) -> None:
    try:
        summary = calibrate(model, output_model, fit, rules_data, train_data=train, min_count=min_count, summary_path=output)
    except (ConversionError, OSError, ValueError) as err:
        fail(err)
    ece = summary["fit_ece"]
    msg.good(f"{model} + confidences -> {output_model}; ECE on the fit data {ece['raw']:.4f} raw, "
             f"{ece['calibrated']:.4f} calibrated; own maps for {', '.join(summary['per_label_maps']) or 'no group'}")


if __name__ == "__main__":
    typer.run(main)
