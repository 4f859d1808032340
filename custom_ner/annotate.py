"""Batch annotation: read texts (.txt/.csv/.jsonl), run a pipeline, write entities.

Both engines (local processes here, Spark in :mod:`custom_ner.spark_engine`) share
the reader, :func:`doc_spans` and :class:`OutputWriter`, so they write the same
bytes for the same input. Bad records never stop a job: they go to
``OUTPUT.rejects.jsonl`` with their line and reason. Output is written to a
temporary file beside OUTPUT and renamed into place only when the job has
finished, so a crash or Ctrl-C leaves either the old file or the complete new one.
"""
import csv
import io
import json
import multiprocessing
import os
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .errors import ConversionError, RecordError, Rejects

INPUT_FORMATS = ("txt", "csv", "jsonl")
OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
ENTITY_COLUMNS = ("line", "start", "end", "label", "text", "kb_id")
# jsonl fields that describe the old annotation and would be stale next to the new spans
STALE_FIELDS = ("text", "spans", "tokens", "meta", "_task_hash", "answer")

Spans = List[Dict[str, Any]]


@dataclass
class Record:
    """One text to annotate and what is carried over to its output record."""

    line: int  # 1-based line where the record starts in the input file
    text: str
    meta: Dict[str, Any] = field(default_factory=dict)
    extra: Dict[str, Any] = field(default_factory=dict)  # other top-level jsonl fields


@dataclass
class Result:
    """What the model found in one text: its token count and its entity spans."""

    n_words: int
    spans: Spans


def text_problem(text: Any) -> Optional[str]:
    """Why ``text`` cannot be annotated (None if it can): shared with the REST service."""
    if not isinstance(text, str):
        return f"text must be a string, found {type(text).__name__}"
    if not text.strip():
        return "empty text"
    for i, ch in enumerate(text):
        if "\ud800" <= ch <= "\udfff":
            if "\udc80" <= ch <= "\udcff":
                return f"undecodable byte 0x{ord(ch) - 0xDC00:02x} at character {i}"
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
    """Stream the good records of ``path``; bad ones go to ``rejects`` (lenient).

    A file that cannot be read at all (missing, a directory, a CSV without the text
    column) is a :class:`ConversionError`: there is nothing to skip to.
    """
    path = Path(path)
    fmt = detect_format(path, fmt, INPUT_FORMATS, "input")
    if not path.is_file():
        raise ConversionError(path, None, "is a directory, expected a file" if path.exists() else "file not found")
    return _records(path, rejects, fmt, text_column, header, encoding)


def _records(path: Path, rejects: Rejects, fmt: str, text_column: str, header: bool, encoding: str) -> Iterator[Record]:
    reader = {"txt": _read_txt, "jsonl": _read_jsonl, "csv": _read_csv}[fmt]
    with path.open("r", encoding=encoding, errors="surrogateescape", newline="") as f:
        for item in reader(f, path, text_column, header):
            if isinstance(item, Record):
                problem = text_problem(item.text)
                if problem is None:
                    yield item
                    continue
                item = (RecordError(item.line, problem), item.text)
            error, raw = item
            rejects.add(error, raw=_printable(raw))


def _printable(raw: Any) -> Any:
    """Rejected raw text with undecodable bytes as U+FFFD so the rejects file stays valid JSON."""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return raw


def _lines(f: io.TextIOBase) -> Iterator[Tuple[int, str]]:
    for number, line in enumerate(f, start=1):
        yield number, line.rstrip("\r\n")


def _read_txt(f, path: Path, text_column: str, header: bool) -> Iterator[Any]:
    for number, line in _lines(f):
        yield Record(number, line, {"line": number})


def _read_jsonl(f, path: Path, text_column: str, header: bool) -> Iterator[Any]:
    for number, line in _lines(f):
        if not line.strip():
            yield RecordError(number, "empty line"), line
            continue
        try:
            record = json.loads(line)
        except ValueError as err:
            yield RecordError(number, f"invalid JSON: {err}"), line
            continue
        if not isinstance(record, dict):
            yield RecordError(number, f"expected a JSON object, found {type(record).__name__}"), line
            continue
        if text_column not in record:
            yield RecordError(number, f"no {text_column!r} field"), line
            continue
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
        extra = {k: v for k, v in record.items() if k not in STALE_FIELDS and k != text_column}
        yield Record(number, record[text_column], dict(meta), extra)


