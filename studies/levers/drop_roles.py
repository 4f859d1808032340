"""Training data from a set whose gold tags roles as names: role mentions become "O".

    python studies/levers/drop_roles.py INPUT.spacy OUTPUT.spacy --set sec-fin3

SEC filings tag the roles "Borrower" and "Lender" as PER; our guidelines
(ner_gold/GUIDELINES.md) say a role is not a name, so training on them as tagged
teaches the opposite. The role texts are the scorecard set's ``roles``
(configs/external.json). The scorecard's "without roles" score leaves those mentions
unannotated; training data marks them outside, which is what the guidelines say they
are. Counts go to OUTPUT.stats.json (custom_ner/evaluation/external.py).
"""
from pathlib import Path

import typer

from custom_ner.console import fail, msg
from custom_ner.evaluation.external import DEFAULT_SCORECARD, training_without_roles


def main(
    input_path: Path = typer.Argument(..., help="DocBin of the set as tagged (convert-external)"),
    output: Path = typer.Argument(..., help="DocBin with the role mentions outside any entity"),
    set_name: str = typer.Option(..., "--set", help="Scorecard set whose 'roles' to drop"),
    scorecard: Path = typer.Option(DEFAULT_SCORECARD, help="The scorecard, with roles per set"),
) -> None:
    try:
        counts = training_without_roles(input_path, output, set_name, scorecard)
    except ValueError as err:
        fail(err)
    msg.good(f"{output}: {counts['docs']} docs, {counts['entities']} entities kept, "
             f"{counts['roles_made_outside']} role mentions made outside")


if __name__ == "__main__":
    typer.run(main)
