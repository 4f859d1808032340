"""Pick the texts the model is least sure of and write them as Prodigy ner.manual tasks.

    python scripts/annotate.py texts.jsonl predictions.jsonl
    python scripts/review_queue.py predictions.jsonl queue.jsonl --n 200

Least certain first: the lowest entity score of a text, then its mean score; texts
without entities come last. The model's spans are filled in; correct them (Prodigy,
or by hand: fix "spans", set "answer": "accept") and retrain with
`python -m spacy project run all . --vars.corrections corrected.jsonl`.
"""
from pathlib import Path

import typer

from custom_ner.confidence.review import read_predictions, review_queue, write_tasks
from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError


def main(
    predictions: Path = typer.Argument(..., help="JSONL from scripts/annotate.py (spans with score)"),
    queue: Path = typer.Argument(..., help="Output: ner.manual tasks, least certain first"),
    n: int = typer.Option(200, "--n", help="How many texts to queue"),
    lang: str = typer.Option("en", help="Tokenizer language for the tasks' tokens"),
) -> None:
    try:
        tasks = review_queue(read_predictions(predictions), n, lang)
        write_tasks(queue, tasks)
    except (ConversionError, OSError, ValueError) as err:
        fail(err)
    scores = [t["meta"]["min_score"] for t in tasks if t["meta"]["min_score"] is not None]
    span = f"; lowest entity scores {min(scores):.3f} .. {max(scores):.3f}" if scores else ""
    msg.good(f"{len(tasks)} task(s) -> {queue}{span}")


if __name__ == "__main__":
    typer.run(main)
