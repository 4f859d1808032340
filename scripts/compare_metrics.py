"""Compare the metrics of two runs of the project: every figure but timings must agree.

    python scripts/compare_metrics.py OTHER_PROJECT_DIR [PROJECT_DIR]

Exits 1 when a figure differs (custom_ner/evaluation/compare_metrics.py).
"""
import sys
from pathlib import Path

import typer

from custom_ner.console import fail, line
from custom_ner.evaluation.compare_metrics import compare_metrics


def main(
    first: Path = typer.Argument(..., exists=True, file_okay=False, help="The other run's project directory"),
    second: Path = typer.Argument(Path("."), exists=True, file_okay=False, help="This run's project directory"),
) -> None:
    try:
        result = compare_metrics(first, second)
    except ValueError as err:
        fail(err)
    for rel, diffs in result.items():
        line(not diffs, f"{rel}: {len(diffs)} differences outside timing fields" if diffs else f"{rel}: same")
        for diff in diffs[:20]:
            print(f"    {diff}")
    total = sum(len(d) for d in result.values())
    line(total == 0, f"{total} differences in {len(result)} files")
    if total:
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
