"""Track a finished run in MLflow: figures, tags, artifacts, the pyfunc model, the gate.

    python scripts/track.py metrics/report.json packages/en_custom_ner-1.0.0 WHEEL
        --mlflow-uri sqlite:///mlflow.db --run-file training/cpu/mlflow_run.json [--promote gate|force|never]

An unreachable tracking store is a warning (exit 0): the files are written as without MLflow.
"""
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.tracking.registry import ALIAS, MODEL_NAME, PROMOTE
from custom_ner.tracking.run import TrackInputs, track
from custom_ner.training.mlflow_logger import Tracking


def main(
    report: Path = typer.Argument(..., exists=True, dir_okay=False, help="metrics/report.json"),
    package_root: Path = typer.Argument(..., exists=True, file_okay=False, help="spacy package output (packages/NAME-VERSION)"),
    wheel: Path = typer.Argument(..., exists=True, dir_okay=False, help="The wheel built from it"),
    mlflow_uri: str = typer.Option(Tracking.uri, help="Tracking store (project variable mlflow_uri)"),
    run_file: Optional[Path] = typer.Option(None, help="The training run's MLflow run file"),
    promote: str = typer.Option("gate", help=f"Move the '{ALIAS}' alias: one of {PROMOTE}"),
) -> None:
    inputs = TrackInputs(report=report, metrics_dir=report.parent, wheel=wheel, package_root=package_root,
                         run_file=run_file)
    try:
        result = track(inputs, Tracking(uri=mlflow_uri), promote)
    except (OSError, ValueError) as err:
        fail(err)
    if not result["tracked"]:
        return
    decision = result["decision"]
    msg.good(f"MLflow run {result['run_id']}: {result['metrics']} metrics, {result['tags']} tags, "
             f"{len(result['artifacts'])} artifacts; {MODEL_NAME} version {decision.version}")
    msg.table([(m, f"{new:.4f}", "—" if old is None else f"{old:.4f}") for m, (new, old) in decision.figures.items()],
              header=("gate figure", "this run", f"{ALIAS} before"), divider=True)
    (msg.good if decision.promoted else msg.warn)(
        f"'{ALIAS}' -> version {decision.version}" if decision.promoted else f"'{ALIAS}' stays on version {decision.champion_before}")
    msg.info(decision.reason)


if __name__ == "__main__":
    typer.run(main)
