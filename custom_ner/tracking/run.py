"""The ``track`` step: a run's final figures, tags, artifacts and model in MLflow.

It continues the MLflow run that training started (its id in ``run_file``, written by
``custom_ner.MLflowLogger.v1``), or starts one when training was not tracked, and adds:
every final figure of the report (figures.py), the git commit and the data checksums as
tags, the report, its plots, ``metrics/*.json`` and the wheel as artifacts, and the
pipeline as a pyfunc model registered as en_custom_ner (registry.py decides whether
the ``champion`` alias moves). An unreachable store is a warning: nothing else changes.
"""
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import srsly

from ..console import msg
from ..training.mlflow_logger import Tracking, connect, experiment_id, log_batch
from .figures import report_metrics
from .registry import register

TAG_LIMIT = 5000


@dataclass(frozen=True)
class TrackInputs:
    """What a finished run left: the report, the metrics directory, the wheel and the
    package directory it was built from, the project (for git and the assets) and the
    training run's MLflow run file."""

    report: Path
    metrics_dir: Path
    wheel: Path
    package_root: Path
    project_dir: Path = Path(".")
    run_file: Optional[Path] = None


def git_tags(project_dir: Path) -> Dict[str, str]:
    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=project_dir, capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    return {"git.commit": commit or "unknown", "git.dirty": str(bool(git("status", "--porcelain", "--untracked-files=no")))}


def data_tags(project_dir: Path) -> Dict[str, str]:
    """``data.<asset path below the data directory>``: its md5 from project.yml."""
    config = srsly.read_yaml(project_dir / "project.yml")
    tags = {}
    for asset in config.get("assets", []):
        if asset.get("checksum"):
            name = str(asset["dest"]).replace("${vars.data_dir}/", "")
            tags[f"data.{name}"] = asset["checksum"]
    return tags


def artifacts(inputs: TrackInputs) -> List[Path]:
    """The report (markdown, JSON, HTML), its plots, every metrics JSON and the wheel."""
    found = sorted(p for p in inputs.metrics_dir.glob("*") if p.suffix in (".md", ".json", ".html") and p.is_file())
    plots = inputs.metrics_dir / "plots"
    return [*found, *([plots] if plots.is_dir() else []), inputs.wheel]


TRACKED = "custom_ner.tracked"


def resume_or_start(client: Any, tracking: Tracking, run_file: Optional[Path]) -> str:
    """The training run's id when ``run_file`` names a run of this store that no ``track``
    has finished yet; a new run otherwise, nested under the training run when there is one
    (training was cached and the report changed: MLflow links a run's metrics to the
    model logged in it, and a second model in one run would repeat them)."""
    training = None
    if run_file is not None and run_file.exists():
        saved = srsly.read_json(run_file)
        if saved.get("tracking_uri") == tracking.uri:
            try:
                training = client.get_run(saved["run_id"])
            except Exception:  # noqa: BLE001  the store was replaced since: a new run
                training = None
    if training is not None and TRACKED not in training.data.tags:
        return training.info.run_id
    tags = {"mlflow.parentRunId": training.info.run_id} if training is not None else {}
    return client.create_run(experiment_id(client, tracking), run_name="track", tags=tags).info.run_id


def track(inputs: TrackInputs, tracking: Tracking = Tracking(), promote: str = "gate") -> Dict[str, Any]:
    """Log ``inputs`` to ``tracking``; what was logged (``tracked`` False, with a warning,
    when the store could not be reached or stopped answering part-way)."""
    client = connect(tracking)
    if client is None:
        return {"tracked": False, "tracking_uri": tracking.uri}
    from mlflow.exceptions import MlflowException  # imported already: connect() gave a client

    try:
        return _track(client, inputs, tracking, promote)
    except (MlflowException, OSError) as err:  # the store went away part-way: the files stand, the step goes on
        # (any other exception is our own bug, not the store's, and fails the step)
        msg.warn(f"MLflow tracking stopped part-way ({tracking.uri}): {type(err).__name__}: {str(err)[:300]}")
        return {"tracked": False, "tracking_uri": tracking.uri, "error": str(err)[:300]}


def _track(client: Any, inputs: TrackInputs, tracking: Tracking, promote: str) -> Dict[str, Any]:
    import mlflow
    from mlflow.entities import Metric, RunTag

    from .pyfunc import log_ner_model

    report = srsly.read_json(inputs.report)
    figures = report_metrics(report)
    run_id = resume_or_start(client, tracking, inputs.run_file)
    tags = {**git_tags(inputs.project_dir), **data_tags(inputs.project_dir), TRACKED: "true"}
    log_batch(client, run_id, metrics=[Metric(k, v, 0, 0) for k, v in sorted(figures.items())],
               tags=[RunTag(k, v[:TAG_LIMIT]) for k, v in sorted(tags.items())])
    logged = []
    for path in artifacts(inputs):
        if path.is_dir():
            client.log_artifacts(run_id, str(path), artifact_path=path.name)
        else:
            client.log_artifact(run_id, str(path), artifact_path="wheel" if path == inputs.wheel else "report")
        logged.append(path.name)
    with mlflow.start_run(run_id=run_id):
        info = log_ner_model(inputs.package_root, inputs.wheel)
    decision = register(client, info.model_uri, figures, promote)
    client.set_terminated(run_id, "FINISHED")
    return {"tracked": True, "tracking_uri": tracking.uri, "run_id": run_id, "metrics": len(figures),
            "tags": len(tags), "artifacts": logged, "model_uri": info.model_uri, "decision": decision}
