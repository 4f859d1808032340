"""Raw text of the unannotated sources in the data directory.

Used to train word vectors / pretrain the tok2vec, and to sample texts for
reports. AG News stores ``\\`` for newlines and HTML entities as ``#39;``; they
are cleaned the way the ner_gold texts were.
"""
import csv
import html
import re
from pathlib import Path
from typing import Iterable, Iterator, List, Set, Union

import srsly

from .textio import read_lines

_AG_ENTITY = re.compile(r"#(\d+);")
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def clean_ag_news(text: str) -> str:
    """``#39;`` -> ``'``, ``\\`` -> space, runs of whitespace folded."""
    text = _AG_ENTITY.sub(lambda m: chr(int(m.group(1))), text)
    text = html.unescape(text.replace("\\", " "))
    return _SPACES.sub(" ", text).strip()


def ag_news_texts(path: Union[str, Path]) -> Iterator[str]:
    """Title and description of every row of ``ag_news/{train,test}.csv``."""
    with Path(path).open(encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 3:
                yield clean_ag_news(row[1])
                yield clean_ag_news(row[2])


def ag_news_descriptions(path: Union[str, Path]) -> List[str]:
    with Path(path).open(encoding="utf-8", newline="") as f:
        return [clean_ag_news(row[2]) for row in csv.reader(f) if len(row) >= 3]


def jsonl_texts(path: Union[str, Path]) -> Iterator[str]:
    for record in srsly.read_jsonl(path):
        if isinstance(record, dict) and isinstance(record.get("text"), str):
            yield record["text"]


def column_sentences(path: Union[str, Path], encoding: str = "utf-8") -> Iterator[str]:
    """Sentences of a CoNLL-style column file (first column), -DOCSTART- left out."""
    words: List[str] = []
    for line in read_lines(path, encoding):
        cols = line.text.split()
        if not cols or cols[0] == "-DOCSTART-":
            if words:
                yield " ".join(words)
            words = []
        else:
            words.append(cols[0])
    if words:
        yield " ".join(words)


def csv_sentences(path: Union[str, Path], encoding: str = "cp1252") -> Iterator[str]:
    """Sentences of a GMB-layout token CSV (``Sentence #``, ``Word`` columns)."""
    words: List[str] = []
    with Path(path).open(encoding=encoding, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        sent_i, word_i = header.index("Sentence #"), header.index("Word")
        for row in reader:
            if len(row) != len(header):
                continue
            if row[sent_i].strip() and words:
                yield " ".join(words)
                words = []
            words.append(row[word_i])
    if words:
        yield " ".join(words)


def normalize(text: str) -> str:
    """Lowercase alphanumerics only: robust to tokenization and cleaning differences."""
    return _NON_ALNUM.sub("", text.lower())


class Excluder:
    """Drops texts that contain (or are contained in) any held-out text.

    Keeps evaluation texts out of unsupervised training data so dev scores stay honest.
    """

    def __init__(self, held_out: Iterable[str], min_chars: int = 20):
        self.keys: Set[str] = {k for k in (normalize(t) for t in held_out) if len(k) >= min_chars}
        self.min_chars = min_chars
        self.excluded = 0

    def __call__(self, text: str) -> bool:
        key = normalize(text)
        hit = key in self.keys or any(k in key for k in self.keys) or (
            len(key) >= self.min_chars and any(key in k for k in self.keys)
        )
        self.excluded += hit
        return hit
