"""Convert annotated corpora to spaCy DocBin, and DocBin back to NeMo / Prodigy.

    python scripts/convert.py iob   INPUT.iob   OUTPUT.spacy
    python scripts/convert.py csv   INPUT.csv   OUTPUT.spacy
    python scripts/convert.py jsonl INPUT.jsonl OUTPUT.spacy
    python scripts/convert.py corrections CORRECTED.jsonl OUTPUT.spacy   ("" for none)
    python scripts/convert.py nemo  INPUT_DIR   OUTPUT.spacy [--split train]
    python scripts/convert.py to-nemo  INPUT.spacy OUTDIR [--split train]
    python scripts/convert.py to-jsonl INPUT.spacy OUTPUT.jsonl
    python scripts/convert.py recase INPUT.spacy OUTPUT.spacy --case lower   (or upper, title)

Strict by default: the first bad record stops the conversion with FILE:LINE and
the reason (exit code 1). ``--lenient`` skips bad records into
OUTPUT.rejects.jsonl and reports how many. Statistics go to corpus/stats.json
(beside OUTPUT) under the output's name.
"""
from pathlib import Path
from typing import Any, Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.data.case import CASES, recase_docbin
from custom_ner.formats.convert import convert_file, default_stats_path, export_jsonl, export_nemo
from custom_ner.data.errors import ConversionError
from custom_ner.data.labels import DEFAULT_LABEL_MAP
from custom_ner.formats.stats import stats_table

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

LABEL_MAP = typer.Option(DEFAULT_LABEL_MAP, "--label-map", help="Label map JSON (configs/labels.json)")
TAG_SCHEME = typer.Option("auto", "--tag-scheme", help="auto (IOB1 or IOB2 from the data), iob1, iob2 or io (no B-: adjacent entities of one type merge)")
N_SENTS = typer.Option(10, "--n-sents", help="Sentences per Doc (0: one Doc per document)")
LENIENT = typer.Option(False, "--lenient", help="Skip bad records into OUTPUT.rejects.jsonl")
STATS = typer.Option(None, "--stats", help="Stats JSON to update [default: beside OUTPUT]")


def _convert(fmt: str, input_path: Path, output: Path, label_map: Path, stats: Optional[Path], **options: Any) -> None:
    """Run one conversion and print what it did; bad input exits with code 1."""
    try:
        conv, entry = convert_file(fmt, input_path, output, label_map, stats, **options)
    except (ConversionError, ValueError, OSError) as err:
        fail(err)
    scheme = f", tag scheme {conv.tag_scheme.upper()}" if conv.tag_scheme else ""
    msg.good(f"Wrote {entry['docs']} docs to {output}{scheme}")
    msg.table(stats_table(entry), header=("", "count"), aligns=("l", "r"))
    for what in ("dropped_by_label_map", "skipped"):
        if entry[what]:
            msg.info(f"{what.replace('_', ' ')}: {entry[what]}")
    if conv.rejects:
        msg.warn(f"{len(conv.rejects)} bad record(s) skipped, written to {entry['rejects_file']}")
    msg.info(f"Statistics written to {stats or default_stats_path(output)}")


@app.command("iob")
def iob_cli(
    input_path: Path = typer.Argument(..., help="CoNLL column file (IOB1 or IOB2)"),
    output: Path = typer.Argument(..., help="Output .spacy file"),
    token_col: int = typer.Option(0, help="Column of the token (negative counts from the end)"),
    tag_col: int = typer.Option(-1, help="Column of the NER tag (negative counts from the end)"),
    label_scheme: str = typer.Option("conll", help="Scheme of the label map the tags use"),
    tag_scheme: str = TAG_SCHEME,
    n_sents: int = N_SENTS,
    encoding: str = typer.Option("utf-8", help="Text encoding of the input"),
    label_map: Path = LABEL_MAP,
    lenient: bool = LENIENT,
    stats: Optional[Path] = STATS,
) -> None:
    """CoNLL-style column files; -DOCSTART- starts a new Doc."""
    _convert("iob", input_path, output, label_map, stats, label_scheme=label_scheme, tag_scheme=tag_scheme,
             token_col=token_col, tag_col=tag_col, n_sents=n_sents, encoding=encoding, lenient=lenient)


@app.command("csv")
def csv_cli(
    input_path: Path = typer.Argument(..., help="Token CSV (Kaggle GMB layout)"),
    output: Path = typer.Argument(..., help="Output .spacy file"),
    sentence_column: str = typer.Option("Sentence #", help="Column with the (forward-filled) sentence id"),
    word_column: str = typer.Option("Word", help="Column with the token"),
    tag_column: str = typer.Option("Tag", help="Column with the NER tag"),
    delimiter: str = typer.Option(",", help="Field delimiter"),
    label_scheme: str = typer.Option("gmb", help="Scheme of the label map the tags use"),
    tag_scheme: str = TAG_SCHEME,
    n_sents: int = N_SENTS,
    encoding: str = typer.Option("cp1252", help="Text encoding of the input"),
    label_map: Path = LABEL_MAP,
    lenient: bool = LENIENT,
    stats: Optional[Path] = STATS,
) -> None:
    """One token per row, sentence id on the first row of each sentence."""
    columns = {"sentence": sentence_column, "word": word_column, "tag": tag_column}
    _convert("csv", input_path, output, label_map, stats, label_scheme=label_scheme, tag_scheme=tag_scheme,
             columns=columns, n_sents=n_sents, encoding=encoding, delimiter=delimiter, lenient=lenient)


