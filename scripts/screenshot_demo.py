"""Start the Streamlit demo, screenshot it in headless Chromium and check it rendered.

    python scripts/screenshot_demo.py metrics/demo [--base ...] [--custom ...]

Writes OUT_DIR/demo.png and OUT_DIR/demo.json (pixels of each entity colour). Exits
1 when a custom label's colour (TICKER included) is missing from the screenshot:
the page did not render its entities.
"""
import os
import sys
from pathlib import Path
from typing import List

import srsly
import typer

from custom_ner.cli import fail, free_port, line, start_server, stop_server
from custom_ner.compare import COLORS, browser_version, find_browser, label_pixels, screenshot_when_ready
from custom_ner.demo import BASE_ENV, CUSTOM_ENV, DEFAULT_BASE, DEFAULT_CUSTOM

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo import command  # noqa: E402

# both columns done: two entity tables (or an error) and the app no longer running
READY = ("document.querySelectorAll('[data-testid=\"stDataFrame\"], [data-testid=\"stAlert\"]').length >= 2"
         " && !document.querySelector('[data-testid=\"stStatusWidget\"] img, .stSpinner')")


def main(
    out_dir: Path = typer.Argument(..., help="Directory for demo.png and demo.json"),
    base: str = typer.Option(DEFAULT_BASE, help="Base pipeline (package or directory)"),
    custom: str = typer.Option(DEFAULT_CUSTOM, help="Custom pipeline (package or directory)"),
    expect: List[str] = typer.Option(["PERSON", "ORG", "LOC", "TICKER"], "--expect",
                                     help="Labels whose colour must appear (repeat)"),
    timeout: float = typer.Option(180, help="Seconds the page may take to render both columns"),
) -> None:
    browser = find_browser()
    if browser is None:
        fail("no Chromium found; on Debian: apt-get install chromium")
    port = free_port()
    env = {**os.environ, BASE_ENV: base, CUSTOM_ENV: custom}
    server = start_server(command("127.0.0.1", port), f"http://127.0.0.1:{port}/_stcore/health", env=env)
    try:
        png = screenshot_when_ready(f"http://127.0.0.1:{port}/", out_dir / "demo.png", READY, browser, width=1600,
                                    height=1400, timeout=timeout)
    finally:
        stop_server(server)
    pixels = label_pixels(png, COLORS)
    missing = [label for label in expect if not pixels.get(label)]
    srsly.write_json(out_dir / "demo.json", {"browser": browser_version(browser), "base": base, "custom": custom,
                                             "label_pixels": pixels, "missing": missing})
    line(not missing, f"{png}: label pixels {pixels}" + (f"; missing {missing}" if missing else ""))
    if missing:
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
