"""Errors that name the file and line, and the reject log of lenient mode.

Every converter reports bad input as ``FILE:LINE: reason``. Parsers raise
:class:`RecordError` for one bad record; the driver either turns it into a
:class:`ConversionError` (strict, the default) or hands it to :class:`Rejects`
(``--lenient``), which writes the record out so nothing is dropped silently.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from .files import write_jsonl


class ConversionError(ValueError):
    """Bad input: the message always starts with ``FILE:LINE:`` (or ``FILE:``)."""

    def __init__(self, path: Union[str, Path], line: Optional[int], reason: str):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class RecordError(ValueError):
    """One bad record, found at ``line`` of the file being read (or of ``path``);
    ``raw`` is the record as the file has it, for the rejects file."""

    def __init__(self, line: Optional[int], reason: str, path: Union[str, Path, None] = None, raw: Any = None):
        self.line = line
        self.reason = reason
        self.path = path
        self.raw = raw
        super().__init__(reason)


@dataclass
class Rejects:
    """Collects bad records; raises on the first one unless ``lenient``."""

    path: Union[str, Path]
    lenient: bool = False
    records: List[Dict[str, Any]] = field(default_factory=list)

    def add(self, error: RecordError, raw: Any = None) -> None:
        source = str(error.path if error.path is not None else self.path)
        if not self.lenient:
            raise ConversionError(source, error.line, error.reason) from error
        record = raw if raw is not None else error.raw
        self.records.append({"file": source, "line": error.line, "reason": error.reason, "record": record})

    def __len__(self) -> int:
        return len(self.records)

    def write(self, output: Union[str, Path]) -> Optional[Path]:
        """Write the rejects next to ``output`` (``OUTPUT.rejects.jsonl``).

        A stale file from an earlier run is removed when there is nothing to write,
        so the file on disk always belongs to the latest conversion.
        """
        out = rejects_path(output)
        if self.records:
            return write_jsonl(out, self.records)  # whole: never a half-written rejects file
        if out.exists():
            out.unlink()
        return None


def rejects_path(output: Union[str, Path]) -> Path:
    """``corpus/train.spacy`` -> ``corpus/train.rejects.jsonl``."""
    output = Path(output)
    return output.with_name(output.stem + ".rejects.jsonl")
