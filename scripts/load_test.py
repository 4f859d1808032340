"""Bounded load benchmark of the REST service (loopback only).

    python scripts/load_test.py metrics/serve-load --model en_custom_ner --texts ../shared/data/ner_gold/dev.jsonl
    python scripts/load_test.py metrics/serve-load --url http://127.0.0.1:8000 --texts texts.txt

Starts `scripts/serve.py` on a free loopback port (or uses --url, which must be a
loopback address) and sends a fixed number of requests at each concurrency
(custom_ner/apps/load_benchmark.py); writes OUT_DIR/load.json, load.md and load.png and
exits 1 if any request failed.
"""
import sys
from pathlib import Path
from typing import List, Optional

import typer

from custom_ner.apps.load_benchmark import LoadOptions, run_load_test
from custom_ner.console import fail, line
from custom_ner.data.errors import ConversionError


def main(
    out_dir: Path = typer.Argument(..., help="Directory for load.json, load.md and load.png"),
    texts: Path = typer.Option(..., help="Texts to send: .txt, .csv (--text-column) or .jsonl"),
    model: str = typer.Option("en_custom_ner", help="Model to serve (ignored with --url)"),
    url: Optional[str] = typer.Option(None, help="A running service on a loopback address"),
    text_column: str = typer.Option("text", help="CSV column / JSONL field of the texts"),
    concurrency: List[int] = typer.Option([1, 8, 32], "--concurrency", help="Concurrent clients (repeat)"),
    requests: int = typer.Option(500, min=1, help="Requests per concurrency level"),
    texts_per_request: int = typer.Option(1, min=1, help="Texts in each request"),
    time_limit: float = typer.Option(120, min=1, help="Seconds per level after which no request is started"),
    warmup: int = typer.Option(20, min=0, help="Untimed requests before the first level"),
    mlflow_model: Optional[str] = typer.Option(None, help="Measure `mlflow models serve` of this model URI instead (models:/en_custom_ner@champion)"),
) -> None:
    try:
        options = LoadOptions(model=model, url=url, text_column=text_column, concurrency=tuple(concurrency),
                              requests=requests, texts_per_request=texts_per_request, time_limit=time_limit,
                              warmup=warmup, mlflow_model=mlflow_model)
        report = run_load_test(out_dir, texts, options)
    except (ConversionError, RuntimeError, ValueError) as err:
        fail(err)
    line(True, f"report in {out_dir / 'load.md'}")
    if any(r["errors"] for r in report["levels"]):
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
