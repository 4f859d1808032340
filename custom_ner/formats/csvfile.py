"""CSV files: rows with the line each starts on, checked against the header.

The one CSV reader: the GMB token table (converter, word-vector text), AG News and
the batch annotator's input all read through :class:`CsvFile`. A row whose bytes do
not decode or whose field count differs from the header (usually an unescaped quote
that merged or split records) carries an ``error``; the caller decides whether that
rejects the row or, as for GMB, the whole sentence it belongs to. Quoted fields may
span lines. Blank lines hold no row and are skipped.
"""
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Union

from ..data.errors import ConversionError
from ..data.lines import Line, iter_lines


@dataclass(frozen=True)
class Row:
    line: int  # first line of the row
    fields: List[str]
    raw: str  # the row's lines as in the file, for the rejects file
    error: Optional[str] = None  # why the row cannot be used


class CsvFile:
    """The data rows of a CSV file, read once as a stream; ``header`` holds its first row
    if it has one (read when the file is opened, so a bad header fails at once)."""

    def __init__(self, path: Union[str, Path], encoding: str = "utf-8", delimiter: str = ",", header: bool = True):
        self.path = Path(path)
        self._rows = self._read(encoding, delimiter)
        self.header: Optional[List[str]] = None
        if header:
            first = next(self._rows, None)
            if first is None:
                raise ConversionError(self.path, None, "empty input (no header row)")
            if first.error:
                raise ConversionError(self.path, first.line, first.error)
            self.header = first.fields

    def columns(self, names: Sequence[str], hint: str = "") -> Dict[str, int]:
        """The index of each named header column; missing ones are a :class:`ConversionError`."""
        header = self.header or []
        missing = [name for name in names if name not in header]
        if missing:
            raise ConversionError(
                self.path, 1,
                f"missing CSV column(s) {', '.join(repr(m) for m in missing)} "
                f"(the header has {', '.join(repr(h) for h in header)}){hint}",
            )
        return {name: header.index(name) for name in names}

    def __iter__(self) -> Iterator[Row]:
        for row in self._rows:
            if row.error is None and self.header is not None and len(row.fields) != len(self.header):
                error = f"wrong column count: expected {len(self.header)} fields, found {len(row.fields)}"
                row = Row(row.line, row.fields, row.raw, error)
            yield row

    def _read(self, encoding: str, delimiter: str) -> Iterator[Row]:
        pending: List[Line] = []  # the lines the csv module has read since the last row

        def feed() -> Iterator[str]:
            for ln in iter_lines(self.path, encoding):
                pending.append(ln)
                yield ln.text + "\n"

        reader = csv.reader(feed(), delimiter=delimiter)
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                raise ConversionError(self.path, pending[-1].number if pending else None, f"unreadable CSV: {err}") from None
            lines, pending[:] = list(pending), []
            if not fields:
                continue
            error = next((ln.error for ln in lines if ln.error), None)
            yield Row(lines[0].number, fields, "\n".join(ln.text for ln in lines), error)
