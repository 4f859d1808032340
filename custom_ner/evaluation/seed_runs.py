"""Training one configuration with several seeds: each run trained as ``train-cpu``
trains, given the TICKER linker as the shipped model has it, and scored
(:func:`score_run`); the spread is computed in seeds.py.
"""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Union

from spacy.training import Example

from ..data.docs import read_docbin
from ..loading import load_pipeline
from ..ticker.assemble import add_linker
from ..training.run import train
from .external import scored_prediction
from .scoring import ner_scores
from .seeds import ALL, METRICS, Figures


def score_run(model: Union[str, Path], data: Mapping[str, Path], external: Mapping[str, Path],
              mapping: Dict[str, Any], labels: Sequence[str], batch_size: int = 256) -> Figures:
    """P, R and F of ``model`` on every set, overall (``all``) and per label the set's
    gold holds (a label without gold has no recall); ``external`` sets are scored with ``mapping``."""
    nlp = load_pipeline(model)
    figures: Figures = {}
    for name, path in [*data.items(), *external.items()]:
        gold = read_docbin(path, nlp.vocab)
        predicted = list(nlp.pipe((g.text for g in gold), batch_size=batch_size))
        if name in external:
            predicted = [scored_prediction(doc, mapping, "iob2") for doc in predicted]
        result = ner_scores([Example(p, g) for p, g in zip(predicted, gold)], labels)
        figures[name] = {ALL: {m: result[m] for m in METRICS}}
        for label, row in result["per_label"].items():
            if row["support"]:
                figures[name][label] = {m: row[m] for m in METRICS}
    return figures


@dataclass(frozen=True)
class SeedOptions:
    """One configuration trained per seed: how to train, link and score each run."""

    config: Path
    out_dir: Path
    symbols: Path
    data: Mapping[str, Path] = field(default_factory=dict)
    external: Mapping[str, Path] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    mapping: Mapping[str, Any] = field(default_factory=dict)
    labels: Sequence[str] = ()
    mlflow_uri: str = ""  # each seed's training tracked there (empty: not tracked)


def seed_run(options: SeedOptions, seed: int) -> Dict[str, Any]:
    """Train ``options.config`` with ``seed`` into OUT_DIR/s<seed>, add the TICKER
    linker (as the shipped model has it) and score it; one entry of ``seeds``."""
    run_dir = Path(options.out_dir) / f"s{seed}"
    overrides = {**options.overrides, "system.seed": seed, "paths.train_log": str(run_dir / "train_log.jsonl")}
    summary = train(options.config, run_dir, -1, overrides, mlflow_uri=options.mlflow_uri)
    add_linker(run_dir / "model-best", run_dir / "model-linked", options.symbols)
    figures = score_run(run_dir / "model-linked", options.data, options.external, dict(options.mapping),
                        options.labels)
    return {"seed": seed, "model": str(run_dir / "model-linked"), "steps": summary.get("steps"),
            "best_dev_score": summary.get("best_dev_score"), "figures": figures}


def train_seeds(options: SeedOptions, seeds: Sequence[int], jobs: int = 1) -> List[Dict[str, Any]]:
    """:func:`seed_run` for every seed, ``jobs`` at a time in their own processes
    (each training uses one core); the runs in seed order."""
    if jobs <= 1:
        return [seed_run(options, seed) for seed in seeds]
    # spawn: every run starts from a fresh interpreter, as a `train-cpu` step does
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(seed_run, [options] * len(seeds), seeds))
