"""Remove everything the workflows generate (corpus/, training/, vectors/, metrics/,
packages/ and weasel's project.lock), so the next run starts from the data alone.

    python scripts/clean.py [--project-dir .]
"""
from pathlib import Path

import typer

from custom_ner.console import msg
from custom_ner.workflow import clean


def main(project_dir: Path = typer.Option(Path("."), help="Project directory (holds project.yml)")) -> None:
    removed = clean(project_dir)
    msg.good(f"Removed {', '.join(str(p) for p in removed)}" if removed else "Nothing to remove")


if __name__ == "__main__":
    typer.run(main)
