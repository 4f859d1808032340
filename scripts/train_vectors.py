"""Train floret vectors on a text file and save them as a spaCy vectors model.

    python scripts/train_vectors.py corpus/unlabelled.txt vectors/floret --config configs/vectors.cfg
"""
from pathlib import Path

import typer

from custom_ner.console import fail, msg
from custom_ner.training.vectors import train_vectors


def main(
    text_path: Path = typer.Argument(..., help="One text per line, tokens separated by spaces"),
    output_dir: Path = typer.Argument(..., help="Output directory (a spaCy pipeline with vectors)"),
    config: Path = typer.Option(Path("configs/vectors.cfg"), exists=True, help="Config with a [floret] section"),
) -> None:
    msg.info(f"Training floret vectors on {text_path} (settings in {config})")
    try:
        info = train_vectors(text_path, output_dir, config)
    except ValueError as err:  # ConversionError too: a missing or empty text file
        fail(err)
    msg.good(f"Saved vectors {info['shape'][0]} x {info['shape'][1]} ({info['words']} words in the training "
             f"vocabulary) to {output_dir} in {info['seconds']:.0f} s")


if __name__ == "__main__":
    typer.run(main)
