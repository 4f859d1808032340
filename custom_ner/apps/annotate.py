"""Batch annotation: read texts (.txt/.csv/.jsonl), run a pipeline, write entities.

The texts come from the project's one reader of each format (custom_ner/formats/texts.py),
the local engine (engines.py) or Spark (spark.py) annotates them, and one writer
(writers.py) writes JSONL, CSV or Parquet, so both engines write the same bytes for
the same input. Bad records never stop a job: they go to ``OUTPUT.rejects.jsonl``
with their line and reason. Output is written to a partial file beside OUTPUT and
renamed into place only when the job has finished, so a crash or Ctrl-C leaves
either the old file or the complete new one; ``resume=True`` continues a killed job
after its last checkpoint (see writers.py). Memory stays flat on any input size: the
input is read as a stream, at most a few chunks are in flight, and the pipeline runs
in memory zones and is reloaded before its lookup tables grow (engines.py).
"""
import itertools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union


from ..data.errors import ConversionError, Rejects
from ..data.files import write_json
from ..formats.jsonl import read_jsonl
from ..formats.texts import Record, read_records
from .engines import Result, keep_confident, run_local
from .memory import tree_rss_mb
from .writers import OutputWriter

ENGINES = ("local", "spark")


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
    resumed_after: int = 0  # records of an earlier, interrupted run (with resumed_words words)
    resumed_words: int = 0
    discarded_partial: bool = False  # an interrupted run's output was there and was started again
    seconds: float = 0.0
    max_rss_mb: float = 0.0  # this process and its workers together
    rss_mb: List[List[float]] = field(default_factory=list)  # [texts done, MB], about once a second
    n_process: int = 1
    batch_size: int = 0
    master: Optional[str] = None

    @property
    def texts_per_s(self) -> float:
        return (self.records - self.resumed_after) / self.seconds if self.seconds else 0.0

    @property
    def words_per_s(self) -> float:
        return (self.words - self.resumed_words) / self.seconds if self.seconds else 0.0

    def to_dict(self) -> Dict[str, Any]:
        out = dict(self.__dict__)
        out.update(texts_per_s=round(self.texts_per_s, 1), words_per_s=round(self.words_per_s, 1),
                   seconds=round(self.seconds, 2))
        return out

    def rejects(self, limit: int = 10) -> List[str]:
        """``FILE:LINE: reason`` of the first ``limit`` rejected records."""
        if not self.rejects_file:
            return []
        rejected = read_jsonl(self.rejects_file, Rejects(self.rejects_file))
        return [f"{r.data['file']}:{r.data['line']}: {r.data['reason']}" for _, r in zip(range(limit), rejected)]


def progress_bar(input_path: Path, header: bool) -> Tuple[Any, Callable[[int, int], None]]:
    """A tqdm bar of texts with words/s; its total is the input's line count (an upper
    bound for CSV, whose records may span lines)."""
    from tqdm import tqdm

    total = sum(1 for _ in input_path.open("rb")) - (1 if input_path.suffix.lower() == ".csv" and header else 0)
    bar = tqdm(total=max(total, 0), unit=" texts", dynamic_ncols=True, smoothing=0.1)
    words = 0

    def tick(texts: int, n_words: int) -> None:
        nonlocal words
        words += n_words
        bar.update(texts)
        bar.set_postfix_str(f"{words / max(bar.format_dict['elapsed'], 1e-9):,.0f} words/s", refresh=False)

    return bar, tick


