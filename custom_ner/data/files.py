"""Small files written whole or not at all: a killed step leaves the old file or none."""
import os
from pathlib import Path
from typing import Any, Union

import srsly


def write_json(path: Union[str, Path], data: Any) -> Path:
    """``data`` as JSON at ``path`` (parents made), through a temporary file beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    srsly.write_json(tmp, data)
    os.replace(tmp, path)
    return path
