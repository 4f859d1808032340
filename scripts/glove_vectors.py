"""Build the pipeline's static vectors from pretrained GloVe 6B 50d (configs/glove.cfg).

    python scripts/glove_vectors.py vectors/glove --config configs/glove.cfg [--rows 200000] [--concat vectors/floret]

--rows keeps the most frequent rows (the other words point at their nearest kept row);
--concat appends each word's vector from another vectors model (our floret vectors).
"""
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.training.glove import glove_vectors


def main(
    output_dir: Path = typer.Argument(..., help="Output directory (a spaCy pipeline with vectors)"),
    config: Path = typer.Option(Path("configs/glove.cfg"), exists=True, help="Config with a [glove] section"),
    rows: Optional[int] = typer.Option(None, min=0, help="Rows kept (0: all; default: the config's)"),
    concat: Optional[Path] = typer.Option(None, exists=True, help="Vectors model whose vectors are appended to each row"),
) -> None:
    try:
        info = glove_vectors(config, output_dir, rows, concat)
    except (OSError, ValueError) as err:  # ConversionError too: a missing or altered GloVe file
        fail(err)
    remapped = f", {info['remapped']} more words point at their nearest row (mean cosine " \
               f"{info['mean_cosine_of_remapped']})" if "remapped" in info else ""
    msg.good(f"Saved {info['rows']} x {info['dim']} vectors ({info['keys']} keys: each word as is, Capitalised "
             f"and UPPER) to {output_dir}{remapped}")


if __name__ == "__main__":
    typer.run(main)
