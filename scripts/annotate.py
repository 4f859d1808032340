"""Annotate a file of texts with an NER pipeline (default: the installed en_custom_ner).

    python scripts/annotate.py INPUT OUTPUT [--model en_custom_ner] [--n-process 2]
    python scripts/annotate.py news.csv ents.parquet --text-column description --engine spark

INPUT: .txt (one text per line), .csv (--text-column; --no-header with a column
number), .jsonl (a "text" field, Prodigy style). OUTPUT: .jsonl (Prodigy-style
records: text, spans with start/end/label/text and kb_id for linked TICKERs, meta
carried over), .csv or .parquet (one row per entity: line, start, end, label, text,
kb_id). Bad records go to OUTPUT.rejects.jsonl with line and reason; OUTPUT is
replaced atomically when the job has finished.
"""
import os
from pathlib import Path
from typing import Optional

import srsly
import typer
from tqdm import tqdm

from custom_ner.annotate import annotate_file
from custom_ner.cli import fail, line
from custom_ner.errors import ConversionError

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
) -> None:
    if engine not in ("local", "spark"):
        fail(f"--engine must be local or spark, not {engine!r}")
    if batch_size < 1 or n_process < 1 or partitions < 0:
        fail("--batch-size and --n-process must be at least 1, --partitions at least 0")
    if engine == "spark" and n_process != 1:
        fail("--n-process is for the local engine; Spark's parallelism comes from --master (e.g. local[2])")
    # the progress bar counts texts and words; the total is the input's line count (an upper bound for CSV)
    bar = None
    if progress and engine == "local" and input_path.is_file():
        total = sum(1 for _ in input_path.open("rb")) - (1 if input_path.suffix.lower() == ".csv" and header else 0)
        bar = tqdm(total=max(total, 0), unit=" texts", dynamic_ncols=True, smoothing=0.1)
    words = 0

    def tick(texts: int, n_words: int) -> None:
        nonlocal words
        words += n_words
        bar.update(texts)
        bar.set_postfix_str(f"{words / max(bar.format_dict['elapsed'], 1e-9):,.0f} words/s", refresh=False)

    try:
        summary = annotate_file(input_path, output_path, model, engine, batch_size, n_process, text_column, header,
                                encoding, input_format, output_format, master, partitions,
                                progress=tick if bar is not None else None)
    except (ConversionError, OSError, ValueError) as err:
        fail(err)
    finally:
        if bar is not None:
            bar.close()
    line(True, f"{summary.records:,} texts, {summary.entities:,} entities -> {output_path} "
               f"({summary.seconds:.1f} s, {summary.texts_per_s:,.0f} texts/s, {summary.words_per_s:,.0f} words/s)")
    if summary.rejected:
        rejected = srsly.read_jsonl(summary.rejects_file)
        for i, reject in enumerate(rejected):
            if i == MAX_LISTED_REJECTS:
                break
            line(False, f"{reject['file']}:{reject['line']}: {reject['reason']} (skipped)")
        more = summary.rejected - MAX_LISTED_REJECTS
        line(False, f"{summary.rejected:,} bad records skipped into {summary.rejects_file}"
                    + (f" ({more:,} more than listed)" if more > 0 else ""))
    if stats is not None:
        stats.parent.mkdir(parents=True, exist_ok=True)
        srsly.write_json(stats, summary.to_dict())


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    typer.run(main)
