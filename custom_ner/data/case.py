"""Case-changed copies of annotated docs: the same tokens lower-cased, upper-cased or
title-cased, each entity on the same tokens.

Users paste headlines (Title Case, ALL CAPS) and posts (all lower case), while the
annotated sets are mostly cased as edited news is. A copy of a dev set in each case
measures what that costs a model; the same functions make the case augmenter of
training (custom_ner/training/augment.py).
"""
from pathlib import Path
from typing import Callable, Dict, List, Union

from spacy.tokens import Doc, Span

from .docs import read_docbin, write_docbin
from .lines import check_file


def title_word(word: str) -> str:
    """The first letter upper-cased, the rest as it was ("iPhone" -> "IPhone", "U.S." stays)."""
    return word[:1].upper() + word[1:]


CASES: Dict[str, Callable[[str], str]] = {"lower": str.lower, "upper": str.upper, "title": title_word}


def case_function(case: str) -> Callable[[str], str]:
    if case not in CASES:
        raise ValueError(f"unknown case {case!r}: expected one of {', '.join(CASES)}")
    return CASES[case]


def recase_words(doc: Doc, case: str) -> List[str]:
    """The words of ``doc`` in ``case`` (one string per token; a token never splits)."""
    change = case_function(case)
    return [change(t.text) for t in doc]


def recase_doc(doc: Doc, case: str) -> Doc:
    """``doc``'s tokens in ``case`` with its entities on the same tokens."""
    copy = Doc(doc.vocab, words=recase_words(doc, case), spaces=[bool(t.whitespace_) for t in doc])
    copy.set_ents([Span(copy, e.start, e.end, label=e.label_, kb_id=e.kb_id_) for e in doc.ents],
                  missing=[copy[t.i : t.i + 1] for t in doc if t.ent_iob == 0], default="outside")
    return copy


def recase_docbin(input_path: Union[str, Path], output: Union[str, Path], case: str) -> Dict[str, int]:
    """Write the docs of the DocBin ``input_path`` in ``case`` to ``output``; their counts."""
    import spacy

    case_function(case)  # an unknown case fails before any reading
    docs = [recase_doc(doc, case) for doc in read_docbin(check_file(input_path), spacy.blank("en").vocab)]
    write_docbin(docs, output)
    return {"docs": len(docs), "entities": sum(len(d.ents) for d in docs)}
