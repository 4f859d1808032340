"""Batch-annotation benchmark (not a test): AG News test descriptions repeated to N texts.

    python scripts/benchmark_annotate.py ../shared/data/ag_news/test.csv metrics/annotate-benchmark \
        [--texts 120000] [--model en_custom_ner] [--run local:1 --run local:2 --run spark:local[2] --run spark:cluster]
    python scripts/benchmark_annotate.py ../shared/data/ag_news/test.csv metrics/annotate-1m --texts 1000000 \
        --field title --run local:2     # memory on a 1,000,000-line input (memory.png)

Writes OUT_DIR/benchmark.json, benchmark.md and benchmark.png; exits 1 if the runs'
outputs differ (custom_ner/apps/benchmark.py).
"""
import sys
from pathlib import Path
from typing import List

import typer

from custom_ner.apps.benchmark import RUNS, run_benchmark
from custom_ner.console import fail, line
from custom_ner.data.errors import ConversionError


def main(
    source: Path = typer.Argument(..., help="AG News test.csv (class, title, description; no header)"),
    out_dir: Path = typer.Argument(..., help="Directory for the texts, outputs and the report"),
    texts: int = typer.Option(120_000, min=1, help="Number of texts (descriptions repeated)"),
    model: str = typer.Option("en_custom_ner", help="Installed pipeline package or pipeline directory"),
    batch_size: int = typer.Option(256, min=1, help="nlp.pipe batch size"),
    run: List[str] = typer.Option(list(RUNS), "--run", help="local:N_PROCESS, spark:MASTER or spark:cluster (repeat)"),
    keep_outputs: bool = typer.Option(False, help="Keep the annotated outputs (large)"),
    field: str = typer.Option("description", help="AG News field to annotate: description or title"),
) -> None:
    try:
        report = run_benchmark(source, out_dir, texts=texts, model=model, batch_size=batch_size, runs=run,
                               keep_outputs=keep_outputs, field=field)
    except (ConversionError, RuntimeError, ValueError) as err:
        fail(err)
    identical = report["outputs_identical"]
    line(identical, f"outputs {'identical' if identical else 'differ'}; report in {out_dir / 'benchmark.md'}")
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
