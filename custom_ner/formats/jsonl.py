"""JSON lines: one JSON object a line, each read with its line number.

The one JSONL reader: Prodigy annotations, the texts of the unannotated pools and
the batch annotator's input all come through :func:`read_jsonl`, so a bad line is
reported the same way everywhere (``FILE:LINE: reason``; strict unless lenient).
Every line must hold a JSON object: a blank line is a bad record too (JSON Lines has
none), so a truncated or hand-edited file is noticed rather than read in part.
"""
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Union

from ..data.errors import RecordError, Rejects
from ..data.lines import iter_lines


@dataclass(frozen=True)
class JsonLine:
    number: int  # the line of the file
    data: Dict[str, Any]
    raw: str  # the line as it is in the file, for the rejects file


def parse_object(text: str, line: int) -> Dict[str, Any]:
    """One line's JSON object; anything else is a :class:`RecordError`."""
    try:
        data = json.loads(text)
    except ValueError as err:
        raise RecordError(line, f"invalid JSON: {err}") from None
    if not isinstance(data, dict):
        raise RecordError(line, f"expected a JSON object, found {type(data).__name__}")
    return data


def read_jsonl(path: Union[str, Path], rejects: Rejects, encoding: str = "utf-8") -> Iterator[JsonLine]:
    """The objects of ``path`` in order; bad lines go to ``rejects`` (which raises unless lenient)."""
    for ln in iter_lines(path, encoding):
        try:
            if ln.error:
                raise RecordError(ln.number, ln.error)
            if ln.blank:
                raise RecordError(ln.number, "empty line")
            data = parse_object(ln.text, ln.number)
        except RecordError as err:
            rejects.add(err, raw=ln.text)
            continue
        yield JsonLine(ln.number, data, ln.text)
