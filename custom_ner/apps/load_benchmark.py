"""Bounded load benchmark of the REST service (loopback only).

Starts ``scripts/serve.py`` on a free loopback port (or uses a running service, which
must be on a loopback address), then at each concurrency sends a fixed number of
POST /ents requests, stopping early at a time limit. With ``mlflow_model`` it loads
``mlflow models serve`` instead (POST /invocations, ``{"inputs": [...]}``), so the
two servers are measured by the same client (docs/mlflow.md). Reports requests/s, texts/s,
p50/p90/p99 latency and errors in OUT_DIR/load.json, load.md and load.png.
"""
import asyncio
import ipaddress
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

import h11
import httpx
from wasabi import msg

from ..data.errors import Rejects
from ..data.files import write_json, write_text
from ..formats.texts import read_records
from ..figures import save_figure
from .http_client import KeepAliveConnection
from .servers import free_port, start_server, stop_server

SERVE = Path(__file__).resolve().parents[2] / "scripts" / "serve.py"  # the command users run


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start_service(model: str) -> Tuple[subprocess.Popen, str]:
    """``scripts/serve.py`` for ``model`` on a free loopback port, once it is ready; the
    process and its URL (the load and soak tests' own server)."""
    port = free_port()
    msg.text(f"starting the service for {model} on 127.0.0.1:{port}")
    server = start_server([sys.executable, str(SERVE), "--model", model, "--host", "127.0.0.1", "--port", str(port),
                           "--log-level", "warning"], f"http://127.0.0.1:{port}/ready")
    return server, f"http://127.0.0.1:{port}"


def start_mlflow_server(model_uri: str) -> Tuple[subprocess.Popen, str]:
    """``mlflow models serve`` for ``model_uri`` (``models:/en_custom_ner@champion``; the
    store from $MLFLOW_TRACKING_URI) in this environment on a free loopback port."""
    port = free_port()
    msg.text(f"starting mlflow models serve for {model_uri} on 127.0.0.1:{port}")
    # the server execs uvicorn by name: this environment's bin first
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    server = start_server([sys.executable, "-m", "mlflow", "models", "serve", "-m", model_uri, "--env-manager", "local",
                           "-h", "127.0.0.1", "-p", str(port)], f"http://127.0.0.1:{port}/ping", env=env)
    return server, f"http://127.0.0.1:{port}"


def timing(header: str) -> Dict[str, float]:
    """Seconds per part of a ``Server-Timing`` header (``queue;dur=1.5, infer;dur=20``)."""
    parts = {}
    for part in header.split(","):
        name, _, duration = part.strip().partition(";dur=")
        if duration:
            parts[name] = float(duration) / 1000
    return parts


def percentile(values: List[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


async def run_level(url: str, bodies: List[Dict[str, Any]], concurrency: int, requests: int,
                    time_limit: float, path: str = "/ents") -> Dict[str, Any]:
    """``requests`` POSTs from ``concurrency`` clients, none started after ``time_limit`` s."""
    latencies: List[float] = []
    parts: Dict[str, List[float]] = {"queue": [], "infer": [], "total": []}
    errors: List[str] = []
    sent = 0
    payloads = [json.dumps(body).encode("utf-8") for body in bodies]
    start = time.perf_counter()

    async def client_loop() -> None:
        nonlocal sent
        connection = KeepAliveConnection(url)
        while sent < requests and time.perf_counter() - start < time_limit:
            payload = payloads[sent % len(payloads)]
            sent += 1
            t0 = time.perf_counter()
            try:
                status, headers, content = await asyncio.wait_for(connection.post(path, payload), 60)
            except (OSError, asyncio.TimeoutError, h11.ProtocolError) as err:
                errors.append(f"{type(err).__name__}: {err}")
                await connection.close()
                continue
            if status != 200:
                errors.append(f"HTTP {status}: {content[:200].decode('utf-8', 'replace')}")
                continue
            latencies.append(time.perf_counter() - t0)
            for name, seconds in timing(headers.get("server-timing", "")).items():
                parts.setdefault(name, []).append(seconds)
        await connection.close()

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    texts = len(latencies) * len(next(iter(bodies[0].values())))  # every body holds --texts-per-request texts
    latency_ms = {f"p{q}_ms": round(percentile(latencies, q) * 1000, 1) if latencies else None for q in (50, 90, 99)}
    # where the time went, as the server saw it: waiting for the inference thread,
    # inference, the whole request inside the app; the rest is HTTP, the event loop
    # and the client
    server_ms = {f"{name}_p{q}_ms": round(percentile(values, q) * 1000, 1)
                 for name, values in parts.items() if values for q in (50, 99)}
    return {"concurrency": concurrency, "requests": len(latencies) + len(errors), "ok": len(latencies),
            "errors": len(errors), "first_errors": errors[:5], "seconds": round(elapsed, 2),
            "requests_per_s": round(len(latencies) / elapsed, 1), "texts_per_s": round(texts / elapsed, 1),
            **latency_ms, "max_ms": round(max(latencies) * 1000, 1) if latencies else None, "server": server_ms,
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
        "", *rows, "",
        "Where the time went (server side, from the `Server-Timing` header; p50 / p99 ms): queue = waiting for the "
        "inference thread, infer = the batch that held the request, total = inside the app. The rest of a client's "
        "latency is HTTP, the event loop and the client itself.", "",
        "| clients | queue | infer | total | client |", "| ---: | ---: | ---: | ---: | ---: |",
        *[f"| {r['concurrency']} | {server_pair(r, 'queue')} | {server_pair(r, 'infer')} | {server_pair(r, 'total')} | "
          f"{r['p50_ms']} / {r['p99_ms']} |" for r in report["levels"]], ""])


def server_pair(level: Dict[str, Any], name: str) -> str:
    server = level.get("server") or {}
    return f"{server.get(name + '_p50_ms', '-')} / {server.get(name + '_p99_ms', '-')}"


def plot(report: Dict[str, Any], path: Path) -> Path:
    """Requests/s and p50/p99 latency per concurrency level."""
    import matplotlib.pyplot as plt

    levels = report["levels"]
    x = [str(r["concurrency"]) for r in levels]
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3))
    a.bar(x, [r["requests_per_s"] for r in levels], color="#7aecec")
    a.set_xlabel("concurrent clients")
    a.set_ylabel("requests/s")
    b.plot(x, [r["p50_ms"] for r in levels], marker="o", label="p50")
    b.plot(x, [r["p99_ms"] for r in levels], marker="o", label="p99")
    b.set_xlabel("concurrent clients")
    b.set_ylabel("latency (ms)")
    b.legend()
    return save_figure(fig, path)


