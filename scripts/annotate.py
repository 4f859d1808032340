"""Annotate a file of texts with an NER pipeline (default: the installed en_custom_ner).

    python scripts/annotate.py INPUT OUTPUT [--model en_custom_ner] [--n-process 2]
    python scripts/annotate.py news.csv ents.parquet --text-column description --engine spark

INPUT: .txt (one text per line), .csv (--text-column; --no-header with a column
number), .jsonl (a "text" field, Prodigy style). OUTPUT: .jsonl (Prodigy-style
records: text, spans with start/end/label/text, kb_id for linked TICKERs and score,
the entity's calibrated confidence; meta carried over), .csv or .parquet (one row per
entity: line, start, end, label, text, kb_id, score). --min-confidence 0.5 leaves out
entities scored below 0.5. Bad records go to OUTPUT.rejects.jsonl with line and reason; OUTPUT is
replaced atomically when the job has finished. A killed job continues with --resume
(same command plus --resume): it picks up after the last checkpoint, and the output
is the same as an uninterrupted run's.
"""
import os
from pathlib import Path
from typing import Optional

import typer

from custom_ner.apps.annotate import AnnotateOptions, annotate_file
from custom_ner.console import fail, line
from custom_ner.data.errors import ConversionError

MAX_LISTED_REJECTS = 10


def main(
    input_path: Path = typer.Argument(..., help="Texts: .txt, .csv or .jsonl"),
    output_path: Path = typer.Argument(..., help="Entities: .jsonl, .csv or .parquet"),
    model: str = typer.Option("en_custom_ner", help="Installed pipeline package or pipeline directory"),
    engine: str = typer.Option("local", help="local (processes on this machine) or spark"),
    batch_size: int = typer.Option(256, help="nlp.pipe batch size"),
    n_process: int = typer.Option(1, help="Worker processes of the local engine"),
    text_column: str = typer.Option("text", help="CSV column or JSONL field with the text (a number from 1 with --no-header)"),
    header: bool = typer.Option(True, "--header/--no-header", help="Whether the CSV starts with a header row"),
    encoding: str = typer.Option("utf-8", help="Input encoding"),
    input_format: str = typer.Option("", help="txt, csv or jsonl (default: from the suffix)"),
    output_format: str = typer.Option("", help="jsonl, csv or parquet (default: from the suffix)"),
    master: str = typer.Option("local[*]", help="Spark master URL (--engine spark)"),
    partitions: int = typer.Option(0, help="Spark partitions (0: 4 per core, at most one per 1,000 texts)"),
    stats: Optional[Path] = typer.Option(None, help="Write the run's figures (texts/s, words/s, ...) as JSON here"),
    progress: bool = typer.Option(True, help="Show a progress bar (local engine; Spark shows its own)"),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run of the same job after its last checkpoint"),
    min_confidence: float = typer.Option(0.0, help="Leave out entities whose score (ent._.confidence) is below this"),
) -> None:
    try:
        options = AnnotateOptions(model=model, engine=engine, batch_size=batch_size, n_process=n_process,
                                  text_column=text_column, header=header, encoding=encoding,
                                  input_format=input_format, output_format=output_format, master=master,
                                  partitions=partitions, resume=resume, min_confidence=min_confidence)
        summary = annotate_file(input_path, output_path, options, progress=progress, stats=stats)
    except (ConversionError, OSError, ValueError) as err:
        fail(err)
    if summary.resumed_after:
        line(True, f"resumed after {summary.resumed_after:,} texts written by the interrupted run")
    if summary.discarded_partial:
        line(False, "an interrupted run's partial output was there and was started again (--resume continues it)")
    line(True, f"{summary.records:,} texts, {summary.entities:,} entities -> {output_path} "
               f"({summary.seconds:.1f} s, {summary.texts_per_s:,.0f} texts/s, {summary.words_per_s:,.0f} words/s)")
    for reject in summary.rejects(MAX_LISTED_REJECTS):
        line(False, f"{reject} (skipped)")
    if summary.rejected:
        more = summary.rejected - MAX_LISTED_REJECTS
        line(False, f"{summary.rejected:,} bad records skipped into {summary.rejects_file}"
                    + (f" ({more:,} more than listed)" if more > 0 else ""))


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    typer.run(main)
