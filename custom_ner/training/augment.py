"""A training augmenter for the case of user text: a share of the training examples is
read lower-cased (posts), upper-cased (ALL-CAPS headlines) or title-cased (headlines).

spaCy's ``spacy.lower_case.v1`` covers only the first; this one draws each example's
case once, from the three shares, and otherwise passes the example through as it is:

    [corpora.train.augmenter]
    @augmenters = "custom_ner.case_augmenter.v1"
    lower = 0.1
    upper = 0.05
    title = 0.05

The draw uses Python's ``random``, which spaCy seeds from ``[training] seed``, so a
run repeats. Registered through an entry point (``spacy_augmenters``).
"""
import random
from typing import Callable, Iterator

from spacy.language import Language
from spacy.training import Example
from spacy.util import registry

from ..data.case import recase_words


def recased_example(nlp: Language, example: Example, case: str) -> Example:
    """``example`` with every token in ``case``: the text re-tokenized, the gold
    annotation (entities included, and tokens whose entity is missing) kept on the same tokens."""
    words = recase_words(example.reference, case)
    data = example.to_dict()
    data["token_annotation"]["ORTH"] = words
    # to_dict() writes "O" for a missing token: silver docs would teach "O" where they know nothing
    data["doc_annotation"]["entities"] = [
        "-" if token.ent_iob == 0 else tag for token, tag in zip(example.reference, data["doc_annotation"]["entities"])
    ]
    text = "".join(word + token.whitespace_ for word, token in zip(words, example.reference))
    return example.from_dict(nlp.make_doc(text), data)


@registry.augmenters("custom_ner.case_augmenter.v1")
def create_case_augmenter(lower: float = 0.0, upper: float = 0.0,
                          title: float = 0.0) -> Callable[[Language, Example], Iterator[Example]]:
    """Each example lower-cased with probability ``lower``, upper-cased with ``upper``,
    title-cased with ``title``, else unchanged."""
    shares = {"lower": lower, "upper": upper, "title": title}
    if any(s < 0 for s in shares.values()) or sum(shares.values()) > 1:
        raise ValueError(f"custom_ner.case_augmenter.v1: shares must be >= 0 and sum to at most 1, not {shares}")

    def augment(nlp: Language, example: Example) -> Iterator[Example]:
        draw = random.random()
        for case, share in shares.items():
            if draw < share:
                yield recased_example(nlp, example, case)
                return
            draw -= share
        yield example

    return augment
