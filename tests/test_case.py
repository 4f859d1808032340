"""Case-changed copies of annotated docs (custom_ner/data/case.py) and the case
augmenter of training (custom_ner/training/augment.py)."""
import random
import subprocess
import sys

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.training import Example
from spacy.util import registry

from conftest import ROOT
from custom_ner.data.case import recase_doc, title_word


@pytest.fixture
def doc():
    nlp = spacy.blank("en")
    doc = nlp("Apple hired Tim Cook in Cupertino, said iPhone fans.")
    doc.ents = [doc.char_span(0, 5, "ORG"), doc.char_span(12, 20, "PERSON"), doc.char_span(24, 33, "LOC")]
    return doc


@pytest.mark.parametrize("case,expected", [("lower", "apple hired tim cook in cupertino, said iphone fans."),
                                           ("upper", "APPLE HIRED TIM COOK IN CUPERTINO, SAID IPHONE FANS."),
                                           ("title", "Apple Hired Tim Cook In Cupertino, Said IPhone Fans.")])
def test_a_recased_copy_keeps_tokens_spaces_and_entities(doc, case, expected):
    copy = recase_doc(doc, case)
    assert copy.text == expected and len(copy) == len(doc)
    assert [(e.start, e.end, e.label_) for e in copy.ents] == [(e.start, e.end, e.label_) for e in doc.ents]


def test_title_case_changes_only_the_first_letter():
    assert [title_word(w) for w in ("iPhone", "U.S.", "nasdaq", "")] == ["IPhone", "U.S.", "Nasdaq", ""]


def test_convert_recase_writes_a_copy_and_rejects_an_unknown_case(doc, tmp_path):
    DocBin(docs=[doc]).to_disk(tmp_path / "in.spacy")
    run = lambda case: subprocess.run([sys.executable, "scripts/convert.py", "recase", str(tmp_path / "in.spacy"),  # noqa: E731
                                       str(tmp_path / "out.spacy"), "--case", case], cwd=ROOT, capture_output=True, text=True)
    assert run("upper").returncode == 0
    out = list(DocBin().from_disk(tmp_path / "out.spacy").get_docs(doc.vocab))
    assert out[0].ents[1].text == "TIM COOK"
    bad = run("shout")
    assert bad.returncode == 1 and "unknown case 'shout'" in bad.stdout + bad.stderr


def test_case_augmenter_recases_the_drawn_share_and_keeps_the_entities(doc):
    augment = registry.augmenters.get("custom_ner.case_augmenter.v1")(lower=0.5, upper=0.25, title=0.25)
    nlp = spacy.blank("en")
    example = Example(nlp.make_doc(doc.text), doc)
    random.seed(0)
    seen = [eg for _ in range(200) for eg in augment(nlp, example)]
    assert len(seen) == 200  # one example out for each one in
    texts = {eg.reference.text for eg in seen}
    assert texts == {doc.text.lower(), doc.text.upper(), recase_doc(doc, "title").text}
    for eg in seen:
        assert [e.label_ for e in eg.reference.ents] == ["ORG", "PERSON", "LOC"]
        assert eg.predicted.text == eg.reference.text


def test_case_augmenter_passes_examples_through_at_zero_and_refuses_shares_over_one(doc):
    nlp = spacy.blank("en")
    example = Example(nlp.make_doc(doc.text), doc)
    assert list(registry.augmenters.get("custom_ner.case_augmenter.v1")()(nlp, example)) == [example]
    with pytest.raises(ValueError, match="sum to at most 1"):
        registry.augmenters.get("custom_ner.case_augmenter.v1")(lower=0.8, upper=0.5)


@pytest.mark.parametrize("case", ["lower", "upper", "title"])
def test_a_recased_silver_doc_keeps_its_missing_tokens_missing(case):
    """Silver docs say nothing about some tokens; recased, they must not start saying "O"."""
    nlp = spacy.blank("en")
    silver = nlp.make_doc("Shares of Acme Corp rose in Paris.")
    silver.set_ents([silver.char_span(28, 33, "LOC")], missing=[silver[2:4]], default="outside")
    augment = registry.augmenters.get("custom_ner.case_augmenter.v1")(**{case: 1.0})
    (recased,) = augment(nlp, Example(nlp.make_doc(silver.text), silver))
    for copy in (recased.reference, recase_doc(silver, case)):
        assert [t.ent_iob_ for t in copy] == ["O", "O", "", "", "O", "O", "B", "O"]