@dataclass(frozen=True)
class LoadOptions:
    """What a load run sends: ``requests`` requests of ``texts_per_request`` texts at each
    ``concurrency``, a level stopping early after ``time_limit`` seconds, ``warmup``
    untimed requests first; ``url`` a running loopback service (None: start one);
    ``mlflow_model``: measure ``mlflow models serve`` of that model URI instead."""

    model: str = "en_custom_ner"
    url: Optional[str] = None
    text_column: str = "text"
    concurrency: Sequence[int] = (1, 8, 32)
    requests: int = 500
    texts_per_request: int = 1
    time_limit: float = 120
    warmup: int = 20
    mlflow_model: Optional[str] = None

    def __post_init__(self) -> None:
        if self.url is not None and not is_loopback(self.url):
            raise ValueError(f"--url {self.url}: only loopback addresses (127.0.0.1, ::1, localhost) may be load-tested")
        if any(c < 1 for c in self.concurrency):
            raise ValueError("--concurrency must be at least 1")


def run_load_test(out_dir: Path, texts: Path, options: LoadOptions = LoadOptions()) -> Dict[str, Any]:
    """Every concurrency level against ``options.url`` (or a server started for its model); the report."""
    o = options
    url = o.url
    pool = [r.text for r in read_records(texts, Rejects(texts, lenient=True), text_column=o.text_column)]
    if not pool:
        raise ValueError(f"{texts}: no texts to send")
    key, path = ("inputs", "/invocations") if o.mlflow_model else ("texts", "/ents")
    bodies = [{key: [pool[(i * o.texts_per_request + k) % len(pool)] for k in range(o.texts_per_request)]}
              for i in range(max(o.requests, o.warmup))]
    server = None
    if url is None:
        server, url = start_mlflow_server(o.mlflow_model) if o.mlflow_model else start_service(o.model)
    try:
        info = {"name": f"mlflow {o.mlflow_model}"} if o.mlflow_model else httpx.get(f"{url}/model", timeout=10).json()
        if o.warmup:
            asyncio.run(run_level(url, bodies, 1, o.warmup, o.time_limit, path))
        levels = []
        for c in o.concurrency:
            result = asyncio.run(run_level(url, bodies, c, o.requests, o.time_limit, path))
            levels.append(result)
            (msg.good if result["errors"] == 0 else msg.fail)(
                f"{c:>3} clients: {result['requests_per_s']:,.1f} requests/s, p50 {result['p50_ms']} ms, "
                f"p99 {result['p99_ms']} ms, {result['errors']} errors")
    finally:
        if server is not None:
            stop_server(server)
    report = {"model": info.get("name"), "url": url, "texts_source": str(texts), "distinct_texts": len(pool),
              "texts_per_request": o.texts_per_request, "requests": o.requests, "time_limit_s": o.time_limit,
              "cpus": os.cpu_count(), "levels": levels}
    write_json(out_dir / "load.json", report)
    write_text(out_dir / "load.md", render(report))
    plot(report, out_dir / "load.png")
    return report
