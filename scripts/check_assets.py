"""Check that every asset of project.yml exists and has its checksum; compile the
package's bytecode up front (custom_ner/workflow.py says why).

    python scripts/check_assets.py [--data-dir ../shared/data] [--project-dir .]
"""
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import fail, line, msg
from custom_ner.workflow import check_assets, compile_package


def main(
    data_dir: Optional[str] = typer.Option(None, help="Override vars.data_dir of project.yml"),
    project_dir: Path = typer.Option(Path("."), help="Project directory (holds project.yml)"),
) -> None:
    results = check_assets(project_dir, {"vars.data_dir": data_dir} if data_dir else {})
    for r in results:
        line(r.ok, f"{r.dest}: {r.reason}")
    bad = [r for r in results if not r.ok]
    if bad:
        fail(
            f"{len(bad)} of {len(results)} asset(s) missing or changed; the workflow stops here. "
            "Put the datasets in the data directory (default ../shared/data, see its README.md) "
            "or point the workflow at your copy: python -m spacy project run all . "
            "--vars.data_dir /path/to/data. A wrong checksum means the file is not the expected "
            "version (checksums are MD5, listed under 'assets' in project.yml)."
        )
    msg.good(f"All {len(results)} assets present with matching checksums")
    if not compile_package():
        fail("custom_ner/ does not compile (see above)")


if __name__ == "__main__":
    typer.run(main)
