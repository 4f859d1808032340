"""CSV token tables in the layout of the Kaggle GMB extract (``ner_dataset.csv``).

One row per token; the sentence id column is filled only on a sentence's first
row and forward-filled here. The file is Windows-1252, not UTF-8.
"""
import csv
from pathlib import Path
from typing import Dict, List, Optional, Union

from .errors import ConversionError, RecordError, Rejects
from .tags import TaggedSentence
from .textio import read_lines

DEFAULT_COLUMNS = {"sentence": "Sentence #", "word": "Word", "tag": "Tag"}


class _Sentence:
    def __init__(self, sent_id: str):
        self.id = sent_id
        self.words: List[str] = []
        self.tags: List[str] = []
        self.lines: List[int] = []
        self.raw: List[str] = []
        self.error: Optional[RecordError] = None


def read_csv(
    path: Union[str, Path],
    rejects: Rejects,
    columns: Optional[Dict[str, str]] = None,
    encoding: str = "cp1252",
    delimiter: str = ",",
) -> List[TaggedSentence]:
    """Sentences of a token CSV; a bad row rejects (or fails) its whole sentence."""
    path = Path(path)
    names = {**DEFAULT_COLUMNS, **(columns or {})}
    lines = read_lines(path, encoding)
    reader = csv.reader((ln.text for ln in lines), delimiter=delimiter)
    header = next(reader)
    if lines[0].error:
        raise ConversionError(path, 1, lines[0].error)
    missing = [name for name in names.values() if name not in header]
    if missing:
        raise ConversionError(
            path,
            1,
            f"missing CSV column(s) {', '.join(repr(m) for m in missing)} "
            f"(the header has {', '.join(repr(h) for h in header)})",
        )
    idx = {key: header.index(name) for key, name in names.items()}

    sentences: List[TaggedSentence] = []
    current: Optional[_Sentence] = None

    def flush() -> None:
        if current is None:
            return
        if current.error is not None:
            rejects.add(current.error, raw=current.raw)
        elif current.words:
            sentences.append(
                TaggedSentence(current.words, current.tags, current.lines, raw=current.raw)
            )

    last_line = reader.line_num
    for row in reader:
        first_line, last_line = last_line + 1, reader.line_num
        number = first_line
        text = "\n".join(ln.text for ln in lines[first_line - 1 : last_line])
        if not row or not any(cell.strip() for cell in row):
            continue  # blank line between rows carries nothing
        sent_id = row[idx["sentence"]].strip() if len(row) > idx["sentence"] else ""
        if sent_id or current is None:
            flush()
            current = _Sentence(sent_id)
        current.raw.append(text)
        if current.error is not None:
            continue
        error = next((ln.error for ln in lines[first_line - 1 : last_line] if ln.error), None)
        if error:
            current.error = RecordError(number, error)
        elif len(row) != len(header):
            current.error = RecordError(
                number, f"wrong column count: expected {len(header)} fields, found {len(row)}"
            )
        elif not current.id:
            current.error = RecordError(
                number, f"no sentence id in column {names['sentence']!r} before this row"
            )
        elif not row[idx["word"]].strip():
            current.error = RecordError(number, f"empty token in column {names['word']!r}")
        else:
            current.words.append(row[idx["word"]].strip())
            current.tags.append(row[idx["tag"]].strip())
            current.lines.append(number)
    flush()
    if not sentences and not len(rejects):
        raise ConversionError(path, None, "empty input (a header but no rows)")
    return sentences