def _read_csv(f, path: Path, text_column: str, header: bool) -> Iterator[Any]:
    reader = csv.reader(f)
    start = 1
    try:
        first = next(reader) if header else None
    except StopIteration:
        raise ConversionError(path, None, "empty input (no header row)") from None
    if header:
        names = first
        start = reader.line_num + 1
        if text_column not in names:
            raise ConversionError(path, 1, f"no column {text_column!r} in the header (columns: {', '.join(names)}); "
                                           "pass --text-column, or --no-header and a column number")
        column = names.index(text_column)
    else:
        names = []
        if not text_column.isdigit() or int(text_column) < 1:
            raise ConversionError(path, None, f"--no-header needs --text-column as a column number from 1, got {text_column!r}")
        column = int(text_column) - 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not row:
            yield RecordError(line, "empty line"), ""
            continue
        if len(row) <= column or (names and len(row) != len(names)):
            # a short or long row is usually an unescaped quote that merged or split records
            reason = f"row has {len(row)} fields" + (f", the header has {len(names)}" if names else "")
            if len(row) <= column:
                reason += f": no column {text_column!r}"
            yield RecordError(line, reason), ",".join(row)
            continue
        keys = names if names else [str(i) for i in range(1, len(row) + 1)]
        meta = {k: _printable(v) for k, v in zip(keys, row) if k != keys[column]}
        meta["line"] = line
        yield Record(line, row[column], meta)


def doc_spans(doc: Any) -> Spans:
    """Prodigy-style spans of ``doc.ents``; ``kb_id`` only where the linker set one."""
    spans = []
    for ent in doc.ents:
        span = {"start": ent.start_char, "end": ent.end_char, "label": ent.label_, "text": ent.text}
        if ent.kb_id_:
            span["kb_id"] = ent.kb_id_
        spans.append(span)
    return spans


def load_model(model: str) -> Any:
    """``spacy.load`` with the linker factory registered for pipeline directories;
    a missing package gets the hint to build and install the wheel."""
    import spacy

    if Path(model).exists():  # a directory needs the linker's code; a package brings its own copy
        from . import ticker_linker  # noqa: F401  (registers custom_ner_ticker_linker if no copy did)
    try:
        return spacy.load(model)
    except OSError as err:
        if "E050" in str(err):
            raise OSError(f"cannot load model {model!r}: not an installed package or a pipeline directory. "
                          "Build and install en_custom_ner with `python -m spacy project run all` and "
                          "`python -m spacy project run install`, or pass a pipeline directory.") from err
        raise


def model_labels(nlp: Any) -> List[str]:
    """Entity labels a pipeline can predict: those of its NER and entity-ruler
    components and the label its TICKER linker adds (not the tagger's or parser's)."""
    labels = set()
    for name, pipe in nlp.pipeline:
        factory = nlp.get_pipe_meta(name).factory
        if factory in ("ner", "beam_ner", "entity_ruler"):
            labels.update(pipe.labels)
        elif isinstance(getattr(pipe, "label", None), str):
            labels.add(pipe.label)
    return sorted(labels)


def annotate_texts(nlp: Any, texts: Sequence[str], batch_size: int) -> List[Result]:
    return [Result(len(doc), doc_spans(doc)) for doc in nlp.pipe(texts, batch_size=batch_size)]


_WORKER_NLP: Any = None
_WORKER_ERROR: Optional[BaseException] = None


def _init_worker(model: str) -> None:
    # an initializer that raises makes multiprocessing.Pool restart workers forever:
    # keep the error and raise it from the first task, where the parent sees it
    global _WORKER_NLP, _WORKER_ERROR
    try:
        _WORKER_NLP = load_model(model)
    except Exception as err:  # noqa: BLE001
        _WORKER_ERROR = err


def _worker_chunk(args: Tuple[List[str], int]) -> List[Result]:
    if _WORKER_ERROR is not None:
        raise _WORKER_ERROR
    texts, batch_size = args
    return annotate_texts(_WORKER_NLP, texts, batch_size)


