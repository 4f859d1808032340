"""Package a pipeline as a wheel with `spacy package`, reproducibly: the same model
gives the same wheel bytes (fixed zip timestamps; custom_ner/workflow.py).

    python scripts/package.py MODEL OUT_DIR --name custom_ner --version 1.0.0 \
        --meta-path metrics/cpu-meta.json [--code a.py,b.py] [-- more spacy package options]
"""
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.workflow import package

app = typer.Typer(add_completion=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    model: Path = typer.Argument(..., exists=True, file_okay=False, help="Pipeline directory"),
    out_dir: Path = typer.Argument(..., help="Where the package directory goes"),
    name: str = typer.Option(..., help="Package name (without the language prefix)"),
    version: str = typer.Option(..., help="Package version"),
    meta_path: Path = typer.Option(..., exists=True, dir_okay=False, help="meta.json (scripts/make_meta.py)"),
    code: Optional[str] = typer.Option(None, help="Comma-separated code files the pipeline needs"),
) -> None:
    args = ["--name", name, "--version", version, "--meta-path", str(meta_path), "--build", "wheel", "--force"]
    code_args = ["--code", code] if code else []
    if package(model, out_dir, [*args, *code_args, *ctx.args]):
        fail(f"spacy package failed for {model}")
    msg.good(f"Packaged {model} into {out_dir} (reproducible wheel)")


if __name__ == "__main__":
    app()
