"""custom_ner.WeightedCorpus.v1: repeat counts per DocBin file, resolved from a config."""
from collections import Counter

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.util import registry
from thinc.api import Config


def _write_docbin(path, texts):
    nlp = spacy.blank("en")
    db = DocBin()
    for text in texts:
        doc = nlp(text)
        doc.ents = [doc.char_span(0, len(text.split()[0]), label="ORG")]
        db.add(doc)
    db.to_disk(path)


@pytest.fixture
def corpus_dir(tmp_path):
    _write_docbin(tmp_path / "big.spacy", ["Reuters said so .", "Apple rose ."])
    _write_docbin(tmp_path / "gold-train.spacy", ["Dell fell ."])
    return tmp_path


def _texts(corpus) -> Counter:
    return Counter(eg.reference.text for eg in corpus(spacy.blank("en")))


def test_weighted_corpus_repeats_the_named_file(corpus_dir):
    config = Config().from_str(
        f"""
        [train]
        @readers = "custom_ner.WeightedCorpus.v1"
        path = "{corpus_dir}"
        weights = {{"gold-train": 3}}
        """
    )
    corpus = registry.resolve(config)["train"]
    assert _texts(corpus) == Counter({"Dell fell .": 3, "Reuters said so .": 1, "Apple rose .": 1})


def test_weighted_corpus_repeats_give_fresh_examples(corpus_dir):
    corpus = registry.readers.get("custom_ner.WeightedCorpus.v1")(corpus_dir, {"gold-train": 2})
    examples = [eg for eg in corpus(spacy.blank("en")) if eg.reference.text == "Dell fell ."]
    assert len(examples) == 2 and examples[0] is not examples[1]
    assert [e.label_ for e in examples[1].reference.ents] == ["ORG"]


def test_weighted_corpus_weight_zero_leaves_a_file_out(corpus_dir):
    corpus = registry.readers.get("custom_ner.WeightedCorpus.v1")(corpus_dir, {"big": 0})
    assert _texts(corpus) == Counter({"Dell fell .": 1})


def test_weighted_corpus_rejects_a_weight_for_a_missing_file(corpus_dir):
    with pytest.raises(ValueError, match=r"gold-trian.*match no \.spacy file"):
        registry.readers.get("custom_ner.WeightedCorpus.v1")(corpus_dir, {"gold-trian": 2})


def test_weighted_corpus_rejects_a_negative_weight(corpus_dir):
    with pytest.raises(ValueError, match="whole number"):
        registry.readers.get("custom_ner.WeightedCorpus.v1")(corpus_dir, {"gold-train": -1})


def test_weighted_corpus_rejects_an_empty_directory(tmp_path):
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="no .spacy files"):
        registry.readers.get("custom_ner.WeightedCorpus.v1")(tmp_path, {})


def test_weighted_corpus_reads_an_extra_file_outside_its_directory(corpus_dir, tmp_path_factory):
    silver = tmp_path_factory.mktemp("silver") / "silver.spacy"
    _write_docbin(silver, ["AAPL rose ."])
    corpus = registry.readers.get("custom_ner.WeightedCorpus.v1")(corpus_dir, {"silver": 2}, extra=silver)
    assert _texts(corpus) == Counter({"AAPL rose .": 2, "Dell fell .": 1, "Reuters said so .": 1, "Apple rose .": 1})


def test_weighted_corpus_rejects_an_extra_path_without_docbins(corpus_dir, tmp_path_factory):
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="extra corpus"):
        registry.readers.get("custom_ner.WeightedCorpus.v1")(corpus_dir, {}, extra=tmp_path_factory.mktemp("empty"))
