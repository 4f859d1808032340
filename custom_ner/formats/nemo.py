"""NeMo / TAO token-classification data: ``text_<split>.txt`` + ``labels_<split>.txt``.

Line N of the text file holds the space-separated tokens of one sentence, line N
of the labels file their tags. ``label_ids.csv`` lists the tags, ``O`` first (NeMo
uses the first entry as the pad label).
"""
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Union

from spacy.tokens import Doc

from ..data.docs import sentences_of
from ..data.errors import ConversionError, RecordError, Rejects
from ..data.files import write_text
from ..data.tags import TaggedSentence
from ..data.lines import Line, read_lines

_TEXT_RE = re.compile(r"^text_(?P<split>.+)\.txt$")


def find_splits(directory: Union[str, Path]) -> Dict[str, Path]:
    """``{split: text file}`` for every ``text_<split>.txt`` in ``directory``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConversionError(directory, None, "expected a NeMo data directory")
    found = {}
    for path in sorted(directory.iterdir()):
        match = _TEXT_RE.match(path.name)
        if match:
            found[match.group("split")] = path
    return found


def resolve_split(directory: Union[str, Path], split: Optional[str]) -> str:
    splits = find_splits(directory)
    if not splits:
        raise ConversionError(directory, None, "empty input: no text_<split>.txt file found")
    if split is None:
        if len(splits) > 1:
            raise ConversionError(
                directory,
                None,
                f"several splits ({', '.join(splits)}): choose one with --split",
            )
        return next(iter(splits))
    if split not in splits:
        raise ConversionError(
            directory, None, f"no split {split!r} (found: {', '.join(splits)})"
        )
    return split


def read_nemo(
    directory: Union[str, Path],
    rejects: Rejects,
    split: Optional[str] = None,
    encoding: str = "utf-8",
) -> List[TaggedSentence]:
    """Sentences of one split; a token/label count mismatch names the labels line."""
    directory = Path(directory)
    split = resolve_split(directory, split)
    text_path = directory / f"text_{split}.txt"
    labels_path = directory / f"labels_{split}.txt"
    if not labels_path.exists():
        raise ConversionError(labels_path, None, f"file not found (needed for {text_path.name})")
    texts = read_lines(text_path, encoding)
    labels = read_lines(labels_path, encoding)
    sentences: List[TaggedSentence] = []
    for i in range(max(len(texts), len(labels))):
        text = texts[i] if i < len(texts) else None
        tags = labels[i] if i < len(labels) else None
        try:
            sentences.append(_parse_pair(text, tags, text_path, labels_path, len(texts), len(labels)))
        except RecordError as err:
            raw = {text_path.name: text and text.text, labels_path.name: tags and tags.text}
            rejects.add(err, raw=raw)
    if not sentences and not len(rejects):
        raise ConversionError(text_path, None, "empty input (no sentences found)")
    return sentences


def _parse_pair(
    text: Optional[Line], tags: Optional[Line], text_path: Path, labels_path: Path, n_text: int, n_labels: int
) -> TaggedSentence:
    if text is None or tags is None:
        longer, path = (tags, labels_path) if text is None else (text, text_path)
        raise RecordError(
            longer.number,
            f"{text_path.name} has {n_text} lines but {labels_path.name} has {n_labels}",
            path,
        )
    if text.error:
        raise RecordError(text.number, text.error, text_path)
    if tags.error:
        raise RecordError(tags.number, tags.error, labels_path)
    words, tag_list = text.text.split(), tags.text.split()
    if not words:
        raise RecordError(text.number, "empty sentence (a blank line in the text file)", text_path)
    if len(words) != len(tag_list):
        raise RecordError(
            tags.number,
            f"token-count mismatch: {len(words)} tokens on line {text.number} of "
            f"{text_path.name} but {len(tag_list)} labels",
            labels_path,
        )
    return TaggedSentence(words, tag_list, [tags.number] * len(words), raw=[text.text, tags.text])


def nemo_label_ids(labels: Iterable[str]) -> List[str]:
    """``O`` first, then ``B-``/``I-`` of every label in a stable order."""
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


def write_nemo(
    docs: Iterable[Doc], out_dir: Union[str, Path], split: str, labels: List[str]
) -> Dict[str, int]:
    """Write one split; whitespace tokens are left out, inner whitespace becomes ``_``.

    Returns counts of what was written and changed, so callers can report them.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {"sentences": 0, "tokens": 0, "whitespace_tokens_skipped": 0, "tokens_with_inner_whitespace": 0}
    with (out_dir / f"text_{split}.txt").open("w", encoding="utf-8") as text_f, (
        out_dir / f"labels_{split}.txt"
    ).open("w", encoding="utf-8") as labels_f:
        for doc in docs:
            entity_at = {t: k for k, ent in enumerate(doc.ents) for t in range(ent.start, ent.end)}
            for sent in sentences_of(doc):
                words, tags = [], []
                prev = None  # entity index of the previous written token
                for token in sent:
                    if token.is_space:
                        counts["whitespace_tokens_skipped"] += 1
                        continue
                    text = token.text
                    if any(ch.isspace() for ch in text):
                        counts["tokens_with_inner_whitespace"] += 1
                        text = "".join("_" if ch.isspace() else ch for ch in text)
                    k = entity_at.get(token.i)
                    if k is None:
                        tags.append("O")
                    else:
                        tags.append(("I-" if k == prev else "B-") + token.ent_type_)
                    prev = k
                    words.append(text)
                if words:
                    text_f.write(" ".join(words) + "\n")
                    labels_f.write(" ".join(tags) + "\n")
                    counts["sentences"] += 1
                    counts["tokens"] += len(words)
    write_text(out_dir / "label_ids.csv", "\n".join(nemo_label_ids(labels)) + "\n")
    return counts
