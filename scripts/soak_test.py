"""Bounded soak test of the REST service's memory (loopback only; a benchmark, not a test).

    python scripts/soak_test.py metrics/serve-soak --model en_custom_ner --texts 200000
    python scripts/soak_test.py metrics/serve-soak --url http://127.0.0.1:8000 --pid 12345

Starts `scripts/serve.py` on a free loopback port (or uses a running service on a
loopback address and its process id), sends texts of fresh random words and records
the server's RSS over time (custom_ner/apps/soak.py): OUT_DIR/soak.json, soak.md and
soak.png. Stops after --texts texts or --time-limit seconds; exits 1 on request
errors.
"""
import sys
from pathlib import Path
from typing import Optional

import typer

from custom_ner.apps.soak import run_soak
from custom_ner.console import fail, line


def main(
    out_dir: Path = typer.Argument(..., help="Directory for soak.json, soak.md and soak.png"),
    model: str = typer.Option("en_custom_ner", help="Model to serve (ignored with --url)"),
    url: Optional[str] = typer.Option(None, help="A running service on a loopback address (with --pid)"),
    pid: Optional[int] = typer.Option(None, help="Process id of the service at --url"),
    texts: int = typer.Option(200_000, min=1, help="Texts to send after the warm-up"),
    warmup: int = typer.Option(10_000, min=0, help="Texts sent before the RSS baseline is taken"),
    texts_per_request: int = typer.Option(20, min=1, help="Texts in each request"),
    words_per_text: int = typer.Option(12, min=1, help="Random words in each text"),
    clients: int = typer.Option(1, min=1, help="Concurrent clients"),
    time_limit: float = typer.Option(900, min=1, help="Seconds after which no request is started"),
    every: float = typer.Option(2.0, min=0.1, help="Seconds between RSS samples"),
) -> None:
    try:
        report = run_soak(out_dir, model, url, pid, texts, warmup, texts_per_request, words_per_text, clients,
                          time_limit, every)
    except (OSError, RuntimeError, ValueError) as err:
        fail(err)
    line(report["growth_pct"] < 5, f"RSS {report['rss_after_warmup_mb']:,.0f} MB after the warm-up, "
                                   f"{report['rss_final_mb']:,.0f} MB after {report['texts']:,} texts "
                                   f"({report['growth_pct']:+.1f} %); report in {out_dir / 'soak.md'}")
    if report["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
