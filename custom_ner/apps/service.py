"""REST service: ``POST /ents``, ``GET /health``, ``GET /ready``, ``GET /model`` (FastAPI).

Made to run for weeks. The model loads in the background after start-up: ``/health``
(alive) answers at once, ``/ready`` (model loaded, not stopping) only once requests
can be served. Requests are bounded three ways (body bytes 413, texts per request
422, characters per text 422) and every error is a JSON object with ``error`` and
``detail``. Concurrent requests are combined into one ``nlp.pipe`` call by
:class:`Combiner`, run in memory zones by a pipeline that is reloaded as new words come, in a worker
process that is replaced by a fresh one once its RSS has grown ``max_growth``
(:class:`~custom_ner.apps.engines.ProcessRunner`), so memory stays bounded however
many new words arrive. SIGTERM (or Ctrl-C) drains:
requests in flight finish, new ones get 503, and the process exits 0
(:class:`DrainingServer`).
"""
import asyncio
import logging
import queue
import threading
import time
from concurrent.futures import Future
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException
from typing_extensions import Annotated
import uvicorn

from ..formats.texts import text_problem
from .engines import MAX_GROWTH, RELOAD_AFTER, PipelineRunner, ProcessRunner, Result, keep_confident, pipeline_info

logger = logging.getLogger("custom_ner.service")


@dataclass(frozen=True)
class Limits:
    max_texts: int = 128
    max_chars: int = 20_000
    max_body_bytes: int = 2_000_000
    batch_size: int = 128
    reload_after: int = RELOAD_AFTER  # new words before the pipeline is reloaded (0: never)
    max_growth: float = MAX_GROWTH  # RSS growth (a fraction) before the worker process is replaced (0: never)


class Entity(BaseModel):
    text: str
    start: int
    end: int
    label: str
    kb_id: Optional[str] = Field(None, description="Linked identifier, e.g. NASDAQ:AAPL for a TICKER")
    score: Optional[float] = Field(None, description="Calibrated confidence in [0, 1]: of the entities scored 0.8, "
                                                     "about 80 % are right (None: the model has no confidences)")


class TextEntities(BaseModel):
    text: str
    ents: List[Entity]


class EntsResponse(BaseModel):
    model: str
    results: List[TextEntities]


class Combiner:
    """Runs the texts of concurrent requests through the pipeline together.

    One inference thread owns the pipeline (spaCy pipelines are not made for
    concurrent calls): it takes everything queued since its last batch, runs it in
    one call and resolves each caller's future as soon as its own texts are done.
    ``run(texts, batch_size)`` returns one :class:`Result` per text. Each future
    carries the seconds it waited in the queue and spent in inference, which the
    service reports in a ``Server-Timing`` header.
    """

    def __init__(self, run: Callable[[List[str], int], List[Result]], batch_size: int) -> None:
        self.run = run
        self.batch_size = batch_size
        self._queue: "queue.SimpleQueue[Optional[Dict[str, Any]]]" = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="custom_ner-inference", daemon=True)
        self._thread.start()

    def submit(self, texts: List[str]) -> "Future[List[Result]]":
        """A future of ``texts``' results (thread-safe; await it with ``asyncio.wrap_future``)."""
        item: Dict[str, Any] = {"texts": texts, "future": Future(), "queued": time.perf_counter()}
        self._queue.put(item)
        return item["future"]

    def __call__(self, texts: List[str]) -> List[Result]:
        return self.submit(texts).result()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            stop = None in batch
            batch = [it for it in batch if it is not None]
            if batch:
                self._run(batch)
            if stop:
                return

    def _run(self, batch: List[Dict[str, Any]]) -> None:
        started = time.perf_counter()
        outcome: Dict[int, Any] = {}
        try:
            results = self.run([t for it in batch for t in it["texts"]], self.batch_size)
            for i, it in enumerate(batch):
                outcome[i], results = results[: len(it["texts"])], results[len(it["texts"]):]
        except Exception:  # noqa: BLE001  one bad request must not fail the others: retry one by one
            for i, it in enumerate(batch):
                try:
                    outcome[i] = self.run(it["texts"], self.batch_size)
                except Exception as err:  # noqa: BLE001
                    outcome[i] = err
        finished = time.perf_counter()
        for i, it in enumerate(batch):
            future = it["future"]
            future.timing = {"queue": started - it["queued"], "infer": finished - started}
            if isinstance(outcome[i], Exception):
                future.set_exception(outcome[i])
            else:
                future.set_result(outcome[i])


