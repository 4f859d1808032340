"""Training runs: spaCy's own ``train`` on a config, and a summary of what it cost.

The configs log through ``custom_ner.SummaryLogger.v1`` (training/logger.py), which
records steps, words and the best dev score; :func:`train` points it at
OUTPUT_DIR/train_summary.json and adds how the run was started (config, overrides,
device). Transformer components train with mixed precision off on CPU (a CUDA
feature), and a stale JSONL log is removed first: spaCy's ConsoleLogger.v3 silently
stops logging when its output file already exists.
"""
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Union

import srsly
from spacy import util
from spacy.cli.train import train as spacy_train
from weasel.util import parse_config_overrides

from ..data.files import write_json
from ..device import choose_device
from . import corpus, logger  # noqa: F401  registers the reader and the logger the configs name
from .mlflow_logger import RUN_FILE, RUN_FILE_ENV, URI_ENV  # also registers custom_ner.MLflowLogger.v1
from .transformer import cpu_overrides

SUMMARY = "train_summary.json"


def config_overrides(args: List[str], max_steps: int = 0, eval_frequency: int = 0, pairs: str = "") -> Dict[str, Any]:
    """``--section.key value`` arguments as config overrides, as ``spacy train`` reads them;
    ``pairs`` adds space-separated ``section.key=value`` overrides (a project variable
    cannot hold them as options: weasel strips every ``--`` from a variable's value);
    ``max_steps``/``eval_frequency`` other than 0 override the training section."""
    overrides = parse_config_overrides(args + [f"--{pair}" for pair in pairs.split()])
    if max_steps:
        overrides["training.max_steps"] = max_steps
    if eval_frequency:
        overrides["training.eval_frequency"] = eval_frequency
    return overrides


def _output_files(section: Dict[str, Any]) -> Iterator[str]:
    """Every ``output_file`` of a (possibly nested) logger config."""
    for key, value in section.items():
        if key == "output_file" and value:
            yield value
        elif isinstance(value, dict):
            yield from _output_files(value)


@contextmanager
def tracking_env(mlflow_uri: str, run_file: Path) -> Iterator[None]:
    """MLflow's tracking URI and our run file for the config's logger, while training runs."""
    saved = {k: os.environ.get(k) for k in (URI_ENV, RUN_FILE_ENV)}
    if mlflow_uri:
        os.environ[URI_ENV] = mlflow_uri
    if os.environ.get(URI_ENV):
        os.environ[RUN_FILE_ENV] = str(run_file)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def train(
    config_path: Union[str, Path],
    output_dir: Union[str, Path],
    gpu_id: int = -1,
    overrides: Optional[Dict[str, Any]] = None,
    *,
    mlflow_uri: str = "",
) -> Dict[str, Any]:
    """Train ``config_path`` into ``output_dir`` on GPU ``gpu_id`` (CPU if there is none);
    returns the summary it writes to ``output_dir/train_summary.json``. With ``mlflow_uri``
    the config's MLflow logger tracks the run there (its id: output_dir/mlflow_run.json)."""
    use_gpu = choose_device(gpu_id)
    overrides = dict(overrides or {})
    config = util.load_config(config_path, overrides=overrides, interpolate=True)
    if use_gpu < 0:
        overrides.update(cpu_overrides(config))
    summary_file = Path(output_dir) / SUMMARY
    if "train_summary" in config["paths"]:
        overrides["paths.train_summary"] = str(summary_file)
    log_files = list(_output_files(config["training"]["logger"]))
    for log_file in log_files:
        Path(log_file).unlink(missing_ok=True)
    summary_file.unlink(missing_ok=True)
    run_file = Path(output_dir) / RUN_FILE
    run_file.unlink(missing_ok=True)  # a run file left by an earlier, tracked run would name the wrong run
    with tracking_env(mlflow_uri, run_file):
        spacy_train(config_path, output_dir, use_gpu=use_gpu, overrides=overrides)
    loop = srsly.read_json(summary_file) if summary_file.exists() else {}
    summary = {
        "config": str(config_path),
        "overrides": {k: v for k, v in overrides.items() if k != "paths.train_summary"},
        "gpu_id": use_gpu,
        "device": "gpu" if use_gpu >= 0 else "cpu",
        **{k: loop.get(k) for k in ("seconds", "steps", "epochs", "words", "words_per_second", "best_dev_score")},
        "log_file": log_files[0] if log_files else None,
    }
    write_json(summary_file, summary)
    return summary
