"""Inference speed of a pipeline, measured the same way for every model.

Speed claims in the README and the notes come from here, so that two models are
compared on the same texts, batch size and process count, after the same warm-up.
"""
import os
import platform
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from spacy.language import Language

from ..data.docs import read_docbin
from ..data.files import write_json
from ..data.lines import check_file
from ..device import choose_device, device_name
from ..loading import load_pipeline


def measure_speed(
    nlp: Language,
    texts: Sequence[str],
    batch_size: int = 128,
    n_process: int = 1,
    repeats: int = 1,
    warmup: int = 20,
) -> Dict[str, Any]:
    """Time ``nlp.pipe`` over ``texts`` ``repeats`` times after a warm-up pass.

    The warm-up keeps one-off costs (lazy allocation, first-call compilation) out of
    the rate; every repeat is reported because the spread is part of the result.
    It uses the same process count as the timed runs: a parent process that has run
    PyTorch itself cannot fork workers safely (they deadlock).
    """
    if not texts:
        raise ValueError("no texts to measure")
    if batch_size < 1 or n_process < 1 or repeats < 1:
        raise ValueError("batch_size, n_process and repeats must be at least 1")
    list(nlp.pipe(texts[:warmup], batch_size=batch_size, n_process=n_process))
    runs: List[Dict[str, float]] = []
    n_words = 0
    for _ in range(repeats):
        start = time.perf_counter()
        n_words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch_size, n_process=n_process))
        seconds = time.perf_counter() - start
        runs.append({"seconds": seconds, "words_per_second": n_words / seconds, "texts_per_second": len(texts) / seconds})
    rates = [run["words_per_second"] for run in runs]
    return {
        "n_texts": len(texts),
        "n_words": n_words,
        "batch_size": batch_size,
        "n_process": n_process,
        "runs": runs,
        "words_per_second_min": min(rates),
        "words_per_second_max": max(rates),
    }


def benchmark(
    model: Union[str, Path],
    data_path: Union[str, Path],
    *,
    batch_size: int = 128,
    n_process: int = 1,
    repeats: int = 2,
    output: Optional[Union[str, Path]] = None,
    gpu_id: int = -1,
) -> Dict[str, Any]:
    """:func:`measure_speed` of ``model`` on the texts of the DocBin ``data_path``
    (a benchmark, not a test) on GPU ``gpu_id`` (CPU if -1 or none there); the figures
    also go to ``output`` as JSON if given, with the device they were measured on."""
    if gpu_id >= 0 and n_process > 1:
        # worker processes would each need the GPU; spaCy's pipe does not share one
        raise ValueError("n_process must be 1 on a GPU")
    device = choose_device(gpu_id)
    nlp = load_pipeline(model)
    texts = [doc.text for doc in read_docbin(check_file(data_path), nlp.vocab)]
    if not texts:
        raise ValueError(f"{data_path}: no documents")
    result = measure_speed(nlp, texts, batch_size=batch_size, n_process=n_process, repeats=repeats)
    result.update(model=str(model), data=str(data_path), cpus=os.cpu_count(), machine=platform.platform(),
                  device=device_name(device))
    if output is not None:
        write_json(output, result)
    return result
