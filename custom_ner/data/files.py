"""Small files written whole or not at all: a killed step leaves the old file or none."""
import os
from pathlib import Path
from typing import Any, Callable, Iterable, Union

import srsly


def write_whole(path: Union[str, Path], write: Callable[[Path], Any]) -> Path:
    """``write`` a temporary file beside ``path`` (parents made), then move it over ``path``;
    the writers below and any other (a DocBin's ``to_disk``) go through it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a failed write leaves the old file and no temporary one
        raise
    os.replace(tmp, path)
    return path


def write_json(path: Union[str, Path], data: Any) -> Path:
    """``data`` as JSON at ``path``."""
    return write_whole(path, lambda tmp: srsly.write_json(tmp, data))


def write_jsonl(path: Union[str, Path], records: Iterable[Any]) -> Path:
    """``records`` as JSON lines at ``path``."""
    return write_whole(path, lambda tmp: srsly.write_jsonl(tmp, records))


def write_text(path: Union[str, Path], text: str) -> Path:
    """``text`` as UTF-8 at ``path``."""
    return write_whole(path, lambda tmp: tmp.write_text(text, encoding="utf8"))