class Lifecycle:
    """Where the service is in its life: loading, ready, failed or draining, and how
    many admitted requests are in flight (counted on the event loop)."""

    def __init__(self) -> None:
        self.loaded = threading.Event()
        self.error: Optional[BaseException] = None
        self.draining = False
        self.in_flight = 0

    def not_ready(self) -> Optional[str]:
        """Why requests cannot be served now (None when they can)."""
        if self.draining:
            return "shutting down"
        if self.error is not None:
            return f"the model failed to load: {self.error}"
        if not self.loaded.is_set():
            return "the model is still loading"
        return None


def _valid_text(text: str) -> str:
    problem = text_problem(text)
    if problem is not None and problem != "empty text":  # empty texts are valid: they have no entities
        raise ValueError(problem)
    return text


def request_model(limits: Limits) -> type:
    """The ``POST /ents`` body with this server's limits (shown in the OpenAPI docs)."""
    text = Annotated[str, Field(max_length=limits.max_chars), AfterValidator(_valid_text)]
    return create_model(
        "EntsRequest",
        texts=(List[text], Field(..., max_length=limits.max_texts,
                                 description=f"Up to {limits.max_texts} texts of up to {limits.max_chars:,} characters")),
        min_confidence=(float, Field(0.0, ge=0.0, le=1.0, description="Leave out entities scored below this")),
    )


def error(status: int, message: str, detail: Any = None, headers: Optional[Dict[str, str]] = None) -> JSONResponse:
    return JSONResponse({"error": message, "detail": detail}, status_code=status, headers=headers)


