"""Serve a pipeline over HTTP: POST /ents, GET /health, GET /ready, GET /model (OpenAPI docs at /docs).

    python scripts/serve.py [--model en_custom_ner] [--host 127.0.0.1] [--port 8000]

One uvicorn worker; the model loads once, in the background (/health answers at
once, /ready when the model is loaded), and is reloaded after --reload-after new
words so memory stays flat. Limits per request: --max-texts, --max-chars (per text)
and --max-body-bytes. SIGTERM or Ctrl-C drains: requests in flight finish, new ones
get 503, and the exit code is 0 (1 if --drain-timeout cut requests off or the model
failed to load).
"""
import os
import sys

import typer

from custom_ner.apps.service import Limits, serve
from custom_ner.console import fail


def main(
    model: str = typer.Option("en_custom_ner", help="Installed pipeline package or pipeline directory"),
    host: str = typer.Option("127.0.0.1", help="Address to bind (loopback by default)"),
    port: int = typer.Option(8000, help="Port to bind"),
    max_texts: int = typer.Option(Limits.max_texts, help="Most texts per request (more: 422)"),
    max_chars: int = typer.Option(Limits.max_chars, help="Most characters per text (more: 422)"),
    max_body_bytes: int = typer.Option(Limits.max_body_bytes, help="Largest request body (more: 413)"),
    batch_size: int = typer.Option(Limits.batch_size, help="nlp.pipe batch size"),
    reload_after: int = typer.Option(Limits.reload_after, help="Reload the pipeline after this many new words (0: never)"),
    max_growth: float = typer.Option(Limits.max_growth, help="Replace the worker process once its RSS has grown "
                                                             "this fraction (0: never)"),
    drain_timeout: float = typer.Option(30, help="Seconds that requests in flight get to finish after SIGTERM"),
    log_level: str = typer.Option("info", help="uvicorn log level"),
) -> None:
    try:
        code = serve(model, host, port, Limits(max_texts, max_chars, max_body_bytes, batch_size, reload_after, max_growth),
                     log_level, drain_timeout)
    except ValueError as err:
        fail(err)
    sys.exit(code)


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    typer.run(main)
