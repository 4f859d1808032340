"""Reading text files line by line without losing line numbers.

Every reader of the project (column files, CSV, JSON lines, plain texts) starts here.
Decoding happens per line so that undecodable bytes are reported at the line where
they are, and lenient mode can reject just the record that holds them. Lines are
read as a stream: a file of a million lines is never held in memory at once.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Union

from .errors import ConversionError


@dataclass(frozen=True)
class Line:
    number: int  # 1-based
    text: str  # without the line ending; undecodable bytes replaced by U+FFFD
    error: Optional[str] = None  # why the line could not be decoded

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def check_file(path: Union[str, Path]) -> Path:
    """``path`` as a Path; a missing file or a directory is a :class:`ConversionError`."""
    path = Path(path)
    if not path.exists():
        raise ConversionError(path, None, "file not found")
    if path.is_dir():
        raise ConversionError(path, None, "is a directory, expected a file")
    return path


def iter_lines(path: Union[str, Path], encoding: str = "utf-8") -> Iterator[Line]:
    """The lines of ``path``, decoded one by one (a UTF-8 byte-order mark is dropped)."""
    path = check_file(path)
    utf8 = encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig")
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if number == 1 and utf8 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            raw = raw[:-1] if raw.endswith(b"\n") else raw
            raw = raw[:-1] if raw.endswith(b"\r") else raw
            try:
                yield Line(number, raw.decode(encoding))
            except UnicodeDecodeError as err:
                bad = raw[err.start : err.end]
                reason = (
                    f"undecodable bytes {bad!r} at column {err.start + 1} "
                    f"(not valid {encoding}; pass --encoding if the file uses another one)"
                )
                yield Line(number, raw.decode(encoding, errors="replace"), reason)


def read_lines(path: Union[str, Path], encoding: str = "utf-8") -> List[Line]:
    """All lines of ``path``; a file without content is a :class:`ConversionError`."""
    lines = list(iter_lines(path, encoding))
    if all(ln.blank for ln in lines):
        raise ConversionError(path, None, "empty input (the file has no content)")
    return lines
