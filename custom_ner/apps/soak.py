"""Bounded soak test of the REST service's memory (loopback only; a benchmark, not a test).

Sends texts made of fresh random words, which the pipeline has never seen, so every
request adds new strings and lexemes: the worst case for a service whose memory
grows with its vocabulary. The RSS of the server and its child processes (the
inference worker) is read from /proc every few seconds and at each tenth of the run.
The report (soak.json, soak.md, soak.png) gives RSS after the warm-up, at each tenth
(then, its lowest and its highest) and at the end, the last tenth's floor against the
first's and the slope of the floors over the last half of the run (targets: within
5 %, and under 1 % per 50,000 texts), and request latency.
"""
import asyncio
import random
import string
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import httpx
from wasabi import msg

from ..data.files import write_json, write_text
from ..figures import save_figure
from .load_benchmark import is_loopback, percentile, start_service
from .memory import rss_mb, tree_rss_mb
from .servers import stop_server


CASES = ("lower", "mixed")


@dataclass(frozen=True)
class SoakOptions:
    """What a soak run sends and how it samples. ``case``: "lower" (3-10 lowercase
    letters a word) or "mixed" (4-12 letters, every third word Capitalised: names the
    model tags as entities, so every component of the pipeline sees new text)."""

    texts: int = 200_000
    warmup: int = 10_000
    texts_per_request: int = 20
    words_per_text: int = 12
    clients: int = 1
    case: str = "lower"
    time_limit: float = 900
    every: float = 2.0
    seed: int = 0

    def check(self) -> None:
        if min(self.texts, self.texts_per_request, self.words_per_text, self.clients) < 1 or self.warmup < 0:
            raise ValueError("texts, texts per request, words per text and clients must be at least 1")
        if self.case not in CASES:
            raise ValueError(f"--case {self.case!r}: one of {', '.join(CASES)}")


def random_word(rng: random.Random, case: str, position: int) -> str:
    letters = string.ascii_lowercase
    if case == "lower":
        return "".join(rng.choices(letters, k=rng.randint(3, 10)))
    word = "".join(rng.choices(letters, k=rng.randint(4, 12)))
    return word.capitalize() if position % 3 == 0 else word


def random_texts(rng: random.Random, n: int, words: int, case: str = "lower") -> List[str]:
    """``n`` texts of ``words`` random words (see :class:`SoakOptions` for ``case``);
    with 26^3..26^12 possible words, nearly all unseen by the model and by each other."""
    return [" ".join(random_word(rng, case, i) for i in range(words)) for _ in range(n)]


