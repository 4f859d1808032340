"""``custom_ner.MLflowLogger.v1``: a training run's config and curves in MLflow.

A registered spaCy logger that wraps another (the summary logger, which wraps the
console logger), so the console, the JSONL log and the summary stay as they are:

    [training.logger]
    @loggers = "custom_ner.MLflowLogger.v1"

    [training.logger.logger]
    @loggers = "custom_ner.SummaryLogger.v1"
    ...

The store is MLflow's own ``MLFLOW_TRACKING_URI`` (``scripts/train.py --mlflow-uri``
sets it from the project variable ``mlflow_uri``); unset, the logger only runs the inner
one (a plain ``spacy train``, the tests). The URI is not in the config on purpose: it
would end up in every trained pipeline's config.cfg, so tracking would change the
model's bytes (and ship a server's address in the wheel). Tracked, it starts a run in
the ``en_custom_ner`` experiment, logs the resolved config as params and, at every
evaluation, the score, losses and per-label figures with the step number, and writes
the run's id to ``$CUSTOM_NER_MLFLOW_RUN_FILE`` (OUTPUT_DIR/mlflow_run.json): the
``track`` step adds the final figures, artifacts and model to the same run. An
unreachable store is a warning; training goes on untracked. spacy-loggers' MLflow
logger was not used: it logs every value at step 0 and saves the whole pipeline as an
artifact at each new best checkpoint (60 MB a time).

Here too is the store (:func:`connect`), shared with the ``track`` step
(custom_ner/tracking/): tracking never stops the work. A store that cannot be reached
(a server that is down, a SQLite file in a directory that cannot be written) gives one
warning, and the step writes its files as it would without MLflow. HTTP stores get a
short timeout and no retries, so a dead server costs seconds, not minutes of back-off.
"""
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Dict, List, Optional, Tuple, Union

from spacy.language import Language
from spacy.util import dict_to_dot, registry

from ..console import msg
from ..data.files import write_json

EXPERIMENT = "en_custom_ner"
RUN_FILE = "mlflow_run.json"


@dataclass(frozen=True)
class Tracking:
    """Where runs go: the store's URI (``--vars.mlflow_uri``), the experiment, and how
    long a request to a remote store may take."""

    uri: str = "sqlite:///mlflow.db"
    experiment: str = EXPERIMENT
    timeout_s: int = 10


def _quick_http(timeout_s: int) -> None:
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(timeout_s))


def artifact_location(uri: str) -> Optional[str]:
    """Beside a SQLite store, ``mlruns/`` (under the project, whatever the working
    directory); a server's own default otherwise."""
    if uri.startswith("sqlite:///"):
        return (Path(uri[len("sqlite:///"):]).resolve().parent / "mlruns").as_uri()
    return None


def connect(tracking: Tracking) -> Optional[Any]:
    """An ``MlflowClient`` on ``tracking.uri`` with the experiment made, or None (and a
    warning) when the store cannot be reached or MLflow is not installed."""
    try:
        import mlflow
        from mlflow.tracking import MlflowClient
    except ImportError as err:  # a user who removed it: the files are still written
        msg.warn(f"MLflow tracking off: {err}")
        return None
    _quick_http(tracking.timeout_s)
    try:
        mlflow.set_tracking_uri(tracking.uri)
        mlflow.set_registry_uri(tracking.uri)
        client = MlflowClient(tracking_uri=tracking.uri, registry_uri=tracking.uri)
        if client.get_experiment_by_name(tracking.experiment) is None:
            client.create_experiment(tracking.experiment, artifact_location=artifact_location(tracking.uri))
        return client
    except Exception as err:  # noqa: BLE001  any failure of the store is a warning, never the step's end
        msg.warn(f"MLflow tracking store {tracking.uri} cannot be reached, nothing tracked: "
                 f"{type(err).__name__}: {str(err)[:300]}")
        return None


def experiment_id(client: Any, tracking: Tracking) -> str:
    return client.get_experiment_by_name(tracking.experiment).experiment_id


LogStep = Callable[[Optional[Dict[str, Any]]], None]
Setup = Callable[[Language, IO, IO], Tuple[LogStep, Callable[[], None]]]
MAX_PARAM = 6000  # MLflow's limit on a param's value


