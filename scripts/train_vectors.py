"""Train floret vectors on a text file and save them as a spaCy vectors model.

    python scripts/train_vectors.py corpus/unlabelled.txt vectors/floret --config configs/vectors.cfg

The output directory is a blank spaCy pipeline holding only the vectors; the
training config reads it through ``[initialize] vectors``.
"""
import time
from pathlib import Path

import floret
import spacy
import typer
from spacy.training.initialize import convert_vectors
from thinc.api import Config
from custom_ner.cli import fail, msg


def train_vectors(text_path: Path, output_dir: Path, config_path: Path) -> dict:
    """Train, convert and save; returns what a person would want to know about the run."""
    params = dict(Config().from_disk(config_path)["floret"])
    if params.get("mode") != "floret":
        raise ValueError(f"{config_path}: [floret] mode must be 'floret' (spaCy loads floret-mode vectors)")
    output_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    model = floret.train_unsupervised(str(text_path), **params)
    table = output_dir.parent / f"{output_dir.name}.floret"
    model.save_floret_vectors(str(table))
    nlp = spacy.blank("en")
    convert_vectors(nlp, table, truncate=0, prune=-1, mode="floret")
    nlp.to_disk(output_dir)
    table.unlink()
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "words": len(model.words),
        "shape": tuple(nlp.vocab.vectors.shape),
    }


def main(
    text_path: Path = typer.Argument(..., exists=True, dir_okay=False, help="One text per line, tokens separated by spaces"),
    output_dir: Path = typer.Argument(..., help="Output directory (a spaCy pipeline with vectors)"),
    config: Path = typer.Option(Path("configs/vectors.cfg"), exists=True, help="Config with a [floret] section"),
) -> None:
    if text_path.stat().st_size == 0:
        fail(f"{text_path}: empty input")
    msg.info(f"Training floret vectors on {text_path} (settings in {config})")
    info = train_vectors(text_path, output_dir, config)
    msg.good(
        f"Saved vectors {info['shape'][0]} x {info['shape'][1]} ({info['words']} words in the training vocabulary) "
        f"to {output_dir} in {info['seconds']:.0f} s"
    )


if __name__ == "__main__":
    typer.run(main)