class RssSampler(threading.Thread):
    """Samples the RSS of a process and its children (a server and its inference
    worker) every ``every`` seconds, with the texts sent so far."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.sent = 0
        self.samples: List[Dict[str, float]] = []
        self.start_time = time.perf_counter()
        self.stopped = threading.Event()

    def sample(self) -> float:
        rss = tree_rss_mb(self.pid)
        self.samples.append({"seconds": round(time.perf_counter() - self.start_time, 2), "texts": self.sent,
                             "rss_mb": round(rss, 1), "server_rss_mb": round(rss_mb(self.pid), 1)})
        return rss

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.sample()


async def send(url: str, sampler: RssSampler, n_texts: int, options: SoakOptions, deadline: float, seed: int, *,
               latencies: List[float], marks: Sequence[int] = ()) -> List[str]:
    """Send texts until ``n_texts`` are sent from ``options.clients`` clients; the errors.
    A sample is taken as the sent count passes each of ``marks`` (the tenths of the run)."""
    rng = random.Random(seed)
    errors: List[str] = []
    pending = sorted(marks)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def client_loop() -> None:
            while sampler.sent < n_texts and time.perf_counter() < deadline:
                texts = random_texts(rng, min(options.texts_per_request, n_texts - sampler.sent),
                                     options.words_per_text, options.case)
                sampler.sent += len(texts)
                started = time.perf_counter()
                response = await client.post("/ents", json={"texts": texts})
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                while pending and sampler.sent >= pending[0]:
                    pending.pop(0)
                    sampler.sample()

        await asyncio.gather(*(client_loop() for _ in range(options.clients)))
    return errors


def tenth_marks(warmup: int, texts: int) -> List[int]:
    """The sent counts at which each tenth of the soaked texts ends (0: the warm-up's end)."""
    return [warmup + texts * k // 10 for k in range(0, 11)]


def tenths(samples: Sequence[Dict[str, float]], warmup: int, texts: int) -> List[Dict[str, float]]:
    """Each tenth of the soaked texts (after the warm-up): RSS in the sample taken as it
    was reached, and the lowest (``floor_mb``) and highest (``peak_mb``) sample within it.
    A reload holds two pipelines for a moment and the peaks show it; what would grow
    without bound is the floor the RSS comes back to between reloads."""
    marks = tenth_marks(warmup, texts)
    out = []
    for start, mark in zip(marks, marks[1:]):
        inside = [s["rss_mb"] for s in samples if start < s["texts"] <= mark]
        at = next((s for s in samples if s["texts"] >= mark), None)
        if at is None or not inside:
            break
        out.append({"texts": mark, "rss_mb": at["rss_mb"], "floor_mb": min(inside), "peak_mb": max(inside)})
    return out


def slope_pct(points: Sequence[Dict[str, float]], per_texts: int = 50_000, key: str = "floor_mb") -> Optional[float]:
    """Least-squares slope of ``key`` (RSS) against texts over ``points``, in % of the
    first point's value per ``per_texts`` texts (None for fewer than two points)."""
    if len(points) < 2:
        return None
    xs, ys = [p["texts"] for p in points], [p[key] for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if not var:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var
    return round(slope * per_texts / ys[0] * 100, 3)


def run_soak(out_dir: Path, model: str = "en_custom_ner", url: Optional[str] = None, pid: Optional[int] = None,
             options: SoakOptions = SoakOptions()) -> Dict[str, Any]:
    """Soak ``url`` (with server process ``pid``) or a server started for ``model``; the report."""
    if (url is None) != (pid is None):
        raise ValueError("--url and --pid go together: the soak test reads the server's memory from its process")
    if url is not None and not is_loopback(url):
        raise ValueError(f"--url {url}: only loopback addresses (127.0.0.1, ::1, localhost) may be soaked")
    options.check()
    server = None
    if url is None:
        server, url = start_service(model)
        pid = server.pid
    latencies: List[float] = []
    try:
        sampler = RssSampler(pid, options.every)
        started = sampler.sample()
        deadline = time.perf_counter() + options.time_limit
        errors = asyncio.run(send(url, sampler, options.warmup, options, deadline, options.seed, latencies=[]))
        after_warmup = sampler.sample()
        msg.text(f"RSS {started:,.0f} MB at start, {after_warmup:,.0f} MB after {sampler.sent:,} warm-up texts")
        sampler.start()
        errors += asyncio.run(send(url, sampler, options.warmup + options.texts, options, deadline,
                                   options.seed + 1, latencies=latencies,
                                   marks=tenth_marks(options.warmup, options.texts)[1:]))
        sampler.stopped.set()
        sampler.join()
        final = sampler.sample()
    finally:
        if server is not None:
            stop_server(server)
    report = soak_report(model if server is not None else None, url, options, samples=sampler.samples,
                         started=started, after_warmup=after_warmup, final=final, errors=errors,
                         latencies=latencies, sent=sampler.sent)
    return write_soak(out_dir, report)


def soak_report(model: Optional[str], url: str, options: SoakOptions, *, samples: List[Dict[str, float]],
                started: float, after_warmup: float, final: float, errors: List[str], latencies: List[float],
                sent: int) -> Dict[str, Any]:
    """The soak's figures: RSS at start, after the warm-up, at each tenth and at the end;
    the last tenth's floor against the first's, the slope of the floors over the last
    half; request latency."""
    soaked = sent - options.warmup
    trace = tenths(samples, options.warmup, options.texts)
    first = trace[0]["floor_mb"] if trace else after_warmup
    last = trace[-1]["floor_mb"] if trace else final
    return {"url": url, "model": model, "texts": soaked, "warmup_texts": options.warmup,
            "texts_per_request": options.texts_per_request, "words_per_text": options.words_per_text,
            "case": options.case, "clients": options.clients, "seconds": samples[-1]["seconds"],
            "errors": len(errors), "first_errors": errors[:5], "stopped_by_time_limit": soaked < options.texts,
            "rss_start_mb": round(started, 1), "rss_after_warmup_mb": round(after_warmup, 1),
            "rss_final_mb": round(final, 1), "rss_max_mb": max(s["rss_mb"] for s in samples),
            "growth_pct": round((final - after_warmup) / after_warmup * 100, 2),
            "tenths": trace, "end_vs_first_tenth_pct": round((last - first) / first * 100, 2),
            "last_half_slope_pct_per_50k": slope_pct(trace[len(trace) // 2 - 1:] if len(trace) > 2 else trace),
            "latency_ms": {f"p{q}": round(percentile(latencies, q) * 1000, 1) for q in (50, 90, 99)} if latencies else {},
            "samples": samples}


def write_soak(out_dir: Path, report: Dict[str, Any]) -> Dict[str, Any]:
    write_json(out_dir / "soak.json", report)
    write_text(out_dir / "soak.md", render(report))
    plot(report, out_dir / "soak.png")
    return report


def render(report: Dict[str, Any]) -> str:
    slope = report["last_half_slope_pct_per_50k"]
    latency = report["latency_ms"]
    return "\n".join([
        "# REST service soak test", "",
        f"{report['texts']:,} texts of {report['words_per_text']} fresh random words ({report['case']} case) after "
        f"{report['warmup_texts']:,} warm-up texts, {report['texts_per_request']} per request, {report['clients']} "
        f"client(s), {report['seconds']:,.0f} s, {report['errors']} errors. RSS is the server's with its child "
        "processes.", "",
        "| RSS at start | after warm-up | final | max | growth after warm-up | floor: last vs first tenth | floor: last-half slope |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {report['rss_start_mb']:,.0f} MB | {report['rss_after_warmup_mb']:,.0f} MB | {report['rss_final_mb']:,.0f} MB "
        f"| {report['rss_max_mb']:,.0f} MB | {report['growth_pct']:+.1f} % | {report['end_vs_first_tenth_pct']:+.2f} % "
        f"| {'—' if slope is None else f'{slope:+.2f} % per 50k texts'} |", "",
        "| texts | RSS then | floor in the tenth | peak in the tenth |", "| ---: | ---: | ---: | ---: |",
        *[f"| {t['texts']:,} | {t['rss_mb']:,.0f} MB | {t['floor_mb']:,.0f} MB | {t['peak_mb']:,.0f} MB |"
          for t in report["tenths"]], "",
        "Request latency: " + (", ".join(f"{k} {v:,.1f} ms" for k, v in latency.items()) or "—") + ".", ""])


def plot(report: Dict[str, Any], path: Path) -> Path:
    """The server's RSS against the texts sent, with the warm-up level marked."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot([s["texts"] for s in report["samples"]], [s["rss_mb"] for s in report["samples"]], marker=".",
            label="server + workers")
    ax.plot([t["texts"] for t in report["tenths"]], [t["floor_mb"] for t in report["tenths"]], "o-", color="black",
            label="floor of each tenth")
    ax.axhline(report["rss_after_warmup_mb"], color="grey", linestyle="--", label="after warm-up")
    ax.axhline(report["rss_after_warmup_mb"] * 1.05, color="#d62728", linestyle=":", label="+5 %")
    ax.set_xlabel("texts sent")
    ax.set_ylabel("server RSS (MB)")
    ax.legend()
    return save_figure(fig, path)
