"""Bounded load test of the REST service (loopback only; a benchmark, not a test).

    python scripts/load_test.py metrics/serve-load --model en_custom_ner --texts ../shared/data/ner_gold/dev.jsonl
    python scripts/load_test.py metrics/serve-load --url http://127.0.0.1:8000 --texts texts.txt

Starts `scripts/serve.py` on a free loopback port (or uses --url, which must be a
loopback address), then at each concurrency (default 1, 8 and 32 clients) sends a
fixed number of POST /ents requests, stopping early at the time limit. Reports
requests/s, texts/s, p50/p99 latency and errors in OUT_DIR/load.json, load.md and
load.png; exits 1 if any request failed.
"""
import asyncio
import ipaddress
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse

import httpx
import srsly
import typer

from custom_ner.annotate import read_records
from custom_ner.cli import fail, free_port, line, start_server, stop_server
from custom_ner.errors import Rejects
from custom_ner.plots import load_plot

SERVE = Path(__file__).resolve().parent / "serve.py"


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def percentile(values: List[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


async def run_level(url: str, bodies: List[Dict[str, Any]], concurrency: int, requests: int,
                    time_limit: float) -> Dict[str, Any]:
    """``requests`` POSTs from ``concurrency`` clients, none started after ``time_limit`` s."""
    latencies: List[float] = []
    errors: List[str] = []
    sent = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        start = time.perf_counter()

        async def client_loop() -> None:
            nonlocal sent
            while sent < requests and time.perf_counter() - start < time_limit:
                body = bodies[sent % len(bodies)]
                sent += 1
                t0 = time.perf_counter()
                try:
                    response = await client.post("/ents", json=body)
                    if response.status_code != 200:
                        errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                        continue
                except httpx.HTTPError as err:
                    errors.append(f"{type(err).__name__}: {err}")
                    continue
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(client_loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    texts = len(latencies) * len(bodies[0]["texts"])  # every body holds --texts-per-request texts
    latency_ms = {f"p{q}_ms": round(percentile(latencies, q) * 1000, 1) if latencies else None for q in (50, 90, 99)}
    return {"concurrency": concurrency, "requests": len(latencies) + len(errors), "ok": len(latencies),
            "errors": len(errors), "first_errors": errors[:5], "seconds": round(elapsed, 2),
            "requests_per_s": round(len(latencies) / elapsed, 1), "texts_per_s": round(texts / elapsed, 1),
            **latency_ms, "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
            "stopped_by_time_limit": len(latencies) + len(errors) < requests}


def render(report: Dict[str, Any]) -> str:
    rows = ["| clients | requests | errors | requests/s | texts/s | p50 ms | p90 ms | p99 ms | max ms | seconds |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in report["levels"]:
        rows.append(f"| {r['concurrency']} | {r['requests']:,} | {r['errors']} | {r['requests_per_s']:,.1f} | "
                    f"{r['texts_per_s']:,.1f} | {r['p50_ms']} | {r['p90_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['seconds']} |")
    return "\n".join([
        "# REST service load test", "",
        f"Model `{report['model']}` at {report['url']}; {report['texts_per_request']} text(s) per request from "
        f"{report['texts_source']} ({report['distinct_texts']:,} distinct texts); {report['cpus']} CPUs shared by "
        f"server and clients. Fixed request count {report['requests']:,} per level, time limit {report['time_limit_s']} s.",
        "", *rows, ""])


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
) -> None:
    if url is not None and not is_loopback(url):
        fail(f"--url {url}: only loopback addresses (127.0.0.1, ::1, localhost) may be load-tested")
    if any(c < 1 for c in concurrency):
        fail("--concurrency must be at least 1")
    if not texts.is_file():
        fail(f"{texts}: file not found")
    rejects = Rejects(texts, lenient=True)
    pool = [r.text for r in read_records(texts, rejects, text_column=text_column)]
    if not pool:
        fail(f"{texts}: no texts to send")
    bodies = [{"texts": [pool[(i * texts_per_request + k) % len(pool)] for k in range(texts_per_request)]}
              for i in range(max(requests, warmup))]
    server = None
    if url is None:
        port = free_port()
        line(True, f"starting the service for {model} on 127.0.0.1:{port}")
        server = start_server([sys.executable, str(SERVE), "--model", model, "--host", "127.0.0.1", "--port", str(port),
                               "--log-level", "warning"], f"http://127.0.0.1:{port}/health")
        url = f"http://127.0.0.1:{port}"
    try:
        info = httpx.get(f"{url}/model", timeout=10).json()
        if warmup:
            asyncio.run(run_level(url, bodies, 1, warmup, time_limit))
        levels = []
        for c in concurrency:
            result = asyncio.run(run_level(url, bodies, c, requests, time_limit))
            levels.append(result)
            line(result["errors"] == 0, f"{c:>3} clients: {result['requests_per_s']:,.1f} requests/s, "
                                        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, {result['errors']} errors")
    finally:
        if server is not None:
            stop_server(server)
    report = {"model": info.get("name"), "url": url, "texts_source": str(texts), "distinct_texts": len(pool),
              "texts_per_request": texts_per_request, "requests": requests, "time_limit_s": time_limit,
              "cpus": os.cpu_count(), "levels": levels}
    out_dir.mkdir(parents=True, exist_ok=True)
    srsly.write_json(out_dir / "load.json", report)
    (out_dir / "load.md").write_text(render(report), encoding="utf-8")
    load_plot(report, out_dir / "load.png")
    line(True, f"report in {out_dir / 'load.md'}")
    if any(r["errors"] for r in levels):
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