def unavailable(reason: str) -> JSONResponse:
    return error(503, "not ready", reason, {"retry-after": "1"})


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` gets 413 before the app reads it,
    whether it says its length (Content-Length) or streams it (chunked)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_big = error(413, "request body too large",
                        f"the limit is {self.max_bytes:,} bytes; send fewer or shorter texts per request")
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await too_big(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_bytes:
                await too_big(scope, receive, send)
                return
        replayed = False

        async def replay() -> Dict[str, Any]:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class Admission:
    """ASGI middleware: counts the requests in flight and, once the server is
    draining, answers new ones with 503 at once (``/health`` still answers: the
    process is alive until it exits)."""

    def __init__(self, app: Any, life: Lifecycle) -> None:
        self.app = app
        self.life = life

    async def __call__(self, scope: Dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["path"] == "/health":
            await self.app(scope, receive, send)
            return
        if self.life.draining:
            response = error(503, "shutting down", "the server is stopping; send the request to another instance",
                             {"retry-after": "1", "connection": "close"})
            await response(scope, receive, send)
            return
        self.life.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.life.in_flight -= 1


def server_timing(timing: Dict[str, float], started: float) -> str:
    """``Server-Timing`` header: queue wait, inference and the whole request in ms."""
    parts = {**timing, "total": time.perf_counter() - started}
    return ", ".join(f"{name};dur={seconds * 1000:.1f}" for name, seconds in parts.items())


def create_app(model: str, limits: Limits = Limits(), nlp: Any = None,
               on_load_error: Optional[Callable[[BaseException], None]] = None) -> FastAPI:
    """The service for ``model`` (a package or directory, loaded in a background thread
    once the app starts; or an already loaded ``nlp``, ready at once). Its
    :class:`Lifecycle` is ``app.state.lifecycle``; ``on_load_error`` is called if the
    model cannot be loaded."""
    life = Lifecycle()
    state: Dict[str, Any] = {}

    def load() -> None:
        try:
            if nlp is not None:
                runner: Any = PipelineRunner(lambda: nlp, reload_after=0, nlp=nlp)  # nothing to reload it from
                info = pipeline_info(nlp, model)
            else:  # the pipeline in a worker process, replaced as new words come (memory stays bounded)
                runner = ProcessRunner(model, limits.reload_after, limits.max_growth)
                info = runner.info
            state.update(runner=runner, combine=Combiner(runner, limits.batch_size), info=info)
            life.loaded.set()
        except Exception as err:  # noqa: BLE001  reported by /health, /ready and on_load_error
            life.error = err
            logger.error("cannot load %s: %s", model, err)
            if on_load_error is not None:
                on_load_error(err)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if nlp is not None:
            load()
        else:
            threading.Thread(target=load, name="custom_ner-load", daemon=True).start()
        yield
        if "combine" in state:
            state["combine"].close()
        close = getattr(state.get("runner"), "close", None)  # a worker process to stop
        if close is not None:
            close()

    app = FastAPI(title="en_custom_ner", version="1.0.0", lifespan=lifespan,
                  description="Named entities (PERSON, ORG, LOC, MISC, TICKER with kb_id) for texts.")
    app.state.lifecycle = life
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    app.add_middleware(Admission, life=life)  # added last: the outermost layer
    EntsRequest = request_model(limits)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]  # no "input": it would echo a 20,000-character text back
        return error(422, "invalid request", detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @app.get("/health")
    async def health() -> Any:
        if life.error is not None:
            return error(500, "the model failed to load", str(life.error))
        return {"status": "ok", "model": state["info"]["name"] if "info" in state else None}

    @app.get("/ready")
    async def ready() -> Any:
        reason = life.not_ready()
        return unavailable(reason) if reason else {"status": "ready", "model": state["info"]["name"]}

    @app.get("/model")
    async def model_meta() -> Any:
        reason = life.not_ready()
        return unavailable(reason) if reason else state["info"]

    @app.post("/ents", response_model=EntsResponse)
    async def ents(body: EntsRequest, response: Response) -> Any:  # type: ignore[valid-type]
        # async: the request waits on a future, not in one of the thread pool's threads
        started = time.perf_counter()
        reason = life.not_ready()
        if reason:
            return unavailable(reason)
        texts = body.texts
        results: List[Result] = []
        if texts:
            future = state["combine"].submit(texts)
            results = keep_confident(await asyncio.wrap_future(future), body.min_confidence)
            response.headers["server-timing"] = server_timing(future.timing, started)
        out = [{"text": t, "ents": [{"text": s["text"], "start": s["start"], "end": s["end"], "label": s["label"],
                                     "kb_id": s.get("kb_id"), "score": s.get("score")} for s in r.spans]}
               for t, r in zip(texts, results)]
        return {"model": state["info"]["name"], "results": out}

    return app


class DrainingServer(uvicorn.Server):
    """uvicorn's server with a drain on SIGTERM or Ctrl-C: new requests get 503 while
    those in flight finish (for at most ``drain_timeout`` seconds), then it stops. A
    second signal stops it at once. uvicorn's own handler would re-raise the signal
    once it has shut down, ending the process with 143 instead of 0."""

    def __init__(self, config: uvicorn.Config, life: Lifecycle, drain_timeout: float) -> None:
        super().__init__(config)
        self.life = life
        self.drain_timeout = drain_timeout
        self.drained = True

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.life.draining:
            self.should_exit = self.force_exit = True
            return
        self.life.draining = True
        logger.warning("signal %s: draining %d request(s) in flight, refusing new ones", sig, self.life.in_flight)
        threading.Thread(target=self._drain, name="custom_ner-drain", daemon=True).start()

    def _drain(self) -> None:
        deadline = time.monotonic() + self.drain_timeout
        while self.life.in_flight and time.monotonic() < deadline:
            time.sleep(0.02)
        self.drained = not self.life.in_flight
        if not self.drained:
            logger.error("%d request(s) still in flight after %.0f s: stopping anyway", self.life.in_flight,
                         self.drain_timeout)
        self.should_exit = True


def run_server(app: FastAPI, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info",
               drain_timeout: float = 30) -> int:
    """Serve ``app`` until SIGTERM/Ctrl-C; 0 after a clean drain, 1 if requests were
    cut off or the model failed to load."""
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=drain_timeout)
    server = DrainingServer(config, app.state.lifecycle, drain_timeout)
    app.state.server = server
    server.run()
    return 0 if server.drained and app.state.lifecycle.error is None else 1


def serve(model: str, host: str = "127.0.0.1", port: int = 8000, limits: Limits = Limits(), log_level: str = "info",
          drain_timeout: float = 30) -> int:
    """Run the service for ``model`` (one process; the model is loaded once); the exit code."""
    if min(limits.max_texts, limits.max_chars, limits.max_body_bytes, limits.batch_size) < 1 or not 0 < port < 65536:
        raise ValueError("limits and the batch size must be at least 1 and the port in 1..65535")
    if limits.reload_after < 0 or limits.max_growth < 0 or drain_timeout <= 0:
        raise ValueError("--reload-after must be at least 0 and --drain-timeout positive")

    def stop(err: BaseException) -> None:
        app.state.server.should_exit = True  # a service without its model is of no use: exit 1

    app = create_app(model, limits, on_load_error=stop)
    return run_server(app, host, port, log_level, drain_timeout)
