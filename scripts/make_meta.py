"""Write the meta.json for `spacy package`: description, labels, sources, licence
note and the evaluation scores measured by scripts/evaluate.py.

    python scripts/make_meta.py MODEL OUTPUT.json --conll-test metrics/cpu-conll-test.json \
        --gold-dev metrics/cpu-gold-dev.json [--train-summary training/cpu/train_summary.json]
"""
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import msg
from custom_ner.evaluation.meta import write_meta


def main(
    model: Path = typer.Argument(..., exists=True, help="Trained pipeline directory"),
    output: Path = typer.Argument(..., help="Output meta JSON"),
    conll_test: Path = typer.Option(..., exists=True, help="metrics JSON on CoNLL-2003 test"),
    gold_dev: Path = typer.Option(..., exists=True, help="metrics JSON on ner_gold dev"),
    train_summary: Optional[Path] = typer.Option(None, help="train_summary.json of the run"),
    version: Optional[str] = typer.Option(None, help="Package version"),
) -> None:
    meta = write_meta(model, output, conll_test, gold_dev, train_summary, version)
    msg.good(f"Wrote {output} (CoNLL-2003 test ents_f {meta['performance'].get('ents_f', 0):.4f})")


if __name__ == "__main__":
    typer.run(main)
