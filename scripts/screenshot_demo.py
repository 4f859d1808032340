"""Start the Streamlit demo, screenshot it in headless Chromium and check it rendered.

    python scripts/screenshot_demo.py metrics/demo [--base ...] [--custom ...]

Writes OUT_DIR/demo.png and OUT_DIR/demo.json (pixels of each entity colour). Exits
1 when a custom label's colour (TICKER included) is missing from the screenshot:
the page did not render its entities.
"""
import sys
from pathlib import Path
from typing import List

import typer

from custom_ner.apps.demo import DEFAULT_BASE, DEFAULT_CUSTOM, screenshot_demo
from custom_ner.console import fail, line


def main(
    out_dir: Path = typer.Argument(..., help="Directory for demo.png and demo.json"),
    base: str = typer.Option(DEFAULT_BASE, help="Base pipeline (package or directory)"),
    custom: str = typer.Option(DEFAULT_CUSTOM, help="Custom pipeline (package or directory)"),
    expect: List[str] = typer.Option(["PERSON", "ORG", "LOC", "TICKER"], "--expect",
                                     help="Labels whose colour must appear (repeat)"),
    timeout: float = typer.Option(180, help="Seconds the page may take to render both columns"),
) -> None:
    try:
        result = screenshot_demo(out_dir, base, custom, expect, timeout)
    except (FileNotFoundError, RuntimeError, TimeoutError) as err:
        fail(err)
    missing = result["missing"]
    line(not missing, f"{result['screenshot']}: label pixels {result['label_pixels']}" + (f"; missing {missing}" if missing else ""))
    if missing:
        sys.exit(1)


if __name__ == "__main__":
    typer.run(main)
