"""Compare the metrics of two runs of the project: every figure but timings must agree,
or, with a seed spread, move no more than seed noise.

    python scripts/compare_metrics.py OTHER_PROJECT_DIR [PROJECT_DIR] [--seeds metrics/seeds.json]

The spread is PROJECT_DIR's metrics/seeds.json (else OTHER_PROJECT_DIR's) unless --seeds
names one; each P, R or F that moved is "changed" (more than 2 seed sds) or "within
seed noise". Exits 1 when something changed or differs where no spread is known
(custom_ner/evaluation/compare_metrics.py).
"""
import sys
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import fail, line, msg
from custom_ner.evaluation.compare_metrics import NOISE, compare_metrics
from custom_ner.evaluation.seeds import read_spread


def main(
    first: Path = typer.Argument(..., exists=True, file_okay=False, help="The other run's project directory"),
    second: Path = typer.Argument(Path("."), exists=True, file_okay=False, help="This run's project directory"),
    seeds: Optional[Path] = typer.Option(None, help="Seed spread JSON [default: metrics/seeds.json of either run]"),
) -> None:
    try:
        candidates = [seeds] if seeds else [second / "metrics" / "seeds.json", first / "metrics" / "seeds.json"]
        spread = next((s for s in map(read_spread, candidates) if s), None)
        result = compare_metrics(first, second, seeds=spread)
    except ValueError as err:
        fail(err)
    msg.info(f"Seed spread: {spread['n_seeds']} seeds" if spread else "No seed spread: every difference counts")
    for rel, diffs in result.items():
        line(not diffs, f"{rel}: {len(diffs)} differences outside timing fields" if diffs else f"{rel}: same")
        for diff in diffs[:20]:
            print(f"    {diff}")
    total = sum(len(d) for d in result.values())
    real = sum(1 for d in result.values() for x in d if f"({NOISE}:" not in x)
    line(real == 0, f"{total} differences in {len(result)} files, {total - real} of them within seed noise")
    if real:
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
