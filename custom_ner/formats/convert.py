"""Conversions between the supported formats and spaCy DocBin.

Pure, typed functions; ``scripts/convert.py`` is the thin command line over them.
Each ``convert_*`` returns a :class:`Conversion`: the Docs plus an account of
what was rejected (lenient mode), dropped by the label map, or skipped.
"""
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import spacy
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..data.docs import doc_from_sentences, group, read_docbin, write_docbin
from ..data.errors import RecordError, Rejects
from ..data.files import write_jsonl
from .gmb import read_csv
from .iob import read_iob
from ..data.labels import LabelMap
from ..data.lines import check_file
from .nemo import read_nemo, write_nemo
from .prodigy import doc_to_record, read_prodigy
from .stats import corpus_stats, update_stats_file
from ..data.tags import TAG_SCHEMES, TaggedSentence, detect_tag_scheme, tags_to_spans

PathLike = Union[str, Path]


@dataclass
class Conversion:
    input: str
    format: str
    docs: List[Doc]
    rejects: Rejects
    label_scheme: str
    dropped: Counter = field(default_factory=Counter)  # source label -> entities dropped by the map
    skipped: Counter = field(default_factory=Counter)  # reason -> records skipped on purpose
    tag_scheme: Optional[str] = None
    tag_evidence: Dict[str, int] = field(default_factory=dict)

    def stats(self, labels: Sequence[str]) -> Dict[str, Any]:
        entry: Dict[str, Any] = {"input": self.input, "format": self.format}
        entry.update(corpus_stats(self.docs, list(labels)))
        entry["label_scheme"] = self.label_scheme
        if self.tag_scheme:
            entry["tag_scheme"] = self.tag_scheme
            entry["tag_scheme_evidence"] = self.tag_evidence
        entry["dropped_by_label_map"] = dict(sorted(self.dropped.items()))
        entry["skipped"] = dict(sorted(self.skipped.items()))
        entry["rejected"] = len(self.rejects)
        return entry


def sentences_to_docs(
    vocab: Vocab,
    sentences: List[TaggedSentence],
    conv: Conversion,
    label_map: LabelMap,
    tag_scheme: str,
    n_sents: int,
) -> List[Doc]:
    """Map tags to spans (detecting IOB1/IOB2 if asked) and group sentences into Docs."""
    if tag_scheme not in TAG_SCHEMES:
        raise ValueError(f"tag scheme must be one of {TAG_SCHEMES}, not {tag_scheme!r}")
    if tag_scheme == "auto":
        tag_scheme, evidence = detect_tag_scheme(sentences)
        conv.tag_evidence = {
            "entities_opened_by_I": evidence["iob1"],
            "entities_opened_by_B": evidence["iob2"],
        }
    conv.tag_scheme = tag_scheme
    parsed = []
    for sent in sentences:
        try:
            spans = tags_to_spans(sent, tag_scheme, label_map, conv.label_scheme, conv.dropped)
        except RecordError as err:
            conv.rejects.add(err, raw=sent.raw)
            continue
        parsed.append((sent, spans))
    boundaries = [sent.new_doc for sent, _ in parsed]
    return [
        doc_from_sentences(vocab, [(sent.words, spans) for sent, spans in chunk])
        for chunk in group(parsed, n_sents, boundaries)
    ]


def _convert_tagged(
    fmt: str,
    path: PathLike,
    label_map: LabelMap,
    label_scheme: str,
    read: Callable[[Rejects], List[TaggedSentence]],
    *,
    tag_scheme: str,
    n_sents: int,
    lenient: bool,
) -> Conversion:
    """The common path of the tag-per-token formats: read sentences, map tags, build Docs."""
    label_map.scheme(label_scheme)  # an unknown scheme fails before any reading
    conv = Conversion(str(path), fmt, [], Rejects(path, lenient), label_scheme)
    sentences = read(conv.rejects)
    conv.docs = sentences_to_docs(spacy.blank("en").vocab, sentences, conv, label_map, tag_scheme, n_sents)
    return conv


def convert_iob(
    path: PathLike,
    label_map: LabelMap,
    *,
    label_scheme: str = "conll",
    tag_scheme: str = "auto",
    token_col: int = 0,
    tag_col: int = -1,
    n_sents: int = 10,
    encoding: str = "utf-8",
    lenient: bool = False,
) -> Conversion:
    return _convert_tagged(
        "iob", path, label_map, label_scheme,
        lambda rejects: read_iob(path, rejects, token_col=token_col, tag_col=tag_col, encoding=encoding),
        tag_scheme=tag_scheme, n_sents=n_sents, lenient=lenient,
    )


