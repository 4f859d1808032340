"""Bounded soak test of the REST service's memory (loopback only; a benchmark, not a test).

Sends texts made of fresh random words, which the pipeline has never seen, so every
request adds new strings and lexemes: the worst case for a service whose memory
grows with its vocabulary. The server's RSS is read from /proc every few seconds.
The report (soak.json, soak.md, soak.png) gives RSS after the warm-up, at the end
and its growth; the target is under 5 % over 200,000 texts.
"""
import asyncio
import random
import string
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
import srsly
from wasabi import msg

from ..evaluation.plots import save_figure
from .load_test import is_loopback, start_service
from .memory import rss_mb
from .servers import stop_server


def random_texts(rng: random.Random, n: int, words: int) -> List[str]:
    """``n`` texts of ``words`` random lowercase words (3-10 letters; with 26^3..26^10
    possible words, nearly all of them unseen by the model and by each other)."""
    letters = string.ascii_lowercase
    return [" ".join("".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(words)) for _ in range(n)]


class RssSampler(threading.Thread):
    """Samples a process's RSS every ``every`` seconds with the texts sent so far."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.sent = 0
        self.samples: List[Dict[str, float]] = []
        self.start_time = time.perf_counter()
        self.stopped = threading.Event()

    def sample(self) -> float:
        rss = rss_mb(self.pid)
        self.samples.append({"seconds": round(time.perf_counter() - self.start_time, 2), "texts": self.sent,
                             "rss_mb": round(rss, 1)})
        return rss

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.sample()


async def send(url: str, sampler: RssSampler, n_texts: int, per_request: int, words: int, clients: int,
               deadline: float, seed: int) -> List[str]:
    """Send ``n_texts`` random texts from ``clients`` clients; the errors."""
    rng = random.Random(seed)
    errors: List[str] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def client_loop() -> None:
            while sampler.sent < n_texts and time.perf_counter() < deadline:
                texts = random_texts(rng, min(per_request, n_texts - sampler.sent), words)
                sampler.sent += len(texts)
                response = await client.post("/ents", json={"texts": texts})
                if response.status_code != 200:
                    errors.append(f"HTTP {response.status_code}: {response.text[:200]}")

        await asyncio.gather(*(client_loop() for _ in range(clients)))
    return errors


def run_soak(out_dir: Path, model: str = "en_custom_ner", url: Optional[str] = None, pid: Optional[int] = None,
             texts: int = 200_000, warmup: int = 10_000, texts_per_request: int = 20, words_per_text: int = 12,
             clients: int = 1, time_limit: float = 900, every: float = 2.0, seed: int = 0) -> Dict[str, Any]:
    """Soak ``url`` (with server process ``pid``) or a server started for ``model``; the report."""
    if (url is None) != (pid is None):
        raise ValueError("--url and --pid go together: the soak test reads the server's memory from its process")
    if url is not None and not is_loopback(url):
        raise ValueError(f"--url {url}: only loopback addresses (127.0.0.1, ::1, localhost) may be soaked")
    if min(texts, texts_per_request, words_per_text, clients) < 1 or warmup < 0:
        raise ValueError("texts, texts per request, words per text and clients must be at least 1")
    server = None
    if url is None:
        server, url = start_service(model)
        pid = server.pid
    try:
        sampler = RssSampler(pid, every)
        started = sampler.sample()
        deadline = time.perf_counter() + time_limit
        errors = asyncio.run(send(url, sampler, warmup, texts_per_request, words_per_text, clients, deadline, seed))
        after_warmup = sampler.sample()
        msg.text(f"RSS {started:,.0f} MB at start, {after_warmup:,.0f} MB after {sampler.sent:,} warm-up texts")
        sampler.start()
        errors += asyncio.run(send(url, sampler, warmup + texts, texts_per_request, words_per_text, clients,
                                   deadline, seed + 1))
        sampler.stopped.set()
        sampler.join()
        final = sampler.sample()
    finally:
        if server is not None:
            stop_server(server)
    soaked = sampler.sent - warmup
    report = {"url": url, "model": model if server is not None else None, "texts": soaked, "warmup_texts": warmup,
              "texts_per_request": texts_per_request, "words_per_text": words_per_text, "clients": clients,
              "seconds": sampler.samples[-1]["seconds"], "errors": len(errors), "first_errors": errors[:5],
              "stopped_by_time_limit": soaked < texts, "rss_start_mb": round(started, 1),
              "rss_after_warmup_mb": round(after_warmup, 1), "rss_final_mb": round(final, 1),
              "rss_max_mb": max(s["rss_mb"] for s in sampler.samples),
              "growth_pct": round((final - after_warmup) / after_warmup * 100, 2), "samples": sampler.samples}
    out_dir.mkdir(parents=True, exist_ok=True)
    srsly.write_json(out_dir / "soak.json", report)
    (out_dir / "soak.md").write_text(render(report), encoding="utf-8")
    plot(report, out_dir / "soak.png")
    return report


def render(report: Dict[str, Any]) -> str:
    return "\n".join([
        "# REST service soak test", "",
        f"{report['texts']:,} texts of {report['words_per_text']} fresh random words after {report['warmup_texts']:,} "
        f"warm-up texts, {report['texts_per_request']} per request, {report['clients']} client(s), "
        f"{report['seconds']:,.0f} s, {report['errors']} errors.", "",
        "| RSS at start | after warm-up | final | max | growth after warm-up |", "| ---: | ---: | ---: | ---: | ---: |",
        f"| {report['rss_start_mb']:,.0f} MB | {report['rss_after_warmup_mb']:,.0f} MB | {report['rss_final_mb']:,.0f} MB "
        f"| {report['rss_max_mb']:,.0f} MB | {report['growth_pct']:+.1f} % |", ""])


def plot(report: Dict[str, Any], path: Path) -> Path:
    """The server's RSS against the texts sent, with the warm-up level marked."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot([s["texts"] for s in report["samples"]], [s["rss_mb"] for s in report["samples"]], marker=".")
    ax.axhline(report["rss_after_warmup_mb"], color="grey", linestyle="--", label="after warm-up")
    ax.axhline(report["rss_after_warmup_mb"] * 1.05, color="#d62728", linestyle=":", label="+5 %")
    ax.set_xlabel("texts sent")
    ax.set_ylabel("server RSS (MB)")
    ax.legend()
    return save_figure(fig, path)
