"""The outputs of batch annotation: Prodigy-style JSONL records, or one row per entity
in CSV or Parquet, written to a temporary file and renamed into place at the end."""
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Sequence, Union

from ..data.texts import Record, detect_format
from .engines import Result

OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
ENTITY_COLUMNS = ("line", "start", "end", "label", "text", "kb_id")


class OutputWriter:
    """Writes records (jsonl) or one row per entity (csv, parquet) to a temporary
    file beside ``path``; :meth:`commit` renames it into place (atomic on POSIX)."""

    def __init__(self, path: Union[str, Path], fmt: str = ""):
        self.path = Path(path)
        self.fmt = detect_format(self.path, fmt, OUTPUT_FORMATS, "output")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.records = self.entities = 0
        self._rows: Dict[str, list] = {c: [] for c in ENTITY_COLUMNS}
        self._parquet: Any = None
        self._file: Any = None
        if self.fmt == "jsonl":
            self._file = self.tmp.open("w", encoding="utf-8")
        elif self.fmt == "csv":
            self._file = self.tmp.open("w", encoding="utf-8", newline="")
            self._csv = csv.writer(self._file)
            self._csv.writerow(ENTITY_COLUMNS)

    def write(self, records: Sequence[Record], results: Sequence[Result]) -> None:
        for record, result in zip(records, results):
            self.records += 1
            self.entities += len(result.spans)
            if self.fmt == "jsonl":
                out = {**record.extra, "text": record.text, "spans": result.spans, "meta": record.meta}
                self._file.write(json.dumps(out, ensure_ascii=False) + "\n")
            else:
                for span in result.spans:
                    for column, value in zip(ENTITY_COLUMNS, (record.line, span["start"], span["end"], span["label"],
                                                              span["text"], span.get("kb_id", ""))):
                        self._rows[column].append(value)
        if self.fmt == "csv":
            self._csv.writerows(zip(*self._rows.values()))
            self._rows = {c: [] for c in ENTITY_COLUMNS}
        elif self.fmt == "parquet" and len(self._rows["line"]) >= 50_000:
            self._flush_parquet()

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([("line", pa.int64()), ("start", pa.int64()), ("end", pa.int64()),
                            ("label", pa.string()), ("text", pa.string()), ("kb_id", pa.string())])
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(str(self.tmp), schema)
        self._parquet.write_table(pa.table(self._rows, schema=schema))
        self._rows = {c: [] for c in ENTITY_COLUMNS}

    def commit(self) -> Path:
        if self.fmt == "parquet":
            self._flush_parquet()  # also writes the schema when there are no entities
            self._parquet.close()
        else:
            self._file.close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._parquet is not None:
            self._parquet.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> "OutputWriter":
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is not None:
            self.abort()


