"""Self-training silver docs (custom_ner/training/ensemble.py): what every teacher
agrees on is kept, what only some predict is missing, gold texts stay out."""
import gzip

import pytest
import spacy
import srsly
from spacy.tokens import DocBin

from custom_ner.training.corpus import WeightedCorpus
from custom_ner.training.ensemble import EnsembleOptions, agreed_doc, build_ensemble_silver

TEXTS = [
    "Maria Lopez joined Apple in London last year.",
    "Shares of Acme Corp rose in Paris on Monday.",
    "Nothing to see in this sentence at all today.",
]


def teacher(path, patterns):
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": label, "pattern": text} for label, text in patterns])
    nlp.to_disk(path)
    return path


@pytest.fixture
def teachers(tmp_path):
    common = [("PERSON", "Maria Lopez"), ("ORG", "Apple"), ("LOC", "Paris")]
    return [teacher(tmp_path / "t1", common + [("LOC", "London"), ("ORG", "Acme Corp")]),
            teacher(tmp_path / "t2", common + [("LOC", "London"), ("PERSON", "Acme")])]


def test_agreed_spans_are_kept_and_disputed_tokens_are_missing(nlp_en):
    doc = nlp_en.make_doc("Shares of Acme Corp rose in Paris on Monday.")
    out = agreed_doc(doc, [{(2, 4, "ORG"), (6, 7, "LOC")}, {(2, 3, "PERSON"), (6, 7, "LOC")}], "spans")
    assert [(e.text, e.label_) for e in out.ents] == [("Paris", "LOC")]
    assert [t.text for t in out if t.ent_iob_ == ""] == ["Acme", "Corp"]  # missing: neither entity nor O
    assert out[0].ent_iob_ == "O" and out[4].ent_iob_ == "O"


def test_sentences_mode_keeps_only_sentences_every_teacher_labels_alike(nlp_en):
    doc = nlp_en.make_doc("Apple hired Maria Lopez.")
    assert agreed_doc(doc, [{(0, 1, "ORG")}, {(0, 1, "ORG"), (2, 4, "PERSON")}], "sentences") is None
    same = agreed_doc(nlp_en.make_doc("Apple hired Maria Lopez."), [{(0, 1, "ORG")}, {(0, 1, "ORG")}], "sentences")
    assert [e.text for e in same.ents] == ["Apple"] and all(t.ent_iob_ for t in same)


def test_build_labels_the_sample_without_gold_texts_and_counts_it(tmp_path, teachers, nlp_en):
    news = tmp_path / "news.txt.gz"
    with gzip.open(news, "wt", encoding="utf8") as f:
        f.write("\n".join(TEXTS[:2] + ["Too short."]) + "\n")
    posts = tmp_path / "posts.jsonl"
    srsly.write_jsonl(posts, [{"text": TEXTS[2]}])
    gold = tmp_path / "gold.jsonl"
    srsly.write_jsonl(gold, [{"text": TEXTS[2], "spans": []}])
    stats = build_ensemble_silver([news, posts], teachers, tmp_path / "ens.spacy",
                                  EnsembleOptions(limit=10, exclude=(gold,)))
    assert (stats["texts_read"], stats["pool"], stats["excluded_gold"], stats["labelled"]) == (4, 3, 1, 2)
    assert stats["full_agreement"] == 1 and stats["spans_disputed"] == 2
    assert srsly.read_json(tmp_path / "ens.stats.json") == stats
    docs = {d.text: d for d in DocBin().from_disk(tmp_path / "ens.spacy").get_docs(nlp_en.vocab)}
    assert set(docs) == set(TEXTS[:2])
    assert [(e.text, e.label_) for e in docs[TEXTS[0]].ents] == [("Maria Lopez", "PERSON"), ("Apple", "ORG"),
                                                                ("London", "LOC")]
    assert [t.text for t in docs[TEXTS[1]] if not t.ent_iob_] == ["Acme", "Corp"]  # missing survives the DocBin


def test_sentences_mode_writes_only_the_fully_agreed_sentences(tmp_path, teachers, nlp_en):
    posts = tmp_path / "posts.jsonl"
    srsly.write_jsonl(posts, [{"text": t} for t in TEXTS])
    stats = build_ensemble_silver([posts], teachers, tmp_path / "ens.spacy", EnsembleOptions(mode="sentences"))
    docs = list(DocBin().from_disk(tmp_path / "ens.spacy").get_docs(nlp_en.vocab))
    assert stats["docs"] == 2 and sorted(d.text for d in docs) == sorted([TEXTS[0], TEXTS[2]])


def test_one_teacher_or_an_unknown_mode_is_an_error(tmp_path, teachers):
    with pytest.raises(ValueError, match="at least two"):
        build_ensemble_silver([tmp_path / "x.jsonl"], teachers[:1], tmp_path / "o.spacy")
    with pytest.raises(ValueError, match="--mode"):
        EnsembleOptions(mode="majority")


def test_the_training_corpus_reads_the_ensemble_docs_beside_the_others(tmp_path, nlp_en):
    train, ens = tmp_path / "train", tmp_path / "ensemble"
    for directory, text in ((train, "Apple rose."), (ens, "Acme fell.")):
        directory.mkdir()
        DocBin(docs=[nlp_en.make_doc(text)]).to_disk(directory / f"{directory.name}.spacy")
    corpus = WeightedCorpus(train, {"ensemble": 2}, ensemble=ens)
    assert [eg.reference.text for eg in corpus(nlp_en)] == ["Apple rose.", "Acme fell.", "Acme fell."]
