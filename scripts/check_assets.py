"""Check that every asset of project.yml exists and has its checksum.

    python scripts/check_assets.py [--data-dir ../shared/data] [--project-dir .]

Weasel's own asset check only warns (and exits 0) on a missing file or a wrong
checksum, so the workflow runs this first and stops with a clear message.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import typer
from custom_ner.cli import fail, line, msg
from weasel.util import get_checksum, load_project_config


@dataclass
class AssetCheck:
    dest: str
    ok: bool
    reason: str


def check_assets(project_dir: Path, overrides: Optional[Dict[str, str]] = None) -> List[AssetCheck]:
    """Check the assets of ``project_dir/project.yml`` with ``overrides`` (``{"vars.x": ...}``)."""
    config = load_project_config(project_dir, overrides=overrides or {})
    results = []
    for asset in config.get("assets", []):
        dest = asset["dest"]
        path = project_dir / dest
        expected = asset.get("checksum")
        if not path.exists():
            results.append(AssetCheck(dest, False, "missing"))
        elif expected and get_checksum(path) != expected:
            results.append(AssetCheck(dest, False, f"wrong checksum: MD5 {get_checksum(path)}, expected {expected}"))
        else:
            results.append(AssetCheck(dest, True, "ok" if expected else "ok (no checksum)"))
    return results


def main(
    data_dir: Optional[str] = typer.Option(None, help="Override vars.data_dir of project.yml"),
    project_dir: Path = typer.Option(Path("."), help="Project directory (holds project.yml)"),
) -> None:
    overrides = {"vars.data_dir": data_dir} if data_dir else {}
    results = check_assets(project_dir, overrides)
    if not results:
        msg.warn("project.yml defines no assets")
        return
    bad = [r for r in results if not r.ok]
    for r in results:
        line(r.ok, f"{r.dest}: {r.reason}")
    if bad:
        fail(
            f"{len(bad)} of {len(results)} asset(s) missing or changed; the workflow stops here. "
            "Put the datasets in the data directory (default ../shared/data, see its README.md) "
            "or point the workflow at your copy: python -m spacy project run all "
            "--vars.data_dir /path/to/data. A wrong checksum means the file is not the expected "
            "version (checksums are MD5, listed under 'assets' in project.yml)."
        )
    msg.good(f"All {len(results)} assets present with matching checksums")


if __name__ == "__main__":
    typer.run(main)
