"""CSV token tables in the layout of the Kaggle GMB extract (``ner_dataset.csv``).

One row per token; the sentence id column is filled only on a sentence's first
row and forward-filled here. The file is Windows-1252, not UTF-8. Rows are read by
the project's one CSV reader (:class:`~custom_ner.formats.csvfile.CsvFile`); a bad row
rejects (or, strict, fails) the whole sentence it belongs to.
"""
from pathlib import Path
from typing import Dict, List, Optional, Union

from .csvfile import CsvFile
from ..data.errors import ConversionError, RecordError, Rejects
from ..data.tags import TaggedSentence

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
    names = {**DEFAULT_COLUMNS, **(columns or {})}
    table = CsvFile(path, encoding, delimiter)
    found = table.columns(list(names.values()))
    idx = {key: found[name] for key, name in names.items()}

    sentences: List[TaggedSentence] = []
    current: Optional[_Sentence] = None

    def flush() -> None:
        if current is None:
            return
        if current.error is not None:
            rejects.add(current.error, raw=current.raw)
        elif current.words:
            sentences.append(TaggedSentence(current.words, current.tags, current.lines, raw=current.raw))

    for row in table:
        sent_id = row.fields[idx["sentence"]].strip() if len(row.fields) > idx["sentence"] else ""
        if sent_id or current is None:
            flush()
            current = _Sentence(sent_id)
        current.raw.append(row.raw)
        if current.error is not None:
            continue
        if row.error:
            current.error = RecordError(row.line, row.error)
        elif not current.id:
            current.error = RecordError(row.line, f"no sentence id in column {names['sentence']!r} before this row")
        elif not row.fields[idx["word"]].strip():
            current.error = RecordError(row.line, f"empty token in column {names['word']!r}")
        else:
            current.words.append(row.fields[idx["word"]].strip())
            current.tags.append(row.fields[idx["tag"]].strip())
            current.lines.append(row.line)
    flush()
    if not sentences and not len(rejects):
        raise ConversionError(table.path, None, "empty input (a header but no rows)")
    return sentences
