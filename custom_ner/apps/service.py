"""REST service: ``POST /ents``, ``GET /health``, ``GET /model`` (FastAPI).

The model is loaded once, when the app starts. Requests are bounded three ways —
body bytes (413), texts per request (422) and characters per text (422) — and every
error is a JSON object with ``error`` and ``detail``. Texts that cannot be encoded
back as JSON (unpaired surrogates) are refused with 422 instead of crashing the
response. Concurrent requests are combined into one ``nlp.pipe`` call by
:class:`Combiner`, so 32 clients sending one text each are served in batches
rather than one at a time.
"""
import queue
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field, create_model
from starlette.exceptions import HTTPException as StarletteHTTPException
from typing_extensions import Annotated

from ..data.texts import text_problem
from ..loading import load_pipeline, model_labels
from .engines import doc_spans


@dataclass(frozen=True)
class Limits:
    max_texts: int = 128
    max_chars: int = 20_000
    max_body_bytes: int = 2_000_000
    batch_size: int = 128


class Entity(BaseModel):
    text: str
    start: int
    end: int
    label: str
    kb_id: Optional[str] = Field(None, description="Linked identifier, e.g. NASDAQ:AAPL for a TICKER")


class TextEntities(BaseModel):
    text: str
    ents: List[Entity]


class EntsResponse(BaseModel):
    model: str
    results: List[TextEntities]


class Combiner:
    """Runs the texts of concurrent requests through the pipeline together.

    One inference thread owns the pipeline (spaCy pipelines are not made for
    concurrent calls): it takes everything queued since its last batch, runs one
    ``nlp.pipe`` and wakes each caller as soon as its own texts are done. Callers
    never wait for a lock, so a finished request is not held up by the next batch.
    """

    def __init__(self, nlp: Any, batch_size: int) -> None:
        self.nlp = nlp
        self.batch_size = batch_size
        self._queue: "queue.SimpleQueue[Optional[Dict[str, Any]]]" = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="custom_ner-inference", daemon=True)
        self._thread.start()

    def __call__(self, texts: List[str]) -> List[List[Dict[str, Any]]]:
        item: Dict[str, Any] = {"texts": texts, "done": threading.Event()}
        self._queue.put(item)
        item["done"].wait()
        if "error" in item:
            raise item["error"]
        return item["spans"]

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
        try:
            spans = [doc_spans(d) for d in self.nlp.pipe([t for it in batch for t in it["texts"]],
                                                         batch_size=self.batch_size)]
            for it in batch:
                it["spans"], spans = spans[: len(it["texts"])], spans[len(it["texts"]):]
        except Exception:  # noqa: BLE001  one bad request must not fail the others: retry one by one
            for it in batch:
                try:
                    it["spans"] = [doc_spans(d) for d in self.nlp.pipe(it["texts"], batch_size=self.batch_size)]
                except Exception as err:  # noqa: BLE001
                    it["error"] = err
        for it in batch:
            it["done"].set()


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
    )


def error(status: int, message: str, detail: Any = None) -> JSONResponse:
    return JSONResponse({"error": message, "detail": detail}, status_code=status)


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


def model_info(nlp: Any, name: str) -> Dict[str, Any]:
    meta = nlp.meta
    performance = meta.get("performance") or {}
    scores = {k: v for k, v in performance.items() if k.startswith("ents_")}
    return {"name": f"{meta.get('lang', '')}_{meta.get('name', '')}", "loaded_from": name,
            "version": meta.get("version"), "spacy_version": meta.get("spacy_version"),
            "pipeline": nlp.pipe_names, "labels": model_labels(nlp), "scores": scores}


def create_app(model: str, limits: Limits = Limits(), nlp: Any = None) -> FastAPI:
    """The service for ``model`` (a package or directory; or an already loaded ``nlp``)."""
    state: Dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loaded = nlp if nlp is not None else load_pipeline(model)
        state.update(nlp=loaded, combine=Combiner(loaded, limits.batch_size), info=model_info(loaded, model))
        yield
        state["combine"].close()
        state.clear()

    app = FastAPI(title="en_custom_ner", version="1.0.0", lifespan=lifespan,
                  description="Named entities (PERSON, ORG, LOC, MISC, TICKER with kb_id) for texts.")
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
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
    def health() -> Dict[str, Any]:
        return {"status": "ok", "model": state["info"]["name"]}

    @app.get("/model")
    def model_meta() -> Dict[str, Any]:
        return state["info"]

    @app.post("/ents", response_model=EntsResponse)
    def ents(body: EntsRequest) -> Dict[str, Any]:  # type: ignore[valid-type]
        texts = body.texts
        spans = state["combine"](texts) if texts else []
        results = [{"text": t, "ents": [{"text": s["text"], "start": s["start"], "end": s["end"],
                                         "label": s["label"], "kb_id": s.get("kb_id")} for s in sp]}
                   for t, sp in zip(texts, spans)]
        return {"model": state["info"]["name"], "results": results}

    return app


def serve(model: str, host: str = "127.0.0.1", port: int = 8000, limits: Limits = Limits(), log_level: str = "info") -> None:
    """Run the service for ``model`` with uvicorn (one worker; the model is loaded once)."""
    import uvicorn

    if min(limits.max_texts, limits.max_chars, limits.max_body_bytes, limits.batch_size) < 1 or not 0 < port < 65536:
        raise ValueError("limits and the batch size must be at least 1 and the port in 1..65535")
    uvicorn.run(create_app(model, limits), host=host, port=port, log_level=log_level, workers=1)
