"""Evaluate a pipeline on a DocBin: spaCy's JSON plus a per-label table.

    python scripts/evaluate.py MODEL DATA.spacy OUTPUT.json [--gpu-id 0] [--label-map configs/labels.json]

OUTPUT.json has spaCy's keys (ents_p/ents_r/ents_f/ents_per_type/speed) plus
``ents_support``; the table lists precision, recall, F1 and support per label.
"""
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.data.labels import DEFAULT_LABEL_MAP
from custom_ner.evaluation.scoring import evaluate_model


def main(
    model: str = typer.Argument(..., help="Pipeline directory or installed package"),
    data_path: Path = typer.Argument(..., help="Gold DocBin (.spacy)"),
    output: Path = typer.Argument(..., help="Output JSON"),
    gpu_id: int = typer.Option(-1, help="GPU id, -1 for CPU"),
    batch_size: Optional[int] = typer.Option(None, help="nlp.pipe batch size [default: the pipeline's]"),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP, help="Label map JSON: every label is reported"),
) -> None:
    try:
        _, table = evaluate_model(model, data_path, output, gpu_id, batch_size, label_map)
    except (ConversionError, OSError) as err:
        fail(err)
    print(table)
    msg.good(f"Saved {output}")


if __name__ == "__main__":
    typer.run(main)
