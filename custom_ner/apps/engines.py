"""Running a pipeline over many texts: what a text's result is, a pipeline for long
runs, and the local engine.

Both engines (local processes here, Spark in :mod:`custom_ner.apps.spark`) and the
REST service turn each text into a :class:`Result` with :func:`annotate_texts`, so
they write the same bytes for the same input, and all three run the pipeline through
a :class:`PipelineRunner`, whose memory does not grow with the words it sees.
"""
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from ..formats.texts import Record
from ..loading import load_pipeline, model_labels
from .memory import rss_mb

Spans = List[Dict[str, Any]]
logger = logging.getLogger("custom_ner.engines")


@dataclass
class Result:
    """What the model found in one text: its token count and its entity spans."""

    n_words: int
    spans: Spans


def doc_spans(doc: Any) -> Spans:
    """Prodigy-style spans of ``doc.ents``; ``kb_id`` only where the linker set one,
    ``score`` (``ent._.confidence``) only where the pipeline has confidences."""
    spans = []
    for ent in doc.ents:
        span = {"start": ent.start_char, "end": ent.end_char, "label": ent.label_, "text": ent.text}
        if ent.kb_id_:
            span["kb_id"] = ent.kb_id_
        score = ent._.confidence if ent.has_extension("confidence") else None
        if score is not None:
            span["score"] = round(float(score), 4)
        spans.append(span)
    return spans


def keep_confident(results: Sequence["Result"], min_confidence: float) -> List["Result"]:
    """``results`` without the spans scored below ``min_confidence`` (spans without a
    score are kept: the pipeline has no confidences to threshold)."""
    if min_confidence <= 0:
        return list(results)
    return [Result(r.n_words, [s for s in r.spans if s.get("score", 1.0) >= min_confidence]) for r in results]


def keep_confident_ents(doc: Any, min_confidence: float) -> None:
    """Drop from ``doc.ents`` the entities :func:`keep_confident` leaves out, so the demo
    hides exactly what ``annotate --min-confidence`` and the service leave out."""
    kept = keep_confident([Result(len(doc), doc_spans(doc))], min_confidence)[0].spans
    offsets = {(s["start"], s["end"]) for s in kept}
    doc.ents = [e for e in doc.ents if (e.start_char, e.end_char) in offsets]


def annotate_texts(nlp: Any, texts: Sequence[str], batch_size: int) -> List[Result]:
    """The results of ``texts``, computed inside a memory zone: the strings and lexemes
    of words the pipeline had not seen are freed again when the batch is done (the
    Docs do not outlive the zone; only plain spans leave it)."""
    with nlp.memory_zone():
        return [Result(len(doc), doc_spans(doc)) for doc in nlp.pipe(texts, batch_size=batch_size)]


RELOAD_AFTER = 100_000


def own_rss_mb() -> float:
    """This process's resident memory in MB (0 where /proc is missing)."""
    try:
        return rss_mb(os.getpid())
    except OSError:
        return 0.0


def settle_memory() -> None:
    """After loading or dropping a pipeline: collect the garbage, freeze what is left
    and give freed memory back to the system.

    Freezing (``gc.freeze``) moves the pipeline's ~450,000 objects out of the garbage
    collector's sight. Without it every full collection walks them: 295 ms with
    en_custom_ner loaded, a pause that every request in flight waits for (the long
    tail of the service's latency). ``malloc_trim`` returns the pages glibc keeps after
    a dropped pipeline is freed; without it RSS never comes down after a reload.
    """
    gc.unfreeze()  # the dropped pipeline's objects were frozen too: let the collector free them
    gc.collect()
    gc.freeze()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def warm_tokenizer(nlp: Any) -> Any:
    """Fill the tokenizer's cache with the words the pipeline knows, outside any memory
    zone, and return ``nlp``. Inside a zone spaCy's tokenizer caches nothing (an entry
    would point at lexemes freed with the zone), so without this every word is split
    by the affix rules again each time it comes. Bounded: one entry per known string."""
    for string in list(nlp.vocab.strings):
        if 0 < len(string) <= 40 and not any(c.isspace() for c in string):
            nlp.tokenizer(string)
    return nlp