@app.command("jsonl")
def jsonl_cli(
    input_path: Path = typer.Argument(..., help="Prodigy ner.manual JSONL"),
    output: Path = typer.Argument(..., help="Output .spacy file"),
    label_scheme: str = typer.Option("custom_ner", help="Scheme of the label map the spans use"),
    lang: str = typer.Option("en", help="Tokenizer language for records without 'tokens'"),
    label_map: Path = LABEL_MAP,
    lenient: bool = LENIENT,
    stats: Optional[Path] = STATS,
) -> None:
    """Accepted Prodigy examples; reject/ignore answers are counted and skipped."""
    _convert("jsonl", input_path, output, label_map, stats, label_scheme=label_scheme, lang=lang, lenient=lenient)


@app.command("corrections")
def corrections_cli(
    input_path: str = typer.Argument(..., help='Corrected ner.manual JSONL (scripts/review_queue.py), or "" for none'),
    output: Path = typer.Argument(..., help="Output .spacy file (empty when there are no corrections)"),
    label_map: Path = LABEL_MAP,
    lenient: bool = LENIENT,
    stats: Optional[Path] = STATS,
) -> None:
    """jsonl for the workflow's --vars.corrections: "" writes an empty training file."""
    _convert("corrections", input_path, output, label_map, stats, lenient=lenient)


@app.command("nemo")
def nemo_cli(
    input_dir: Path = typer.Argument(..., help="Directory with text_<split>.txt and labels_<split>.txt"),
    output: Path = typer.Argument(..., help="Output .spacy file"),
    split: Optional[str] = typer.Option(None, help="Split to read (needed if there are several)"),
    label_scheme: str = typer.Option("custom_ner", help="Scheme of the label map the tags use"),
    tag_scheme: str = TAG_SCHEME,
    n_sents: int = N_SENTS,
    encoding: str = typer.Option("utf-8", help="Text encoding of the input"),
    label_map: Path = LABEL_MAP,
    lenient: bool = LENIENT,
    stats: Optional[Path] = STATS,
) -> None:
    """NeMo / TAO token-classification data (one sentence per line)."""
    _convert("nemo", input_dir, output, label_map, stats, split=split, label_scheme=label_scheme,
             tag_scheme=tag_scheme, n_sents=n_sents, encoding=encoding, lenient=lenient)


@app.command("to-nemo")
def to_nemo_cli(
    input_path: Path = typer.Argument(..., help="Input .spacy file"),
    output_dir: Path = typer.Argument(..., help="Directory for text_<split>.txt, labels_<split>.txt, label_ids.csv"),
    split: Optional[str] = typer.Option(None, help="Split name [default: the input's file name stem]"),
    label_map: Path = LABEL_MAP,
) -> None:
    """Export a DocBin for NeMo / TAO token classification (IOB2 tags)."""
    try:
        counts = export_nemo(input_path, output_dir, split, label_map)
    except (ConversionError, OSError) as err:
        fail(err)
    split = split or input_path.stem
    msg.good(f"Wrote {counts['sentences']} sentences to {output_dir}/text_{split}.txt, labels_{split}.txt")
    msg.table(list(counts.items()), aligns=("l", "r"))


@app.command("to-jsonl")
def to_jsonl_cli(
    input_path: Path = typer.Argument(..., help="Input .spacy file"),
    output: Path = typer.Argument(..., help="Output Prodigy JSONL"),
) -> None:
    """Export a DocBin as Prodigy JSONL (text, tokens, spans) for correction."""
    try:
        stats = export_jsonl(input_path, output)
    except (ConversionError, OSError) as err:
        fail(err)
    msg.good(f"Wrote {stats['docs']} records ({stats['entities']} spans) to {output}")


@app.command("recase")
def recase_cli(
    input_path: Path = typer.Argument(..., help="Input .spacy file"),
    output: Path = typer.Argument(..., help="Output .spacy file"),
    case: str = typer.Option(..., help=f"One of {', '.join(CASES)}"),
) -> None:
    """A copy of a DocBin with every token in one case, entities on the same tokens
    (a lower-cased or upper-cased dev set: how a model copes with posts and headlines)."""
    try:
        counts = recase_docbin(input_path, output, case)
    except (ConversionError, ValueError, OSError) as err:
        fail(err)
    msg.good(f"Wrote {counts['docs']} docs ({counts['entities']} entities), {case} case, to {output}")


if __name__ == "__main__":
    app()
