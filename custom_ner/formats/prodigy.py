"""Prodigy-style NER JSONL (``ner.manual`` output) <-> spaCy Docs.

A record holds ``text``, ``spans`` (character ``start``/``end`` and ``label``,
optionally ``token_start``/``token_end``), optional ``tokens`` and ``answer``.
Only accepted answers are training data; the others are counted, not lost.
"""
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from ..data.errors import ConversionError, RecordError, Rejects
from ..data.labels import LabelMap, UnknownLabel
from .jsonl import read_jsonl


def read_prodigy(
    path: Union[str, Path],
    rejects: Rejects,
    label_map: LabelMap,
    tokenizer: Tokenizer,
    *,
    label_scheme: str = "custom_ner",
    skipped: Optional[Counter] = None,
    dropped: Optional[Counter] = None,
) -> List[Doc]:
    """Docs of the accepted records; ``skipped`` counts the others by answer."""
    docs: List[Doc] = []
    for obj in read_jsonl(path, rejects):
        record = obj.data
        if record.get("answer", "accept") != "accept":
            if skipped is not None:
                skipped[f"answer={record['answer']}"] += 1
            continue
        try:
            docs.append(record_to_doc(record, tokenizer, label_map, label_scheme, dropped, obj.number))
        except RecordError as err:
            rejects.add(err, raw=obj.raw)
    if not docs and not len(rejects) and not (skipped and sum(skipped.values())):
        raise ConversionError(path, None, "empty input (no records found)")
    return docs


def record_to_doc(
    record: Any,
    tokenizer: Tokenizer,
    label_map: LabelMap,
    label_scheme: str = "custom_ner",
    dropped: Optional[Counter] = None,
    line: Optional[int] = None,
) -> Doc:
    """Validate one record and build its Doc; every problem is a :class:`RecordError`."""
    if not isinstance(record, dict):
        raise RecordError(line, f"expected a JSON object, found {type(record).__name__}")
    text = record.get("text")
    if not isinstance(text, str):
        raise RecordError(line, "missing or non-string 'text' field")
    if not text.strip():
        raise RecordError(line, "empty 'text'")
    tokens = record.get("tokens")
    doc = _tokens_to_doc(tokens, text, tokenizer.vocab, line) if tokens else tokenizer(text)
    spans = record.get("spans") or []
    if not isinstance(spans, list):
        raise RecordError(line, "'spans' must be a list")
    ents: List[Span] = []
    for k, span in enumerate(spans):
        ent = _span(doc, span, k, label_map, label_scheme=label_scheme, dropped=dropped, line=line)
        if ent is not None:
            ents.append(ent)
    ents.sort(key=lambda e: (e.start_char, e.end_char))
    for a, b in zip(ents, ents[1:]):
        if b.start_char < a.end_char:
            raise RecordError(
                line,
                f"overlapping spans {a.label_} [{a.start_char}:{a.end_char}] {a.text!r} and "
                f"{b.label_} [{b.start_char}:{b.end_char}] {b.text!r}",
            )
    doc.ents = ents
    meta = record.get("meta")
    if meta:
        doc.user_data["meta"] = meta
    return doc


def _tokens_to_doc(tokens: Any, text: str, vocab: Vocab, line: Optional[int]) -> Doc:
    if not isinstance(tokens, list):
        raise RecordError(line, "'tokens' must be a list")
    words: List[str] = []
    spaces: List[bool] = []
    for i, tok in enumerate(tokens):
        if not isinstance(tok, dict) or not isinstance(tok.get("text"), str):
            raise RecordError(line, f"token {i} has no 'text'")
        words.append(tok["text"])
        if "ws" in tok:
            spaces.append(bool(tok["ws"]))
        elif i + 1 < len(tokens) and "end" in tok and "start" in tokens[i + 1]:
            spaces.append(tokens[i + 1]["start"] > tok["end"])
        else:
            spaces.append(False)
    doc = Doc(vocab, words=words, spaces=spaces)
    if doc.text != text:
        pos = next(
            (i for i, (a, b) in enumerate(zip(doc.text, text)) if a != b),
            min(len(doc.text), len(text)),
        )
        raise RecordError(
            line,
            f"'tokens' do not reproduce 'text': they differ at character {pos} "
            f"({doc.text[pos:pos + 20]!r} vs {text[pos:pos + 20]!r})",
        )
    for i, tok in enumerate(tokens):
        if "start" in tok and "end" in tok and (tok["start"], tok["end"]) != (
            doc[i].idx,
            doc[i].idx + len(doc[i]),
        ):
            raise RecordError(
                line,
                f"token {i} {tok['text']!r} claims offsets [{tok['start']}:{tok['end']}] "
                f"but is at [{doc[i].idx}:{doc[i].idx + len(doc[i])}]",
            )
    return doc


def _span(
    doc: Doc,
    span: Any,
    k: int,
    label_map: LabelMap,
    *,
    label_scheme: str,
    dropped: Optional[Counter],
    line: Optional[int],
) -> Optional[Span]:
    if not isinstance(span, dict):
        raise RecordError(line, f"span {k} is not an object")
    start, end, label = span.get("start"), span.get("end"), span.get("label")
    if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
        raise RecordError(line, f"span {k} needs integer 'start' and 'end'")
    if not isinstance(label, str) or not label:
        raise RecordError(line, f"span {k} [{start}:{end}] has no 'label'")
    if start >= end:
        raise RecordError(line, f"span {k} {label} has empty or reversed offsets [{start}:{end}]")
    if start < 0 or end > len(doc.text):
        raise RecordError(
            line, f"span {k} {label} offsets [{start}:{end}] outside the text (length {len(doc.text)})"
        )
    if "text" in span and span["text"] != doc.text[start:end]:
        raise RecordError(
            line,
            f"span {k} {label} [{start}:{end}] says {span['text']!r} but the text there is "
            f"{doc.text[start:end]!r}",
        )
    try:
        target = label_map.map(label_scheme, label)
    except UnknownLabel as err:
        raise RecordError(line, f"span {k} [{start}:{end}]: {err}") from None
    ent = doc.char_span(start, end, label=target or label)
    if ent is None:
        raise RecordError(
            line,
            f"span {k} {label} [{start}:{end}] {doc.text[start:end]!r} is not on token boundaries",
        )
    if "token_start" in span and "token_end" in span and (
        span["token_start"],
        span["token_end"],
    ) != (ent.start, ent.end - 1):
        raise RecordError(
            line,
            f"span {k} {label} [{start}:{end}] has token_start/token_end "
            f"{span['token_start']}/{span['token_end']} but covers tokens {ent.start}..{ent.end - 1}",
        )
    if target is None:
        if dropped is not None:
            dropped[label] += 1
        return None
    return ent


def doc_to_record(doc: Doc) -> Dict[str, Any]:
    """A Prodigy-style record (for ``ner.manual`` correction) with tokens and spans."""
    tokens = [
        {"text": t.text, "start": t.idx, "end": t.idx + len(t), "id": t.i, "ws": bool(t.whitespace_)}
        for t in doc
    ]
    spans = [
        {
            "start": e.start_char,
            "end": e.end_char,
            "token_start": e.start,
            "token_end": e.end - 1,
            "label": e.label_,
            "text": e.text,
        }
        for e in doc.ents
    ]
    record: Dict[str, Any] = {"text": doc.text, "tokens": tokens, "spans": spans}
    if doc.user_data.get("meta"):
        record["meta"] = doc.user_data["meta"]
    return record