@dataclass(frozen=True)
class AnnotateOptions:
    """How a job reads, annotates and writes; checked once, when it is built.

    ``resume``: continue an interrupted run of the same job (same input file, model
    and options) after its last checkpoint. ``min_confidence``: entities scored below
    it are left out (0 keeps all). ``master``/``partitions`` are Spark's.
    """

    model: str = "en_custom_ner"
    engine: str = "local"
    batch_size: int = 256
    n_process: int = 1
    text_column: str = "text"
    header: bool = True
    encoding: str = "utf-8"
    input_format: str = ""
    output_format: str = ""
    master: str = "local[*]"
    partitions: int = 0
    resume: bool = False
    min_confidence: float = 0.0

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}: expected local or spark")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"--min-confidence {self.min_confidence}: must be between 0 and 1")
        if self.batch_size < 1 or self.n_process < 1 or self.partitions < 0:
            raise ValueError("batch size and process count must be at least 1, partitions at least 0")
        if self.engine == "spark" and self.n_process != 1:
            raise ValueError("the process count is for the local engine; Spark's parallelism comes from its master "
                             "(e.g. local[2])")


def annotate_file(
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    options: AnnotateOptions = AnnotateOptions(),
    *,
    progress: Union[bool, Callable[[int, int], None]] = False,
    stats: Optional[Union[str, Path]] = None,
) -> Summary:
    """Annotate ``input_path`` into ``output_path`` (+ rejects); see the module docstring.

    ``progress``: True shows a progress bar (local engine; Spark shows its own), a
    function ``progress(texts, words)`` is called after each chunk. ``stats``: a JSON
    file for the run's figures.
    """
    o = options
    start = time.perf_counter()
    input_path, output_path = Path(input_path), Path(output_path)
    if input_path.resolve() == output_path.resolve():
        raise ConversionError(output_path, None, "output would overwrite the input")
    rejects = Rejects(input_path, lenient=True)
    records = read_records(input_path, rejects, o.input_format, o.text_column, o.header, o.encoding)
    summary = Summary(str(input_path), str(output_path), o.engine, o.model, n_process=o.n_process, batch_size=o.batch_size,
                      master=o.master if o.engine == "spark" else None)
    stat = input_path.stat()
    job = {"input": str(input_path.resolve()), "input_bytes": stat.st_size, "input_mtime_ns": stat.st_mtime_ns,
           "model": str(o.model), "input_format": o.input_format, "text_column": o.text_column, "header": o.header,
           "encoding": o.encoding, "min_confidence": o.min_confidence}
    bar = None
    if progress is True and o.engine == "local":
        bar, progress = progress_bar(input_path, o.header)
    try:
        with OutputWriter(output_path, o.output_format, job, o.resume) as writer:
            # the records already written are read again (their rejects with them) but not annotated
            records = itertools.islice(records, writer.resumed, None)
            if bar is not None:
                bar.update(writer.resumed)
            if o.engine == "spark":
                from .spark import run_spark

                batches: Iterable[Tuple[List[Record], List[Result]]] = run_spark(
                    list(records), o.model, o.batch_size, o.master, o.partitions)
            else:
                batches = run_local(records, o.model, o.batch_size, o.n_process)
            last_sample = 0.0
            for chunk, results in batches:
                results = keep_confident(results, o.min_confidence)
                writer.write(chunk, results)
                if time.perf_counter() - last_sample >= 1.0:
                    last_sample = time.perf_counter()
                    summary.rss_mb.append([writer.records, round(tree_rss_mb(os.getpid()), 1)])
                if callable(progress):
                    progress(len(chunk), sum(r.n_words for r in results))
            rejects_file = rejects.write(output_path)
            writer.commit()
    finally:
        if bar is not None:
            bar.close()
    summary.records, summary.entities, summary.words = writer.records, writer.entities, writer.words
    summary.rejected, summary.resumed_after, summary.resumed_words = len(rejects), writer.resumed, writer.resumed_words
    summary.discarded_partial = writer.discarded
    summary.rejects_file = str(rejects_file) if rejects_file else None
    summary.rss_mb.append([writer.records, round(tree_rss_mb(os.getpid()), 1)])
    summary.max_rss_mb = max(mb for _, mb in summary.rss_mb)
    summary.seconds = time.perf_counter() - start
    if stats is not None:
        write_json(stats, summary.to_dict())
    return summary