def chunks(records: Iterable[Record], size: int) -> Iterator[List[Record]]:
    chunk: List[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run_local(
    records: Iterable[Record],
    model: str,
    batch_size: int,
    n_process: int,
    chunk_size: int = 0,
) -> Iterator[Tuple[List[Record], List[Result]]]:
    """Annotate in this process or in ``n_process`` worker processes, in input order.

    Workers get chunks of texts and send back only spans and token counts (not
    Docs, as ``nlp.pipe(n_process=...)`` would), which is what lets two processes
    run nearly twice as fast as one.
    """
    chunk_size = chunk_size or batch_size * 4
    if n_process <= 1:
        nlp = load_model(model)
        for chunk in chunks(records, chunk_size):
            yield chunk, annotate_texts(nlp, [r.text for r in chunk], batch_size)
        return
    # spawn: no fork of a parent that may hold torch threads or a loaded model
    ctx = multiprocessing.get_context("spawn")
    in_flight = threading.BoundedSemaphore(n_process * 4)  # the pool would read the whole input ahead
    with ctx.Pool(n_process, initializer=_init_worker, initargs=(model,)) as pool:
        pending: deque = deque()

        def work() -> Iterator[Tuple[List[str], int]]:
            for chunk in chunks(records, chunk_size):
                in_flight.acquire()
                pending.append(chunk)
                yield [r.text for r in chunk], batch_size

        for results in pool.imap(_worker_chunk, work()):
            in_flight.release()
            yield pending.popleft(), results


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


@dataclass
class Summary:
    input: str
    output: str
    engine: str
    model: str
    records: int = 0
    entities: int = 0
    words: int = 0
    rejected: int = 0
    rejects_file: Optional[str] = None
    seconds: float = 0.0
    n_process: int = 1
    batch_size: int = 0
    master: Optional[str] = None

    @property
    def texts_per_s(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def words_per_s(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def to_dict(self) -> Dict[str, Any]:
        out = dict(self.__dict__)
        out.update(texts_per_s=round(self.texts_per_s, 1), words_per_s=round(self.words_per_s, 1),
                   seconds=round(self.seconds, 2))
        return out


def annotate_file(
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    model: str = "en_custom_ner",
    engine: str = "local",
    batch_size: int = 256,
    n_process: int = 1,
    text_column: str = "text",
    header: bool = True,
    encoding: str = "utf-8",
    input_format: str = "",
    output_format: str = "",
    master: str = "local[*]",
    partitions: int = 0,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Summary:
    """Annotate ``input_path`` into ``output_path`` (+ rejects); see the module docstring.

    ``progress(texts, words)`` is called after each chunk (local engine).
    """
    if engine not in ("local", "spark"):
        raise ValueError(f"unknown engine {engine!r}: expected local or spark")
    if batch_size < 1 or n_process < 1:
        raise ValueError("batch size and process count must be at least 1")
    start = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    if input_path.resolve() == output_path.resolve():
        raise ConversionError(output_path, None, "output would overwrite the input")
    rejects = Rejects(input_path, lenient=True)
    records = read_records(input_path, rejects, input_format, text_column, header, encoding)
    summary = Summary(str(input_path), str(output_path), engine, model, n_process=n_process, batch_size=batch_size,
                      master=master if engine == "spark" else None)
    with OutputWriter(output_path, output_format) as writer:
        if engine == "spark":
            from .spark_engine import run_spark

            batches: Iterable[Tuple[List[Record], List[Result]]] = run_spark(
                list(records), model, batch_size, master, partitions)
        else:
            batches = run_local(records, model, batch_size, n_process)
        for chunk, results in batches:
            writer.write(chunk, results)
            words = sum(r.n_words for r in results)
            summary.words += words
            if progress is not None:
                progress(len(chunk), words)
        rejects_file = rejects.write(output_path)
        writer.commit()
    summary.records, summary.entities, summary.rejected = writer.records, writer.entities, len(rejects)
    summary.rejects_file = str(rejects_file) if rejects_file else None
    summary.seconds = time.perf_counter() - start
    return summary

