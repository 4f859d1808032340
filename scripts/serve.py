"""Serve a pipeline over HTTP: POST /ents, GET /health, GET /model (OpenAPI docs at /docs).

    python scripts/serve.py [--model en_custom_ner] [--host 127.0.0.1] [--port 8000]

One uvicorn worker; the model is loaded once at start-up. Limits per request:
--max-texts, --max-chars (per text) and --max-body-bytes.
"""
import os

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
    log_level: str = typer.Option("info", help="uvicorn log level"),
) -> None:
    try:
        serve(model, host, port, Limits(max_texts, max_chars, max_body_bytes, batch_size), log_level)
    except ValueError as err:
        fail(err)


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    typer.run(main)