def convert_csv(
    path: PathLike,
    label_map: LabelMap,
    *,
    label_scheme: str = "gmb",
    tag_scheme: str = "auto",
    columns: Optional[Dict[str, str]] = None,
    n_sents: int = 10,
    encoding: str = "cp1252",
    delimiter: str = ",",
    lenient: bool = False,
) -> Conversion:
    return _convert_tagged(
        "csv", path, label_map, label_scheme,
        lambda rejects: read_csv(path, rejects, columns=columns, encoding=encoding, delimiter=delimiter),
        tag_scheme=tag_scheme, n_sents=n_sents, lenient=lenient,
    )


def convert_nemo(
    path: PathLike,
    label_map: LabelMap,
    *,
    split: Optional[str] = None,
    label_scheme: str = "custom_ner",
    tag_scheme: str = "auto",
    n_sents: int = 10,
    encoding: str = "utf-8",
    lenient: bool = False,
) -> Conversion:
    return _convert_tagged(
        "nemo", path, label_map, label_scheme,
        lambda rejects: read_nemo(path, rejects, split=split, encoding=encoding),
        tag_scheme=tag_scheme, n_sents=n_sents, lenient=lenient,
    )


def convert_jsonl(
    path: PathLike,
    label_map: LabelMap,
    *,
    label_scheme: str = "custom_ner",
    lang: str = "en",
    lenient: bool = False,
) -> Conversion:
    """Prodigy JSONL; texts without ``tokens`` are tokenized with blank ``lang``."""
    label_map.scheme(label_scheme)
    conv = Conversion(str(path), "jsonl", [], Rejects(path, lenient), label_scheme)
    tokenizer = spacy.blank(lang).tokenizer
    conv.docs = read_prodigy(
        path, conv.rejects, label_map, tokenizer, label_scheme=label_scheme, skipped=conv.skipped,
        dropped=conv.dropped,
    )
    return conv


def convert_corrections(path: PathLike, label_map: LabelMap, *, lang: str = "en", lenient: bool = False) -> Conversion:
    """Corrected review-queue tasks (Prodigy JSONL, read exactly as ``jsonl``). An empty
    path means no corrections: an empty DocBin, so the workflow's ``corrections``
    variable can stay unset and the training directory always has the same files."""
    if not str(path):
        return Conversion("", "jsonl", [], Rejects("corrections", lenient), "custom_ner")
    return convert_jsonl(path, label_map, lang=lang, lenient=lenient)


def default_stats_path(output: PathLike) -> Path:
    """Stats live beside the output: ``corpus/x.spacy`` -> ``corpus/stats.json``."""
    return Path(output).parent / "stats.json"


def save_conversion(
    conv: Conversion, output: PathLike, labels: Sequence[str], stats_path: PathLike
) -> Dict[str, Any]:
    """Write the DocBin, the rejects file (lenient mode) and the stats entry."""
    output = Path(output)
    write_docbin(conv.docs, output)
    written = conv.rejects.write(output)
    entry = conv.stats(labels)
    entry["output"] = str(output)
    if written is not None:
        entry["rejects_file"] = str(written)
    update_stats_file(stats_path, str(output), entry)
    return entry


CONVERTERS: Dict[str, Callable[..., Conversion]] = {
    "iob": convert_iob, "csv": convert_csv, "jsonl": convert_jsonl, "nemo": convert_nemo,
    "corrections": convert_corrections,
}


def convert_file(
    fmt: str, input_path: PathLike, output: PathLike, label_map: PathLike, stats: Optional[PathLike] = None,
    **options: Any,
) -> Tuple[Conversion, Dict[str, Any]]:
    """Convert ``input_path`` (format ``fmt``, ``options`` as its ``convert_*`` takes them)
    to the DocBin ``output``; returns the conversion and its stats entry."""
    labels = LabelMap.from_file(label_map)
    conv = CONVERTERS[fmt](input_path, labels, **options)
    entry = save_conversion(conv, output, labels.labels, stats or default_stats_path(output))
    return conv, entry


def export_nemo(input_path: PathLike, output_dir: PathLike, split: Optional[str], label_map: PathLike) -> Dict[str, int]:
    """A DocBin as NeMo token-classification data (IOB2); ``split`` defaults to the file's stem."""
    docs = read_docbin(check_file(input_path), spacy.blank("en").vocab)
    return write_nemo(docs, output_dir, split or Path(input_path).stem, LabelMap.from_file(label_map).labels)


def export_jsonl(input_path: PathLike, output: PathLike) -> Dict[str, Any]:
    """A DocBin as Prodigy JSONL (text, tokens, spans) for correction; returns its counts."""
    docs = read_docbin(check_file(input_path), spacy.blank("en").vocab)
    write_jsonl(output, (doc_to_record(doc) for doc in docs))
    return corpus_stats(docs)
