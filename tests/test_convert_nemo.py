import pytest

from conftest import FIXTURES
from custom_ner.formats.convert import convert_jsonl, convert_nemo
from custom_ner.data.errors import ConversionError
from custom_ner.formats.nemo import nemo_label_ids, write_nemo

NEMO = FIXTURES / "nemo"


def make_split(tmp_path, text: str, labels: str, split: str = "train"):
    d = tmp_path / "nemo"
    d.mkdir(exist_ok=True)
    (d / f"text_{split}.txt").write_text(text, encoding="utf-8")
    (d / f"labels_{split}.txt").write_text(labels, encoding="utf-8")
    return d


def fails(path, label_map, **kwargs) -> str:
    with pytest.raises(ConversionError) as err:
        convert_nemo(path, label_map, **kwargs)
    return str(err.value)


def test_nemo_split_converts_with_one_sentence_per_line(label_map):
    conv = convert_nemo(NEMO, label_map, split="train", n_sents=5)
    assert conv.stats(label_map.labels)["sentences"] == 20
    assert len(conv.docs) == 4
    assert conv.stats(label_map.labels)["entities_per_label"]["TICKER"] > 0


def test_several_splits_need_a_choice(label_map):
    assert "several splits (dev, train): choose one with --split" in fails(NEMO, label_map)


def test_unknown_split_is_named(label_map):
    assert "no split 'test'" in fails(NEMO, label_map, split="test")


def test_token_count_mismatch_names_labels_file_and_line(tmp_path, label_map):
    d = make_split(tmp_path, "Acme rose\nIBM fell sharply\n", "B-ORG O\nB-TICKER O\n")
    err = fails(d, label_map)
    assert err.startswith(f"{d / 'labels_train.txt'}:2: token-count mismatch: 3 tokens on line 2 of text_train.txt but 2 labels")


def test_line_count_mismatch_is_an_error(tmp_path, label_map):
    d = make_split(tmp_path, "Acme rose\n", "B-ORG O\nO\n")
    assert fails(d, label_map).startswith(f"{d / 'labels_train.txt'}:2: text_train.txt has 1 lines but labels_train.txt has 2")


def test_missing_labels_file_is_an_error(tmp_path, label_map):
    d = tmp_path / "nemo"
    d.mkdir()
    (d / "text_train.txt").write_text("Acme rose\n")
    assert "labels_train.txt: file not found" in fails(d, label_map)


def test_empty_directory_is_empty_input(tmp_path, label_map):
    assert "empty input" in fails(tmp_path, label_map)


def test_lenient_mode_rejects_mismatched_lines(tmp_path, label_map):
    d = make_split(tmp_path, "Acme rose\nIBM fell sharply\nAMD rose\n", "B-ORG O\nB-TICKER O\nB-TICKER O\n")
    conv = convert_nemo(d, label_map, lenient=True)
    assert [d.text for d in conv.docs] == ["Acme rose AMD rose"]
    assert conv.rejects.records[0]["record"] == {"text_train.txt": "IBM fell sharply", "labels_train.txt": "B-TICKER O"}


def test_label_ids_put_o_first():
    assert nemo_label_ids(["PERSON", "TICKER"]) == ["O", "B-PERSON", "I-PERSON", "B-TICKER", "I-TICKER"]


def test_export_to_nemo_round_trips(tmp_path, label_map):
    gold = convert_jsonl(FIXTURES / "data" / "ner_gold" / "dev.jsonl", label_map).docs
    counts = write_nemo(gold, tmp_path / "out", "dev", label_map.labels)
    assert counts["sentences"] == len(gold)
    label_ids = (tmp_path / "out" / "label_ids.csv").read_text().split()
    assert label_ids[0] == "O" and len(label_ids) == 11
    again = convert_nemo(tmp_path / "out", label_map, n_sents=1).docs
    assert [[(e.text, e.label_) for e in d.ents] for d in again] == [[(e.text, e.label_) for e in d.ents] for d in gold]


def test_export_skips_whitespace_tokens_and_replaces_inner_whitespace(tmp_path, nlp_en):
    from spacy.tokens import Doc, Span

    doc = Doc(nlp_en.vocab, words=["New\u00a0York", "\n", "rose"], spaces=[True, False, False])
    doc.ents = [Span(doc, 0, 1, label="LOC")]
    counts = write_nemo([doc], tmp_path, "x", ["LOC"])
    assert (tmp_path / "text_x.txt").read_text() == "New_York rose\n"
    assert (tmp_path / "labels_x.txt").read_text() == "B-LOC O\n"
    assert counts["whitespace_tokens_skipped"] == 1 and counts["tokens_with_inner_whitespace"] == 1
