"""The outputs of batch annotation: Prodigy-style JSONL records, or one row per entity
in CSV or Parquet, written beside the output and renamed into place at the end.

A job writes into ``.OUTPUT.partial`` and, after every durable step, records in
``.OUTPUT.checkpoint.json`` how many records are in it (and its byte length), so a
job that was killed can continue where it stopped (``--resume``) and still end with
the bytes an uninterrupted run writes. JSONL and CSV are flushed to disk (fsync) and
checkpointed at most once a second, so a resumed job redoes at most a second's work;
Parquet goes into part files, one per checkpoint (at most 50,000 rows each), and the
final file is written from the parts in row groups of exactly 50,000 rows, whatever
the parts were.
"""
import csv
import json
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import srsly

from ..data.errors import ConversionError
from ..formats.texts import Record, detect_format
from .engines import Result

OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
ENTITY_COLUMNS = ("line", "start", "end", "label", "text", "kb_id", "score")
ROW_GROUP = 50_000


def parquet_schema() -> Any:
    import pyarrow as pa

    return pa.schema([("line", pa.int64()), ("start", pa.int64()), ("end", pa.int64()),
                      ("label", pa.string()), ("text", pa.string()), ("kb_id", pa.string()),
                      ("score", pa.float64())])


class OutputWriter:
    """Writes records (jsonl) or one row per entity (csv, parquet) to ``.NAME.partial``
    beside ``path``; :meth:`commit` puts the finished output in place (atomic rename).

    ``job`` describes the run (input, model, options); with ``resume=True`` and a
    checkpoint of the same job, writing continues after the ``records`` already
    written (the caller skips that many input records). Otherwise any old partial
    output is discarded.
    """

    def __init__(self, path: Union[str, Path], fmt: str = "", job: Optional[Dict[str, Any]] = None,
                 resume: bool = False, checkpoint_every: float = 1.0):
        self.path = Path(path)
        self.fmt = detect_format(self.path, fmt, OUTPUT_FORMATS, "output")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = self.path.parent / f".{self.path.name}.partial"
        self.checkpoint = self.path.parent / f".{self.path.name}.checkpoint.json"
        self.job = {**(job or {}), "output_format": self.fmt}
        self.records = self.entities = self.words = self.parts = 0
        self.resumed = self.resumed_words = 0
        self.checkpoint_every = checkpoint_every
        self._last_checkpoint = time.monotonic()
        self._rows: Dict[str, list] = {c: [] for c in ENTITY_COLUMNS}
        self._file: Any = None
        state = self._resumable() if resume else None
        self.discarded = state is None and self.checkpoint.exists()  # an interrupted run, started again
        if state is None:
            self._discard()
        else:
            self.records, self.entities, self.words, self.parts = (state[k] for k in ("records", "entities", "words", "parts"))
            self.resumed, self.resumed_words = self.records, self.words
        if self.fmt == "parquet":
            self.partial.mkdir(exist_ok=True)
            for stale in self.partial.iterdir():
                if stale.suffix != ".parquet" or int(stale.stem.split("-")[1]) >= self.parts:
                    stale.unlink()  # written after the last checkpoint, or half written
        else:
            self._file = self.partial.open("r+b" if state else "wb")
            self._file.truncate(state["bytes"] if state else 0)  # drops a chunk half written when the job died
            self._file.seek(0, os.SEEK_END)
            if self.fmt == "csv" and not state:
                self._file.write(self._csv_bytes([ENTITY_COLUMNS]))

    def _resumable(self) -> Optional[Dict[str, Any]]:
        """The checkpoint, if it is of this job and its partial output is there."""
        if not self.checkpoint.exists():
            return None
        state = srsly.read_json(self.checkpoint)
        if state.get("job") != self.job:
            changed = sorted(k for k in set(self.job) | set(state.get("job", {}))
                             if self.job.get(k) != state.get("job", {}).get(k))
            raise ConversionError(self.checkpoint, None, f"cannot resume: this is a different job ({', '.join(changed)} "
                                  "changed); run without --resume to start again")
        if not self.partial.exists() or (self.partial.is_file() and self.partial.stat().st_size < state["bytes"]):
            raise ConversionError(self.partial, None, "cannot resume: the partial output is missing or shorter than "
                                  "its checkpoint says; run without --resume to start again")
        return state

    def _discard(self) -> None:
        self.checkpoint.unlink(missing_ok=True)
        if self.partial.is_dir():
            for part in self.partial.iterdir():  # parts, and a part.tmp a kill left half written
                part.unlink()
            self.partial.rmdir()
        else:
            self.partial.unlink(missing_ok=True)

    @staticmethod
    def _csv_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
        import io

        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode("utf-8")

    def write(self, records: Sequence[Record], results: Sequence[Result]) -> None:
        """Append ``records``' results; the counts change only once they are written."""
        lines: List[str] = []
        rows: Dict[str, list] = {c: [] for c in ENTITY_COLUMNS}
        for record, result in zip(records, results):
            if self.fmt == "jsonl":
                out = {**record.extra, "text": record.text, "spans": result.spans, "meta": record.meta}
                lines.append(json.dumps(out, ensure_ascii=False) + "\n")
            else:
                for span in result.spans:
                    for column, value in zip(ENTITY_COLUMNS, (record.line, span["start"], span["end"], span["label"],
                                                              span["text"], span.get("kb_id", ""),
                                                              span.get("score"))):
                        rows[column].append(value)
        if self.fmt == "jsonl":
            self._file.write("".join(lines).encode("utf-8"))
        elif self.fmt == "csv":
            self._file.write(self._csv_bytes(list(zip(*rows.values()))))
        else:
            for column in ENTITY_COLUMNS:
                self._rows[column] += rows[column]
        self.records += len(records)
        self.entities += sum(len(r.spans) for r in results)
        self.words += sum(r.n_words for r in results)
        if self.fmt == "parquet" and len(self._rows["line"]) >= ROW_GROUP:
            self._write_part()
            self._save_checkpoint()
        elif time.monotonic() - self._last_checkpoint >= self.checkpoint_every:
            if self.fmt == "parquet" and self._rows["line"]:
                self._write_part()
            self._save_checkpoint()

    def _write_part(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        part = self.partial / f"part-{self.parts:06d}.parquet"
        pq.write_table(pa.table(self._rows, schema=parquet_schema()), str(part) + ".tmp")
        os.replace(str(part) + ".tmp", part)
        self.parts += 1
        self._rows = {c: [] for c in ENTITY_COLUMNS}

    def _save_checkpoint(self) -> None:
        size = None
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            size = self._file.tell()
        state = {"job": self.job, "records": self.records, "entities": self.entities, "words": self.words,
                 "bytes": size, "parts": self.parts}
        srsly.write_json(str(self.checkpoint) + ".tmp", state)
        os.replace(str(self.checkpoint) + ".tmp", self.checkpoint)
        self._last_checkpoint = time.monotonic()

    def _assemble_parquet(self, target: Path) -> None:
        """One Parquet file from the parts, in row groups of exactly ROW_GROUP rows, so the
        file does not depend on where the parts happened to be cut."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        with pq.ParquetWriter(str(target), parquet_schema()) as out:
            pending: List[Any] = []
            rows = 0
            for part in sorted(self.partial.glob("part-*.parquet")):
                for batch in pq.ParquetFile(part).iter_batches(batch_size=ROW_GROUP):
                    pending.append(batch)
                    rows += batch.num_rows
                    while rows >= ROW_GROUP:
                        table = pa.Table.from_batches(pending, parquet_schema())
                        out.write_table(table.slice(0, ROW_GROUP), row_group_size=ROW_GROUP)
                        pending, rows = table.slice(ROW_GROUP).to_batches(), rows - ROW_GROUP
            if rows:
                out.write_table(pa.Table.from_batches(pending, parquet_schema()), row_group_size=ROW_GROUP)

    def commit(self) -> Path:
        if self.fmt == "parquet":
            if self._rows["line"]:
                self._write_part()
            target = self.path.parent / f".{self.path.name}.assembling"
            self._assemble_parquet(target)
            self._discard()
            os.replace(target, self.path)
        else:
            self._file.close()
            self.checkpoint.unlink(missing_ok=True)  # first: a kill between the two then only means a fresh start
            os.replace(self.partial, self.path)
        return self.path

    def close(self) -> None:
        """Stop writing after an error: what was written is checkpointed and stays, so
        ``--resume`` can continue the job."""
        if self.fmt == "parquet" and self._rows["line"]:
            self._write_part()
        if self._file is None or not self._file.closed:
            self._save_checkpoint()
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> "OutputWriter":
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is not None:
            self.close()
