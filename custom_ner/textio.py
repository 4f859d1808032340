"""Reading text files line by line without losing line numbers.

Decoding happens per line so that undecodable bytes are reported at the line
where they are, and lenient mode can reject just the record that holds them.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Union

from .errors import ConversionError


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    text: str  # without the line ending; undecodable bytes replaced by U+FFFD
    error: Optional[str] = None  # why the line could not be decoded

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def read_lines(path: Union[str, Path], encoding: str = "utf-8") -> List[Line]:
    """Decode ``path`` line by line; an empty file is a :class:`ConversionError`."""
    path = Path(path)
    if not path.exists():
        raise ConversionError(path, None, "file not found")
    if path.is_dir():
        raise ConversionError(path, None, "is a directory, expected a file")
    data = path.read_bytes()
    if not data.strip():
        raise ConversionError(path, None, "empty input (the file has no content)")
    if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        data = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    lines: List[Line] = []
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        try:
            lines.append(Line(number, raw.decode(encoding)))
        except UnicodeDecodeError as err:
            bad = raw[err.start : err.end]
            reason = (
                f"undecodable bytes {bad!r} at column {err.start + 1} "
                f"(not valid {encoding}; pass --encoding if the file uses another one)"
            )
            lines.append(Line(number, raw.decode(encoding, errors="replace"), reason))
    return lines
