"""Bounded soak test of the REST service's memory (loopback only; a benchmark, not a test).

    python scripts/soak_test.py metrics/serve-soak --model en_custom_ner --texts 200000 --case mixed
    python scripts/soak_test.py metrics/serve-soak --url http://127.0.0.1:8000 --pid 12345

Starts `scripts/serve.py` on a free loopback port (or uses a running service on a
loopback address and its process id), sends texts of fresh random words (--case mixed:
every third word Capitalised) and records the RSS of the server and its worker over
time and at each tenth of the run (custom_ner/apps/soak.py): OUT_DIR/soak.json,
soak.md and soak.png. Stops after --texts texts or --time-limit seconds; exits 1 on
request errors.
"""
import sys
from pathlib import Path
from typing import Optional

import typer

from custom_ner.apps.soak import SoakOptions, run_soak
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
    case: str = typer.Option("lower", help="lower: 3-10 lowercase letters; mixed: 4-12, every third Capitalised"),
    clients: int = typer.Option(1, min=1, help="Concurrent clients"),
    time_limit: float = typer.Option(900, min=1, help="Seconds after which no request is started"),
    every: float = typer.Option(2.0, min=0.1, help="Seconds between RSS samples"),
) -> None:
    try:
        options = SoakOptions(texts=texts, warmup=warmup, texts_per_request=texts_per_request,
                              words_per_text=words_per_text, clients=clients, case=case, time_limit=time_limit,
                              every=every)
        report = run_soak(out_dir, model, url, pid, options)
    except (OSError, RuntimeError, ValueError) as err:
        fail(err)
    slope = report["last_half_slope_pct_per_50k"]
    line(report["end_vs_first_tenth_pct"] < 5 and (slope is None or slope < 1),
         f"RSS floor {report['tenths'][0]['floor_mb']:,.0f} MB in the first tenth, {report['tenths'][-1]['floor_mb']:,.0f} "
         f"MB in the last ({report['end_vs_first_tenth_pct']:+.1f} %, last-half slope {slope} % per 50k texts; peak "
         f"{report['rss_max_mb']:,.0f} MB); report in {out_dir / 'soak.md'}")
    if report["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
