"""Running a pipeline over many texts: what a text's result is, and the local engine.

Both engines (local processes here, Spark in :mod:`custom_ner.apps.spark`) turn each
text into a :class:`Result` with :func:`annotate_texts`, so they write the same bytes
for the same input.
"""
import multiprocessing
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from ..data.texts import Record
from ..loading import load_pipeline

Spans = List[Dict[str, Any]]


@dataclass
class Result:
    """What the model found in one text: its token count and its entity spans."""

    n_words: int
    spans: Spans


def doc_spans(doc: Any) -> Spans:
    """Prodigy-style spans of ``doc.ents``; ``kb_id`` only where the linker set one."""
    spans = []
    for ent in doc.ents:
        span = {"start": ent.start_char, "end": ent.end_char, "label": ent.label_, "text": ent.text}
        if ent.kb_id_:
            span["kb_id"] = ent.kb_id_
        spans.append(span)
    return spans


def annotate_texts(nlp: Any, texts: Sequence[str], batch_size: int) -> List[Result]:
    return [Result(len(doc), doc_spans(doc)) for doc in nlp.pipe(texts, batch_size=batch_size)]


_WORKER_NLP: Any = None
_WORKER_ERROR: Optional[BaseException] = None


def _init_worker(model: str) -> None:
    # an initializer that raises makes multiprocessing.Pool restart workers forever:
    # keep the error and raise it from the first task, where the parent sees it
    global _WORKER_NLP, _WORKER_ERROR
    try:
        _WORKER_NLP = load_pipeline(model)
    except Exception as err:  # noqa: BLE001
        _WORKER_ERROR = err


def _worker_chunk(args: Tuple[List[str], int]) -> List[Result]:
    if _WORKER_ERROR is not None:
        raise _WORKER_ERROR
    texts, batch_size = args
    return annotate_texts(_WORKER_NLP, texts, batch_size)


def chunks(records: Iterable[Record], size: int) -> Iterator[List[Record]]:
    chunk: List[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_local(
    records: Iterable[Record],
    model: str,
    batch_size: int,
    n_process: int,
    chunk_size: int = 0,
) -> Iterator[Tuple[List[Record], List[Result]]]:
    """Annotate in this process or in ``n_process`` worker processes, in input order.

    Workers get chunks of texts and send back only spans and token counts (not
    Docs, as ``nlp.pipe(n_process=...)`` would), which is what lets two processes
    run nearly twice as fast as one.
    """
    chunk_size = chunk_size or batch_size * 4
    if n_process <= 1:
        nlp = load_pipeline(model)
        for chunk in chunks(records, chunk_size):
            yield chunk, annotate_texts(nlp, [r.text for r in chunk], batch_size)
        return
    # spawn: no fork of a parent that may hold torch threads or a loaded model
    ctx = multiprocessing.get_context("spawn")
    in_flight = threading.BoundedSemaphore(n_process * 4)  # the pool would read the whole input ahead
    with ctx.Pool(n_process, initializer=_init_worker, initargs=(model,)) as pool:
        pending: deque = deque()

        def work() -> Iterator[Tuple[List[str], int]]:
            for chunk in chunks(records, chunk_size):
                in_flight.acquire()
                pending.append(chunk)
                yield [r.text for r in chunk], batch_size

        for results in pool.imap(_worker_chunk, work()):
            in_flight.release()
            yield pending.popleft(), results
