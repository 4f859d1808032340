"""Evaluate a pipeline on a DocBin: spaCy's JSON plus a per-label table.

    python scripts/evaluate.py MODEL DATA.spacy OUTPUT.json [--gpu-id 0]

OUTPUT.json has spaCy's keys (ents_p/ents_r/ents_f/ents_per_type/speed) plus
``ents_support``; the table lists precision, recall, F1 and support per label.
"""
from pathlib import Path
from typing import Optional

import spacy
import srsly
import typer
from spacy.util import fix_random_seed
from custom_ner.cli import fail, msg

from custom_ner.training import choose_device
from custom_ner.evaluation import evaluate_path, format_report, labels_of
from custom_ner.labels import DEFAULT_LABEL_MAP, LabelMap


def main(
    model: str = typer.Argument(..., help="Pipeline directory or installed package"),
    data_path: Path = typer.Argument(..., help="Gold DocBin (.spacy)"),
    output: Path = typer.Argument(..., help="Output JSON"),
    gpu_id: int = typer.Option(-1, help="GPU id, -1 for CPU"),
    batch_size: Optional[int] = typer.Option(None, help="nlp.pipe batch size [default: the pipeline's]"),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP, help="Label map JSON: every label is reported"),
) -> None:
    if not data_path.exists():
        fail(f"{data_path}: evaluation data not found")
    fix_random_seed(0)
    if gpu_id >= 0 and choose_device(gpu_id) < 0:
        msg.warn(f"GPU {gpu_id} is not available (no GPU or no cupy); evaluating on CPU")
    nlp = spacy.load(model)
    data = evaluate_path(nlp, data_path, batch_size)
    data["model"] = str(model)
    data["data"] = str(data_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output, data)
    labels = labels_of(nlp, LabelMap.from_file(label_map).labels if label_map.exists() else [])
    print(format_report(data, labels, title=f"{model} on {data_path} ({data['n_words']} words)"))
    msg.good(f"Saved {output}")


if __name__ == "__main__":
    typer.run(main)
