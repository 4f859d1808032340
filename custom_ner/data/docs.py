"""Building spaCy Docs from parsed records and reading/writing DocBins."""
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator, List, Sequence, Tuple, Union

from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab

from .files import write_whole
from .tags import Span as TokenSpan


def doc_from_sentences(
    vocab: Vocab, sentences: Sequence[Tuple[List[str], List[TokenSpan]]]
) -> Doc:
    """One Doc from whitespace-joined sentences, with sentence starts and entities.

    Column and NeMo formats carry no whitespace information, so tokens are joined
    by single spaces (what spaCy's own converters do).
    """
    words: List[str] = []
    sent_starts: List[bool] = []
    ents: List[Tuple[int, int, str]] = []
    for sent_words, spans in sentences:
        offset = len(words)
        words.extend(sent_words)
        sent_starts.extend([True] + [False] * (len(sent_words) - 1))
        ents.extend((offset + start, offset + end, label) for start, end, label in spans)
    spaces = [True] * len(words)
    if spaces:
        spaces[-1] = False
    doc = Doc(vocab, words=words, spaces=spaces, sent_starts=sent_starts)
    doc.ents = [Span(doc, start, end, label=label) for start, end, label in ents]
    return doc


def group(items: Iterable, n: int, boundaries: Iterable[bool]) -> Iterator[list]:
    """Chunks of at most ``n`` items (``n <= 0``: unlimited); a True boundary starts a new chunk."""
    chunk: list = []
    for item, new in zip(items, boundaries):
        if chunk and (new or (n > 0 and len(chunk) >= n)):
            yield chunk
            chunk = []
        chunk.append(item)
    if chunk:
        yield chunk


def write_docbin(docs: Iterable[Doc], path: Union[str, Path]) -> Path:
    """Save ``docs`` (with their user data) atomically: a crash leaves the old file or the new one."""
    return write_whole(path, DocBin(docs=docs, store_user_data=True).to_disk)


def label_counts(docs: Iterable[Doc]) -> Counter:
    """Entities per label, in the order they are met."""
    return Counter(e.label_ for doc in docs for e in doc.ents)


def read_docbin(path: Union[str, Path], vocab: Vocab) -> List[Doc]:
    return list(DocBin().from_disk(path).get_docs(vocab))


def sentences_of(doc: Doc) -> List[Span]:
    """The doc's sentences where boundaries are annotated, else the doc as one."""
    if doc.has_annotation("SENT_START"):
        return list(doc.sents)
    return [doc[:]]
