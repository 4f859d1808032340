"""The project's own checks and housekeeping around project.yml.

- :func:`check_assets`: every asset exists with its checksum. Weasel's own check only
  warns (and exits 0) on a missing file or a wrong checksum, so ``all`` runs this first.
- :func:`clean`: removes everything the workflows generate, so the next run starts
  from the data alone.
- :func:`package`: ``spacy package`` with fixed zip timestamps, so that one model
  always gives the same wheel bytes.
"""
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from weasel.util import get_checksum, load_project_config

# what the workflows write (also listed in .gitignore); project.lock is weasel's record of
# what ran (weasel writes a new one after `clean`, holding only that step)
GENERATED = ("corpus", "training", "vectors", "metrics", "packages", "project.lock")


@dataclass
class AssetCheck:
    dest: str
    ok: bool
    reason: str


def check_assets(project_dir: Union[str, Path], overrides: Optional[Dict[str, str]] = None) -> List[AssetCheck]:
    """Check the assets of ``project_dir/project.yml`` with ``overrides`` (``{"vars.x": ...}``)."""
    project_dir = Path(project_dir)
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


def clean(project_dir: Union[str, Path], generated: Sequence[str] = GENERATED) -> List[Path]:
    """Remove what the workflows generated below ``project_dir``; returns what was removed."""
    removed = []
    for name in generated:
        path = Path(project_dir) / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        else:
            continue
        removed.append(path)
    return removed


def compile_package() -> bool:
    """Write the bytecode of every module of this package now, before any step runs.

    Steps list code directories as deps, and weasel hashes every file under them,
    ``__pycache__`` included: a module's ``.pyc`` written when a later step first
    imports it would change an earlier step's hash and rerun it on the next ``run all``.
    Compiled up front, the ``.pyc`` files change only when their source does."""
    import compileall

    return bool(compileall.compile_dir(Path(__file__).resolve().parent, quiet=1))


# zip's earliest date (1980-01-01): a wheel's file times would otherwise be the build's mtimes
WHEEL_EPOCH = "315532800"


def package(model: Union[str, Path], out_dir: Union[str, Path], args: Sequence[str] = ()) -> int:
    """``python -m spacy package MODEL OUT_DIR ARGS`` with ``SOURCE_DATE_EPOCH`` set
    (:data:`WHEEL_EPOCH` unless the environment sets it): the wheel's zip entries get
    that time instead of the build's, and the same model packs to the same bytes.
    Returns spaCy's exit code."""
    # a fixed hash seed too: nothing the build tools write (egg-info, RECORD) may follow set order
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", WHEEL_EPOCH),
           "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, "-m", "spacy", "package", str(model), str(out_dir), *args], env=env).returncode
