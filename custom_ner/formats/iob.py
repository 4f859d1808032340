"""CoNLL-style column files (one token per line, blank line between sentences).

``-DOCSTART-`` lines mark document boundaries. Columns are split on whitespace;
every line must have as many columns as the first one.
"""
from pathlib import Path
from typing import List, Union

from ..data.errors import ConversionError, RecordError, Rejects
from ..data.tags import TaggedSentence
from ..data.lines import Line, read_lines

DOCSTART = "-DOCSTART-"


def _column(index: int, n_cols: int, what: str, path: Path, line: int) -> int:
    if not -n_cols <= index < n_cols:
        raise ConversionError(
            path, line, f"{what} column {index} does not exist: the file has {n_cols} columns"
        )
    return index % n_cols


def read_iob(
    path: Union[str, Path],
    rejects: Rejects,
    token_col: int = 0,
    tag_col: int = -1,
    encoding: str = "utf-8",
) -> List[TaggedSentence]:
    """Sentences of a column file; bad sentences go to ``rejects`` (or raise)."""
    path = Path(path)
    lines = read_lines(path, encoding)
    first = next((ln for ln in lines if not ln.blank), None)
    if first is None:
        raise ConversionError(path, None, "empty input (only blank lines)")
    n_cols = len(first.text.split())
    if n_cols < 2:
        raise ConversionError(
            path, first.number, "expected at least 2 columns (token and tag), found 1"
        )
    tok_i = _column(token_col, n_cols, "token", path, first.number)
    tag_i = _column(tag_col, n_cols, "tag", path, first.number)

    sentences: List[TaggedSentence] = []
    block: List[Line] = []
    new_doc = False

    def flush() -> None:
        nonlocal new_doc
        if not block:
            return
        try:
            sent = _parse_block(block, n_cols, tok_i, tag_i)
        except RecordError as err:
            rejects.add(err, raw=[ln.text for ln in block])
        else:
            sent.new_doc = new_doc
            new_doc = False
            sentences.append(sent)
        block.clear()

    for ln in lines:
        if ln.blank:
            flush()
        elif DOCSTART in ln.text.split():
            flush()
            new_doc = True
        else:
            block.append(ln)
    flush()
    if not sentences and not len(rejects):
        raise ConversionError(path, None, "empty input (no sentences found)")
    return sentences


def _parse_block(block: List[Line], n_cols: int, tok_i: int, tag_i: int) -> TaggedSentence:
    words: List[str] = []
    tags: List[str] = []
    numbers: List[int] = []
    for ln in block:
        if ln.error:
            raise RecordError(ln.number, ln.error)
        cols = ln.text.split()
        if len(cols) != n_cols:
            raise RecordError(
                ln.number, f"wrong column count: expected {n_cols} columns, found {len(cols)}"
            )
        words.append(cols[tok_i])
        tags.append(cols[tag_i])
        numbers.append(ln.number)
    return TaggedSentence(words, tags, numbers, raw=[ln.text for ln in block])
