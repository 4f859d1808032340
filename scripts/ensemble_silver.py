"""Silver docs an ensemble of trained pipelines agrees on (self-training; custom_ner/training/ensemble.py).

    python scripts/ensemble_silver.py SOURCE.txt.gz|SOURCE.jsonl... OUTPUT.spacy
        --teacher training/cpu-base/model-best --teacher training/cpu-base/model-last ...
        [--mode spans|sentences] [--limit 200000] [--seed 0] [--exclude ner_gold/ ...] [--n-process 1]

Texts of the gold sets (``--exclude``) are left out; counts go to OUTPUT.stats.json.
"""
from pathlib import Path
from typing import List

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.training.ensemble import MODES, EnsembleOptions, build_ensemble_silver


def main(
    inputs: List[Path] = typer.Argument(..., help="Sentence-a-line .txt.gz files or JSONL files with a 'text' field"),
    output: Path = typer.Argument(..., help="Output DocBin (.spacy)"),
    teacher: List[Path] = typer.Option(..., help="A trained pipeline of the ensemble (two or more)"),
    mode: str = typer.Option("spans", help=f"One of {MODES}"),
    limit: int = typer.Option(200_000, min=1, help="Sentences to label"),
    seed: int = typer.Option(0, help="Seed of the sample of sentences"),
    exclude: List[Path] = typer.Option([], help="Gold JSONL files, or directories of them, whose texts are left out"),
    n_process: int = typer.Option(1, min=1, help="Processes per model"),
) -> None:
    try:
        options = EnsembleOptions(mode=mode, limit=limit, seed=seed, exclude=tuple(exclude), n_process=n_process)
        stats = build_ensemble_silver(inputs, teacher, output, options)
    except (ConversionError, OSError, ValueError) as err:
        fail(err)
    msg.good(f"{stats['docs']} docs agreed on by {len(teacher)} models ({mode}) -> {output}")
    msg.info(f"{stats['full_agreement']} of {stats['labelled']} sentences fully agreed; "
             f"{stats['spans_disputed']} disputed spans left missing; counts in {output.with_suffix('.stats.json')}")


if __name__ == "__main__":
    typer.run(main)
