"""Texts to annotate from .txt, .csv or .jsonl files, each with where it came from.

The batch annotator, the silver step, the word-vector text and the load test read
their texts here. ``.txt`` holds one text per line; ``.csv`` one per row
(``text_column`` names the column, or numbers it from 1 without a header);
``.jsonl`` one per object (``text_column`` is the field; other fields are carried
over). A bad record goes to ``rejects``: strict callers stop at it, lenient ones
(the batch annotator) skip it into OUTPUT.rejects.jsonl.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Sequence, Union

from .csvfile import CsvFile
from ..data.errors import ConversionError, RecordError, Rejects
from .jsonl import read_jsonl
from ..data.lines import check_file, iter_lines

INPUT_FORMATS = ("txt", "csv", "jsonl")
# jsonl fields that describe an old annotation and would be stale next to new spans
STALE_FIELDS = ("text", "spans", "tokens", "meta", "_task_hash", "answer")


@dataclass
class Record:
    """One text and what is carried over to its output record."""

    line: int  # 1-based line where the record starts in the input file
    text: str
    meta: Dict[str, Any] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)  # other top-level jsonl fields


def text_problem(text: Any) -> Optional[str]:
    """Why ``text`` cannot be annotated (None if it can); the REST service asks too."""
    if not isinstance(text, str):
        return f"text must be a string, found {type(text).__name__}"
    if not text.strip():
        return "empty text"
    for i, ch in enumerate(text):
        if "\ud800" <= ch <= "\udfff":
            return f"unpaired surrogate U+{ord(ch):04X} at character {i} (not valid Unicode)"
    return None


def detect_format(path: Union[str, Path], given: str, allowed: Sequence[str], what: str) -> str:
    """The file format from ``given`` or else from the suffix; a clear error otherwise."""
    fmt = (given or Path(path).suffix.lstrip(".")).lower()
    if fmt not in allowed:
        raise ConversionError(path, None, f"unknown {what} format {fmt!r}: expected one of {', '.join(allowed)} "
                                          f"(name the file .{'/.'.join(allowed)} or pass --{what}-format)")
    return fmt


def read_records(
    path: Union[str, Path],
    rejects: Rejects,
    fmt: str = "",
    text_column: str = "text",
    header: bool = True,
    encoding: str = "utf-8",
) -> Iterator[Record]:
    """Stream the good records of ``path``; bad ones go to ``rejects``.

    A file that cannot be read at all (missing, a directory, a CSV without the text
    column) is a :class:`ConversionError` at once, before the first record.
    """
    fmt = detect_format(path, fmt, INPUT_FORMATS, "input")
    path = check_file(path)
    if fmt == "csv":  # the header and the text column are checked here, not at the first record
        reader = _csv_records(CsvFile(path, encoding, header=header), text_column)
    elif fmt == "txt":
        reader = _txt_records(path, encoding)
    else:
        reader = _jsonl_records(path, rejects, text_column, encoding)
    return _checked(reader, rejects)


def _checked(items: Iterator[Union[Record, RecordError]], rejects: Rejects) -> Iterator[Record]:
    for item in items:
        if isinstance(item, Record):
            problem = text_problem(item.text)
            if problem is None:
                yield item
                continue
            item = RecordError(item.line, problem, raw=item.text)
        rejects.add(item)


def _txt_records(path: Path, encoding: str) -> Iterator[Union[Record, RecordError]]:
    for ln in iter_lines(path, encoding):
        yield RecordError(ln.number, ln.error, raw=ln.text) if ln.error else Record(ln.number, ln.text, {"line": ln.number})


def _jsonl_records(path: Path, rejects: Rejects, text_column: str, encoding: str) -> Iterator[Union[Record, RecordError]]:
    for obj in read_jsonl(path, rejects, encoding):
        if text_column not in obj.data:
            yield RecordError(obj.number, f"no {text_column!r} field", raw=obj.raw)
            continue
        meta = obj.data.get("meta") if isinstance(obj.data.get("meta"), dict) else {}
        extra = {k: v for k, v in obj.data.items() if k not in STALE_FIELDS and k != text_column}
        yield Record(obj.number, obj.data[text_column], dict(meta), extra)


def _csv_records(table: CsvFile, text_column: str) -> Iterator[Union[Record, RecordError]]:
    if table.header is not None:
        column = table.columns([text_column], hint="; pass --text-column, or --no-header and a column number")[text_column]
    elif text_column.isdigit() and int(text_column) >= 1:
        column = int(text_column) - 1
    else:
        raise ConversionError(table.path, None, f"--no-header needs --text-column as a column number from 1, got {text_column!r}")
    return _csv_rows(table, column)


def _csv_rows(table: CsvFile, column: int) -> Iterator[Union[Record, RecordError]]:
    for row in table:
        error = row.error
        if error is None and len(row.fields) <= column:
            error = f"no column {column + 1}: the row has {len(row.fields)} fields"
        if error:
            yield RecordError(row.line, error, raw=row.raw)
            continue
        names = table.header or [str(i) for i in range(1, len(row.fields) + 1)]
        meta: Dict[str, Any] = {k: v for k, v in zip(names, row.fields) if k != names[column]}
        meta["line"] = row.line
        yield Record(row.line, row.fields[column], meta)
