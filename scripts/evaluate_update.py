"""Base en_core_web_sm vs the TICKER-updated pipeline: what was gained, what was kept.

    python scripts/evaluate_update.py BASE UPDATED GOLD.spacy --texts OTHER.spacy --output metrics/update-sm.json

(custom_ner/evaluation/update.py: both on GOLD with OntoNotes labels mapped, and the
updated model's agreement with the base model on its own labels.)
"""
from pathlib import Path
from typing import List

import typer

from custom_ner.console import fail, msg
from custom_ner.data.errors import ConversionError
from custom_ner.data.labels import DEFAULT_LABEL_MAP
from custom_ner.evaluation.update import evaluate_update


def main(
    base: str = typer.Argument(..., help="Base pipeline"),
    updated: str = typer.Argument(..., help="Updated pipeline"),
    gold: Path = typer.Argument(..., help="Gold DocBin with our labels (ner_gold dev)"),
    texts: List[Path] = typer.Option([], help="More DocBins whose texts are used for the agreement"),
    output: Path = typer.Option(Path("metrics/update-sm.json")),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP),
) -> None:
    try:
        result = evaluate_update(base, updated, gold, texts, output, label_map)
    except (ConversionError, OSError) as err:
        fail(err)
    base_gold, updated_gold = result["base_gold"], result["updated_gold"]
    rows = []
    for label in ("PERSON", "ORG", "LOC", "MISC", "TICKER"):
        b = base_gold["ents_per_type"].get(label, {}).get("f", 0.0)
        u = updated_gold["ents_per_type"].get(label, {}).get("f", 0.0)
        rows.append([label, f"{100 * b:.2f}", f"{100 * u:.2f}", f"{100 * (u - b):+.2f}"])
    rows.append(["all", f"{100 * base_gold['ents_f']:.2f}", f"{100 * updated_gold['ents_f']:.2f}",
                 f"{100 * (updated_gold['ents_f'] - base_gold['ents_f']):+.2f}"])
    msg.table(rows, header=["label", "base F", "updated F", "change"], aligns=["l", "r", "r", "r"],
              title=f"{gold} (OntoNotes labels mapped)")
    agree = result["agreement"]
    msg.table([[label, agree["support"].get(label, 0), f"{100 * s['f']:.2f}"] for label, s in sorted(agree["per_type"].items())],
              header=["base label", "base ents", "agreement F"], aligns=["l", "r", "r"],
              title=f"agreement with the base model on {agree['n_texts']} texts: F {100 * agree['f']:.2f} "
                    f"({100 * agree['f_outside_ticker']:.2f} outside the new TICKER spans)")
    msg.good(f"Saved {output}")


if __name__ == "__main__":
    typer.run(main)
