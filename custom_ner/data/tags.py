"""IOB1 / IOB2 / IO tag sequences -> entity spans.

CoNLL-2003 uses IOB1 (an entity opens with ``I-``; ``B-`` only separates two
adjacent entities of one type), most later corpora use IOB2 (every entity opens
with ``B-``). Getting this wrong silently merges or splits entities, so the
scheme is detected from the data, reported, and violations are errors that name
the line of the offending token.

IO (the SEC filings set) has no ``B-`` at all: every entity token is ``I-``, so two
adjacent entities of one type read as one. It is never guessed (an IO file looks
like IOB1 without a single ``B-``): it is declared with ``--tag-scheme io``, a
``B-`` in such a file is an error, and whoever scores against it must merge
adjacent predicted entities of one type the same way (:func:`merge_adjacent`).
"""
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Tuple

from .errors import RecordError
from .labels import LabelMap, UnknownLabel

TAG_SCHEMES = ("auto", "iob1", "iob2", "io")
Span = Tuple[int, int, str]  # token start, token end (exclusive), label


@dataclass
class TaggedSentence:
    """One sentence of tokens and raw tags, with the line each token came from."""

    words: List[str]
    tags: List[str]
    lines: List[int]
    new_doc: bool = False  # the first sentence after a document boundary
    raw: List[str] = field(default_factory=list)  # source lines, for the rejects file

    @property
    def line(self) -> int:
        return self.lines[0] if self.lines else 0


def split_tag(tag: str, line: Optional[int] = None) -> Tuple[str, Optional[str]]:
    """``"B-PER"`` -> ``("B", "PER")``; ``"O"`` -> ``("O", None)``.

    Labels may contain hyphens (WNUT's ``B-creative-work``), so only the first
    hyphen separates the prefix.
    """
    if tag == "O":
        return "O", None
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in ("B", "I") or not label:
        raise RecordError(
            line, f"unknown tag prefix in {tag!r} (expected O, B-<label> or I-<label>)"
        )
    return prefix, label


def detect_tag_scheme(sentences: Iterable[TaggedSentence]) -> Tuple[str, Counter]:
    """Tell IOB1 from IOB2 by how entities open.

    In IOB1 entities open with ``I-``; in IOB2 with ``B-``. The majority decides,
    so one stray ``I-`` after ``O`` in an IOB2 file is still reported as an error
    instead of flipping the whole file to IOB1. Ties go to IOB2 (the stricter).
    """
    evidence: Counter = Counter()
    for sent in sentences:
        prev: Optional[str] = None
        for tag in sent.tags:
            try:
                prefix, label = split_tag(tag)
            except RecordError:
                prev = None
                continue
            if prefix == "I" and label != prev:
                evidence["iob1"] += 1
            elif prefix == "B" and label != prev:
                evidence["iob2"] += 1
            prev = label
    scheme = "iob1" if evidence["iob1"] > evidence["iob2"] else "iob2"
    return scheme, evidence


def tags_to_spans(
    sent: TaggedSentence,
    scheme: str,
    label_map: LabelMap,
    label_scheme: str,
    dropped: Optional[Counter] = None,
) -> List[Span]:
    """Entity spans of one sentence, labels mapped; dropped types are counted."""
    if scheme not in ("iob1", "iob2", "io"):
        raise ValueError(f"tag scheme must be iob1, iob2 or io, not {scheme!r}")
    raw_spans: List[Tuple[int, int, str, int]] = []  # start, end, source label, line
    prev: Optional[str] = None
    for i, (tag, line) in enumerate(zip(sent.tags, sent.lines)):
        prefix, label = split_tag(tag, line)
        if prefix == "O":
            prev = None
            continue
        assert label is not None
        if prefix == "B" and scheme == "io":
            raise RecordError(line, f"{tag!r} in an IO-tagged file (IO has no B-: declare iob1 or iob2)")
        continues = prefix == "I" and label == prev
        if prefix == "I" and not continues and scheme == "iob2":
            if i == 0:
                where = "at the start of the sentence"
            elif prev is None:
                where = "after O"
            else:
                where = f"after an entity of type {prev!r}"
            raise RecordError(
                line, f"{tag!r} {where} is invalid IOB2 (an entity must start with B-)"
            )
        if continues:
            start, _, src, first_line = raw_spans[-1]
            raw_spans[-1] = (start, i + 1, src, first_line)
        else:
            raw_spans.append((i, i + 1, label, line))
        prev = label
    spans: List[Span] = []
    for start, end, src, line in raw_spans:
        try:
            target = label_map.map(label_scheme, src)
        except UnknownLabel as err:
            raise RecordError(line, str(err)) from None
        if target is None:
            if dropped is not None:
                dropped[src] += 1
            continue
        spans.append((start, end, target))
    return spans


def merge_adjacent(spans: Iterable[Span]) -> List[Span]:
    """``spans`` as an IO-tagged file would hold them: adjacent spans of one label
    become one (IO cannot tell them apart), so predictions are scored like the gold."""
    merged: List[Span] = []
    for start, end, label in sorted(spans):
        if merged and merged[-1][1] == start and merged[-1][2] == label:
            merged[-1] = (merged[-1][0], end, label)
        else:
            merged.append((start, end, label))
    return merged
