"""The unannotated text of the data directory: word-vector text, silver and report texts.

Every source is read with the project's own reader of its format (column files,
GMB CSV, AG News CSV, JSONL), strict by default, so a bad record stops the step
with FILE:LINE instead of vanishing. AG News stores ``\\`` for newlines and HTML
entities as ``#39;``; they are cleaned the way the ner_gold texts were.
"""
import html
import os
import re
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

from wasabi import msg

from .csvfile import CsvFile
from ..data.errors import RecordError, Rejects
from ..data.files import write_json
from .gmb import read_csv
from .iob import read_iob
from .texts import read_records

PathLike = Union[str, Path]
_AG_ENTITY = re.compile(r"#(\d+);")
_SPACES = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def clean_ag_news(text: str) -> str:
    """``#39;`` -> ``'``, ``\\`` -> space, runs of whitespace folded."""
    text = _AG_ENTITY.sub(lambda m: chr(int(m.group(1))), text)
    text = html.unescape(text.replace("\\", " "))
    return _SPACES.sub(" ", text).strip()


def ag_news_texts(path: PathLike, rejects: Optional[Rejects] = None, fields: Sequence[int] = (1, 2)) -> Iterator[str]:
    """Cleaned title and description (``fields``) of every row of an AG News CSV
    (class, title, description; no header)."""
    rejects = rejects if rejects is not None else Rejects(path)
    for row in CsvFile(path, header=False):
        error = row.error or (None if len(row.fields) >= 3 else
                              f"expected 3 fields (class, title, description), found {len(row.fields)}")
        if error:
            rejects.add(RecordError(row.line, error, raw=row.raw))
            continue
        for i in fields:
            yield clean_ag_news(row.fields[i])


def ag_news_descriptions(path: PathLike, rejects: Optional[Rejects] = None) -> List[str]:
    return list(ag_news_texts(path, rejects, fields=(2,)))


def column_texts(path: PathLike, rejects: Optional[Rejects] = None) -> Iterator[str]:
    """Sentences of a CoNLL-style column file, tokens joined by spaces."""
    for sent in read_iob(path, rejects if rejects is not None else Rejects(path)):
        yield " ".join(sent.words)


def gmb_texts(path: PathLike, rejects: Optional[Rejects] = None) -> Iterator[str]:
    """Sentences of a GMB-layout token CSV, tokens joined by spaces."""
    for sent in read_csv(path, rejects if rejects is not None else Rejects(path)):
        yield " ".join(sent.words)


def jsonl_texts(path: PathLike, rejects: Optional[Rejects] = None) -> Iterator[str]:
    """The ``text`` of every object of a JSONL file."""
    for record in read_records(path, rejects if rejects is not None else Rejects(path), fmt="jsonl"):
        yield record.text


def gzip_lines(path: PathLike, rejects: Optional[Rejects] = None) -> Iterator[str]:
    """Lines of a gzipped UTF-8 text file with one sentence a line (``unlabelled/``);
    a line that is not UTF-8 is a bad record (FILE:LINE), never decoded into garbage."""
    import gzip

    rejects = rejects if rejects is not None else Rejects(path)
    with gzip.open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                yield raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as err:
                rejects.add(RecordError(number, f"not UTF-8 ({err.reason} at byte {err.start})", raw=repr(raw[:200])))


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


Reader = Callable[[PathLike, Optional[Rejects]], Iterable[str]]
# source -> (path below the data directory, reader, already tokenized?)
SOURCES: Dict[str, Tuple[str, Reader, bool]] = {
    "conll2003-train": ("conll2003/train.iob", column_texts, True),
    "gmb": ("gmb/ner_dataset.csv", gmb_texts, True),
    "wnut17-train": ("wnut17/wnut17train.conll", column_texts, True),
    "ag_news-test": ("ag_news/test.csv", ag_news_texts, False),
    "news_tickers": ("ticker_sources/news_tickers.jsonl", jsonl_texts, False),
    "tweets_cashtags": ("ticker_sources/tweets_cashtags.jsonl", jsonl_texts, False),
    "ner_gold-train": ("ner_gold/train.jsonl", jsonl_texts, False),
    # 38 M words of news and encyclopedic text, decontaminated against every evaluation set
    "reuters_2006_2013": ("unlabelled/reuters_2006_2013.txt.gz", gzip_lines, False),
    "wikipedia_2015": ("unlabelled/wikipedia_2015.txt.gz", gzip_lines, False),
    "reuters21578_1987": ("unlabelled/reuters21578_1987.txt.gz", gzip_lines, False),
    "bbc_news_2004_2005": ("unlabelled/bbc_news_2004_2005.txt.gz", gzip_lines, False),
}


def collect_text(data_dir: PathLike, output: PathLike, exclude: Sequence[PathLike] = (),
                 sources: Sequence[str] = ()) -> Dict[str, Dict[str, int]]:
    """Write the unannotated texts of ``data_dir``, one tokenized text per line, to
    ``output`` (and per-source counts to OUTPUT.stats.json); texts of ``exclude``
    (JSONL evaluation sets) are held out and exact duplicates written once.

    Tokens are spaCy's English tokenizer's, so the vectors see the tokens the
    pipeline will see; CoNLL dev/test are never read. ``sources`` picks names of
    :data:`SOURCES` (default: all of them).
    """
    import spacy

    unknown = sorted(set(sources) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown text source(s) {unknown}: known are {', '.join(SOURCES)}")
    tokenizer = spacy.blank("en").tokenizer
    held_out: List[str] = [t for path in exclude for t in jsonl_texts(path)]
    counts: Dict[str, Dict[str, int]] = {}
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    seen: Set[str] = set()
    with tmp.open("w", encoding="utf-8") as out:
        for name, (rel, reader, pretokenized) in SOURCES.items():
            if sources and name not in sources:
                continue
            path = Path(data_dir) / rel
            if not path.exists():
                msg.warn(f"{name}: {path} not found, skipped")
                continue
            excluder = Excluder(held_out)
            n_texts = n_tokens = duplicates = 0
            for text in reader(path, None):
                text = " ".join(text.split())
                if not text or excluder(text):
                    continue
                if text in seen:
                    duplicates += 1
                    continue
                seen.add(text)
                words = text.split(" ") if pretokenized else [t.text for t in tokenizer(text) if not t.is_space]
                out.write(" ".join(words) + "\n")
                n_texts += 1
                n_tokens += len(words)
            counts[name] = {"texts": n_texts, "tokens": n_tokens, "excluded": excluder.excluded, "duplicates": duplicates}
            msg.info(f"{name}: {n_texts} texts, {n_tokens} tokens ({excluder.excluded} held out, {duplicates} duplicates)")
    os.replace(tmp, output)
    write_json(output.with_suffix(".stats.json"), counts)
    return counts
