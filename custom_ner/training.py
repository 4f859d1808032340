"""Training with a summary of what it cost: seconds, steps, words and words/s.

spaCy's loop knows how many words it has seen but its console logger does not
record them; ``train`` wraps the loop's generator to read them as they pass, so
reported training speeds are measured, not estimated.
"""
import time
from pathlib import Path
from typing import Any, Dict, Optional, Union

import srsly
import spacy.training.loop as loop
from spacy import util
from spacy.cli.train import train as spacy_train
from thinc.api import prefer_gpu

from .transformer import cpu_overrides


def choose_device(gpu_id: int) -> int:
    """The GPU id to train on, or -1: a GPU id on a machine without one falls back to CPU."""
    if gpu_id < 0:
        return -1
    return gpu_id if prefer_gpu(gpu_id) else -1


def train(
    config_path: Union[str, Path],
    output_dir: Union[str, Path],
    use_gpu: int = -1,
    overrides: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Run ``spacy train`` and write ``output_dir/train_summary.json``.

    A stale JSONL training log is removed first: spaCy's ConsoleLogger.v3
    silently stops logging when its output file already exists. On CPU,
    transformer components train with mixed precision off (a CUDA feature).
    """
    overrides = dict(overrides or {})
    config = util.load_config(config_path, overrides=overrides, interpolate=True)
    if use_gpu < 0:
        overrides.update(cpu_overrides(config))
    output = config["training"]["logger"].get("output_file")
    log_file = Path(output) if output else None
    if log_file is not None and log_file.exists():
        log_file.unlink()
    seen: Dict[str, Any] = {}
    original = loop.train_while_improving

    def counting(*args, **kwargs):
        for batch, info, is_best_checkpoint in original(*args, **kwargs):
            seen.update(step=info["step"], epoch=info["epoch"], words=info["words"])
            if info.get("score") is not None and is_best_checkpoint is not None:
                seen["best_score"] = max(seen.get("best_score", 0.0), float(info["score"]))
            yield batch, info, is_best_checkpoint

    start = time.perf_counter()
    loop.train_while_improving = counting
    try:
        spacy_train(config_path, output_dir, use_gpu=use_gpu, overrides=overrides)
    finally:
        loop.train_while_improving = original
    seconds = time.perf_counter() - start
    summary = {
        "config": str(config_path),
        "overrides": {k: v for k, v in overrides.items()},
        "gpu_id": use_gpu,
        "device": "gpu" if use_gpu >= 0 else "cpu",
        "seconds": round(seconds, 1),
        "steps": seen.get("step", 0),
        "epochs": seen.get("epoch", 0),
        "words": seen.get("words", 0),
        "words_per_second": round(seen.get("words", 0) / seconds, 1) if seconds else 0.0,
        "best_dev_score": seen.get("best_score"),
        "log_file": str(log_file) if log_file else None,
    }
    srsly.write_json(Path(output_dir) / "train_summary.json", summary)
    return summary
