"""``custom_ner.SummaryLogger.v1``: what a training run did, recorded by a registered logger.

spaCy's console logger prints and writes the JSONL log but does not keep the number
of words the loop has seen; this logger wraps it (or any other logger) and writes
steps, epochs, words, the best dev score, the loop's seconds and words/s to
``summary_file`` when training ends, so reported training speeds are measured:

    [training.logger]
    @loggers = "custom_ner.SummaryLogger.v1"
    summary_file = ${paths.train_summary}

    [training.logger.logger]
    @loggers = "spacy.ConsoleLogger.v3"
    output_file = ${paths.train_log}

spaCy hands a logger the loop's figures at every evaluation, so ``words`` and
``epochs`` are those of the last evaluation; ``steps`` is counted at every step. A
run ends on an evaluation step whenever max_steps and patience are multiples of
eval_frequency, as in every config here.
"""
import sys
import time
from pathlib import Path
from typing import IO, Any, Callable, Dict, Optional, Tuple, Union

from spacy.language import Language
from spacy.util import registry

from ..data.files import write_json

LogStep = Callable[[Optional[Dict[str, Any]]], None]
Setup = Callable[[Language, IO, IO], Tuple[LogStep, Callable[[], None]]]


@registry.loggers("custom_ner.SummaryLogger.v1")
def summary_logger(logger: Optional[Setup] = None, summary_file: Optional[Union[str, Path]] = None) -> Setup:
    """``logger`` (default: spacy.ConsoleLogger.v3) plus the run's summary in ``summary_file``."""
    inner = logger if logger is not None else registry.loggers.get("spacy.ConsoleLogger.v3")()

    def setup(nlp: Language, stdout: IO = sys.stdout, stderr: IO = sys.stderr) -> Tuple[LogStep, Callable[[], None]]:
        log_step, finalize = inner(nlp, stdout, stderr)
        seen: Dict[str, Any] = {"steps": -1, "epochs": 0, "words": 0, "best_dev_score": None}
        start = time.perf_counter()

        def step(info: Optional[Dict[str, Any]]) -> None:
            log_step(info)
            seen["steps"] += 1  # called once per step, with the figures only at evaluations
            if info is not None:
                seen.update(epochs=info["epoch"], words=info["words"])
                score = float(info["score"])
                best = seen["best_dev_score"]
                seen["best_dev_score"] = score if best is None else max(best, score)

        def done() -> None:
            finalize()
            if summary_file:
                seconds = time.perf_counter() - start
                summary = {**seen, "steps": max(seen["steps"], 0), "seconds": round(seconds, 1),
                           "words_per_second": round(seen["words"] / seconds, 1) if seconds else 0.0}
                write_json(summary_file, summary)

        return step, done

    return setup