class PipelineRunner:
    """A pipeline for a long-running job: batches run in memory zones, and a fresh copy
    of the pipeline replaces it once its vocabulary has taken in ``reload_after`` words.

    Why both: a memory zone frees what a batch's new words added, but spaCy's lookup
    tables (preshed maps) never shrink. A freed entry leaves a tombstone and the
    tables keep doubling as new words arrive: +15 % RSS over 200,000 texts of random
    words even inside zones (the soak test's figures are in docs/apps.md).
    ``len(nlp.vocab)`` counts every lexeme ever added, so it says when the tables
    have grown. ``background=True`` loads the copy in a thread and swaps it
    in between batches (the service keeps answering meanwhile); otherwise the reload
    happens in line (batch jobs). ``reload_after=0`` never reloads. Made for processes
    whose job this is (the service, a batch job, a worker): after every load it
    freezes the whole process's garbage collector (:func:`settle_memory`).
    """

    def __init__(self, load: Callable[[], Any], reload_after: int = RELOAD_AFTER, background: bool = False,
                 nlp: Any = None) -> None:
        self.load = load
        self.reload_after = reload_after
        self.background = background
        self.nlp = warm_tokenizer(nlp if nlp is not None else load())
        settle_memory()
        self.reloads = 0
        self.settled_mb: List[float] = []
        self._base = len(self.nlp.vocab)
        self._next: Optional[Any] = None
        self._loading: Optional[threading.Thread] = None

    def __call__(self, texts: Sequence[str], batch_size: int) -> List[Result]:
        if self._next is not None:
            self._swap(self._next)
        results = annotate_texts(self.nlp, texts, batch_size)
        if self.reload_after and len(self.nlp.vocab) - self._base >= self.reload_after and self._loading is None:
            if self.background:
                self._loading = threading.Thread(target=self._load_next, name="custom_ner-reload", daemon=True)
                self._loading.start()
            else:
                self._swap(warm_tokenizer(self.load()))
        return results

    def _load_next(self) -> None:
        try:
            self._next = warm_tokenizer(self.load())
        except Exception as err:  # noqa: BLE001  keep serving with the old copy; try again later
            logger.warning("could not reload the pipeline (%s); trying again after %d more words", err,
                           self.reload_after)
            self._base, self._loading = len(self.nlp.vocab), None

    def _swap(self, nlp: Any) -> None:
        self.nlp, self._next, self._loading = nlp, None, None
        self._base = len(nlp.vocab)
        self.reloads += 1
        settle_memory()
        self.settled_mb.append(own_rss_mb())

    def growth(self) -> float:
        """How far this process's RSS right after its latest reload lies above its RSS
        right after the first one (a fraction; 0 before the second reload). Taken when
        only one pipeline is held and freed memory has been trimmed, it is the floor that
        allocator fragmentation raises, not the passing peak of a reload."""
        return self.settled_mb[-1] / self.settled_mb[0] - 1 if len(self.settled_mb) > 1 else 0.0


def pipeline_info(nlp: Any, name: str) -> Dict[str, Any]:
    """What the service's ``/model`` says of a pipeline: name, version, components, labels, scores."""
    meta = nlp.meta
    performance = meta.get("performance") or {}
    scores = {k: v for k, v in performance.items() if k.startswith("ents_")}
    return {"name": f"{meta.get('lang', '')}_{meta.get('name', '')}", "loaded_from": name,
            "version": meta.get("version"), "spacy_version": meta.get("spacy_version"),
            "pipeline": list(nlp.pipe_names), "labels": model_labels(nlp), "scores": scores}


def _serve_worker(conn: Any, model: str, reload_after: int) -> None:
    """A worker process's loop: load ``model`` into a :class:`PipelineRunner` (saying
    "ready" with its description, or "failed"), then answer each ``(texts, batch_size)``
    with ``("ok", results, growth)`` until ``None`` or the parent's end of the pipe closes
    (``growth``: :meth:`PipelineRunner.growth`)."""
    # the parent decides when to stop: Ctrl-C at a terminal reaches the whole process
    # group, and a draining service still needs its worker for the requests in flight
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        runner = PipelineRunner(lambda: load_pipeline(model), reload_after, background=True)
        conn.send(("ready", pipeline_info(runner.nlp, model)))
    except Exception as err:  # noqa: BLE001  the parent raises it
        conn.send(("failed", f"{type(err).__name__}: {err}"))
        return
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the parent is gone
            return
        if request is None:
            return
        texts, batch_size = request
        try:
            conn.send(("ok", runner(texts, batch_size), runner.growth()))
        except Exception as err:  # noqa: BLE001  one bad batch must not end the worker
            conn.send(("error", f"{type(err).__name__}: {err}"))


class WorkerProcess:
    """One :class:`PipelineRunner` in a child process (spawned: a fresh interpreter),
    ready once its constructor returns. ``run`` sends texts and returns their results
    and how far the worker's settled RSS has grown (:meth:`PipelineRunner.growth`)."""

    def __init__(self, model: str, reload_after: int = RELOAD_AFTER, start_timeout: float = 600) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve_worker, args=(child, model, reload_after), name="custom_ner-worker",
                                   daemon=True)
        self.process.start()
        child.close()
        if not self.conn.poll(start_timeout):
            self.stop()
            raise RuntimeError(f"the worker process did not load {model} within {start_timeout:.0f} s")
        try:
            status, detail = self.conn.recv()
        except EOFError:
            self.process.join(5)
            raise RuntimeError(f"the worker process for {model} died while loading "
                               f"(exit code {self.process.exitcode})") from None
        if status != "ready":
            self.stop()
            raise OSError(detail)
        self.info: Dict[str, Any] = detail
        self.pid = self.process.pid

    def run(self, texts: Sequence[str], batch_size: int) -> Tuple[List[Result], float]:
        try:
            self.conn.send((list(texts), batch_size))
            status, *answer = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(5)
            raise RuntimeError(f"the worker process {self.pid} died (exit code {self.process.exitcode})") from None
        if status != "ok":
            raise RuntimeError(answer[0])
        return answer[0], answer[1]

    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.conn.close()