def config_params(nlp: Language) -> Dict[str, str]:
    """The resolved training config as params (``training.dropout``: ``0.1``)."""
    params = dict_to_dot(nlp.config.interpolate())
    return {key.replace("@", ""): str(value)[:MAX_PARAM] for key, value in params.items()}


def step_metrics(info: Dict[str, Any]) -> Dict[str, float]:
    """An evaluation's figures: score, losses, and every numeric dev score."""
    metrics = {"score": info["score"], **{f"loss_{k}": v for k, v in info["losses"].items()}}
    for key, value in dict_to_dot(info.get("other_scores") or {}).items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            metrics[key] = value
    metrics["words"] = info["words"]
    return {k: float(v) for k, v in metrics.items() if v is not None}


def write_run_file(run_file: Union[str, Path], tracking: Tracking, run_id: str) -> None:
    write_json(run_file, {"tracking_uri": tracking.uri, "experiment": tracking.experiment, "run_id": run_id})


def log_batch(client: Any, run_id: str, **kwargs: List[Any]) -> None:
    """At most 1000 metrics and 100 params a request (MLflow's batch limits)."""
    for key, limit in (("metrics", 1000), ("params", 100), ("tags", 100)):
        items = kwargs.get(key, [])
        for i in range(0, len(items), limit):
            client.log_batch(run_id, **{key: items[i : i + limit]})


URI_ENV = "MLFLOW_TRACKING_URI"
RUN_FILE_ENV = "CUSTOM_NER_MLFLOW_RUN_FILE"


@registry.loggers("custom_ner.MLflowLogger.v1")
def mlflow_logger(logger: Optional[Setup] = None, experiment: str = Tracking.experiment) -> Setup:
    """``logger`` (default: spacy.ConsoleLogger.v3) plus MLflow tracking to ``$MLFLOW_TRACKING_URI``."""
    inner = logger if logger is not None else registry.loggers.get("spacy.ConsoleLogger.v3")()

    def setup(nlp: Language, stdout: IO = sys.stdout, stderr: IO = sys.stderr) -> Tuple[LogStep, Callable[[], None]]:
        log_step, finalize = inner(nlp, stdout, stderr)
        tracking_uri, run_file = os.environ.get(URI_ENV), os.environ.get(RUN_FILE_ENV)
        if not tracking_uri:
            return log_step, finalize
        tracking = Tracking(uri=tracking_uri, experiment=experiment)
        client = connect(tracking)
        if client is None:
            return log_step, finalize
        from mlflow.entities import Metric, Param

        name = Path(run_file).parent.name if run_file else None  # training/cpu -> "cpu"
        try:
            run_id = client.create_run(experiment_id(client, tracking), run_name=name).info.run_id
            log_batch(client, run_id, params=[Param(k, v) for k, v in sorted(config_params(nlp).items())])
        except Exception as err:  # noqa: BLE001  a store that answers but fails: train untracked
            msg.warn(f"MLflow run not started, training untracked: {type(err).__name__}: {str(err)[:300]}")
            return log_step, finalize
        if run_file:
            write_run_file(run_file, tracking, run_id)
        msg.info(f"MLflow run {run_id} in {tracking.uri} (experiment {experiment})")
        state = {"ok": True}

        def step(info: Optional[Dict[str, Any]]) -> None:
            log_step(info)
            if info is None or not state["ok"]:
                return
            now = int(time.time() * 1000)
            metrics = [Metric(k, v, now, info["step"]) for k, v in step_metrics(info).items()]
            try:
                log_batch(client, run_id, metrics=metrics)
            except Exception as err:  # noqa: BLE001  a store that goes away mid-run: keep training
                state["ok"] = False
                msg.warn(f"MLflow stopped answering; the rest of the curves are not tracked: {err}")

        def done() -> None:
            finalize()
            try:
                client.set_terminated(run_id, "FINISHED")
            except Exception as err:  # noqa: BLE001
                msg.warn(f"MLflow run {run_id} not closed: {err}")

        return step, done

    return setup
