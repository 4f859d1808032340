"""Inference words/s of a pipeline on the texts of a DocBin (a benchmark, not a test).

    python scripts/benchmark_speed.py MODEL DATA.spacy [--batch-size 128] [--n-process 1] [--repeats 2] [--gpu-id 0] [--output speed.json]

Prints every repeat; the speed figures in docs/ were measured with this script.
"""
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.evaluation.speed import benchmark


def main(
    model: str = typer.Argument(..., help="Pipeline directory or installed package"),
    data_path: Path = typer.Argument(..., help="DocBin (.spacy) whose texts are annotated"),
    batch_size: int = typer.Option(128, min=1, help="nlp.pipe batch size"),
    n_process: int = typer.Option(1, min=1, help="nlp.pipe processes"),
    repeats: int = typer.Option(2, min=1, help="Timed passes over the texts"),
    gpu_id: int = typer.Option(-1, help="GPU id, -1 for CPU (also where the GPU is missing); one process"),
    output: Optional[Path] = typer.Option(None, help="Write the figures as JSON"),
) -> None:
    try:
        result = benchmark(model, data_path, batch_size=batch_size, n_process=n_process, repeats=repeats,
                           output=output, gpu_id=gpu_id)
    except (ConversionError, OSError, ValueError) as err:
        fail(err)
    for i, run in enumerate(result["runs"], 1):
        msg.info(f"run {i}: {result['n_words']} words in {run['seconds']:.2f} s = {run['words_per_second']:,.0f} words/s")
    msg.good(f"{model}: {result['words_per_second_min']:,.0f}-{result['words_per_second_max']:,.0f} words/s "
             f"(batch {batch_size}, {n_process} process(es), {result['n_texts']} texts, {result['device']})")
    if output is not None:
        msg.good(f"Saved {output}")


if __name__ == "__main__":
    typer.run(main)