MAX_GROWTH = 0.03


class ProcessRunner:
    """A :class:`PipelineRunner` in a worker process that is *replaced* by a fresh one
    once its settled RSS (right after a reload) has grown ``max_growth`` (a fraction)
    over what it was after the first reload (uWSGI's reload-on-rss, for the same reason).

    Why: memory zones free what a batch adds and the runner's reloads drop spaCy's
    grown lookup tables, but not every page of a dropped pipeline comes back. CPython's
    small-object allocator keeps each 1 MiB arena that any live object still sits in,
    and a pipeline's strings, lexemes and tables are spread over thousands of them:
    with every reload a few more arenas stayed while live memory stayed flat (the
    soak test's RSS rose about 0.2 KB per text of new words; docs/apps.md). A process
    that exits returns everything. A worker costs what its interpreter imports (spaCy
    imports torch: about 550 MB) plus the model, so replacing it is kept rare: the
    next worker loads in a thread and is swapped in between batches (callers keep
    being answered; for those seconds two workers exist). A worker that dies fails the
    batch it had and is replaced for the next one. ``max_growth=0`` never replaces it.
    """

    def __init__(self, model: str, reload_after: int = RELOAD_AFTER, max_growth: float = MAX_GROWTH) -> None:
        self.model = model
        self.reload_after = reload_after
        self.max_growth = max_growth
        self.worker = WorkerProcess(model, reload_after)
        self.info = self.worker.info
        self.replaced = 0
        self._next: Optional[WorkerProcess] = None
        self._loading: Optional[threading.Thread] = None

    def __call__(self, texts: Sequence[str], batch_size: int) -> List[Result]:
        if self._next is not None:
            self._swap()
        if not self.worker.alive():
            logger.warning("worker process %s is gone: starting a new one", self.worker.pid)
            self.worker.stop()
            self.worker = WorkerProcess(self.model, self.reload_after)
        results, growth = self.worker.run(texts, batch_size)
        if self.max_growth and growth >= self.max_growth and self._loading is None:
            self._loading = threading.Thread(target=self._load_next, name="custom_ner-replace", daemon=True)
            self._loading.start()
        return results

    def _load_next(self) -> None:
        try:
            self._next = WorkerProcess(self.model, self.reload_after)
        except Exception as err:  # noqa: BLE001  keep serving with the old worker; the next batch tries again
            logger.warning("could not start a new worker (%s); keeping worker %s", err, self.worker.pid)
            self._loading = None

    def _swap(self) -> None:
        old, self.worker = self.worker, self._next
        self._next, self._loading = None, None
        self.replaced += 1
        old.stop()

    def close(self) -> None:
        if self._loading is not None:
            self._loading.join()
        for worker in (self.worker, self._next):
            if worker is not None:
                worker.stop()


_WORKER_NLP: Any = None
_WORKER_ERROR: Optional[BaseException] = None


def _init_worker(model: str, reload_after: int) -> None:
    # an initializer that raises makes multiprocessing.Pool restart workers forever:
    # keep the error and raise it from the first task, where the parent sees it
    global _WORKER_NLP, _WORKER_ERROR
    try:
        _WORKER_NLP = PipelineRunner(lambda: load_pipeline(model), reload_after)
    except Exception as err:  # noqa: BLE001
        _WORKER_ERROR = err


def _worker_chunk(args: Tuple[List[str], int]) -> List[Result]:
    if _WORKER_ERROR is not None:
        raise _WORKER_ERROR
    texts, batch_size = args
    return _WORKER_NLP(texts, batch_size)


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
    reload_after: int = RELOAD_AFTER,
) -> Iterator[Tuple[List[Record], List[Result]]]:
    """Annotate in this process or in ``n_process`` worker processes, in input order.

    Workers get chunks of texts and send back only spans and token counts (not
    Docs, as ``nlp.pipe(n_process=...)`` would), which is what lets two processes
    run nearly twice as fast as one. At most ``n_process * 4`` chunks are in flight,
    so memory stays flat however long the input is.
    """
    chunk_size = chunk_size or batch_size * 4
    if n_process <= 1:
        runner = PipelineRunner(lambda: load_pipeline(model), reload_after)
        for chunk in chunks(records, chunk_size):
            yield chunk, runner([r.text for r in chunk], batch_size)
        return
    # spawn: no fork of a parent that may hold torch threads or a loaded model
    ctx = multiprocessing.get_context("spawn")
    in_flight = threading.BoundedSemaphore(n_process * 4)  # the pool would read the whole input ahead
    with ctx.Pool(n_process, initializer=_init_worker, initargs=(model, reload_after)) as pool:
        pending: deque = deque()

        def work() -> Iterator[Tuple[List[str], int]]:
            for chunk in chunks(records, chunk_size):
                in_flight.acquire()
                pending.append(chunk)
                yield [r.text for r in chunk], batch_size

        for results in pool.imap(_worker_chunk, work()):
            in_flight.release()
            yield pending.popleft(), results
