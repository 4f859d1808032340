"""The external scorecard: IO tags, roles, seen/unseen slices and the label mapping
(custom_ner/evaluation/external.py, custom_ner/data/tags.py)."""
import gzip
import subprocess
import sys

import pytest
import srsly
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example

from conftest import ROOT
from custom_ner.formats.convert import convert_iob
from custom_ner.data.errors import ConversionError, RecordError
from custom_ner.data.tags import TaggedSentence, merge_adjacent, tags_to_spans
from custom_ner.formats.unlabelled import gzip_lines
from custom_ner.evaluation.external import (
    ExternalSet, load_scorecard, score_external, scored_labels, scored_prediction, seen_entity_texts, slice_scores,
    without_roles,
)

LABELS = ["PERSON", "ORG", "LOC", "MISC", "TICKER"]


def doc(nlp, words, ents):
    d = Doc(nlp.vocab, words=words)
    d.ents = [Span(d, s, e, label=label) for s, e, label in ents]
    return d


def test_io_tags_merge_adjacent_entities_of_one_type(label_map):
    sent = TaggedSentence(["Acme", "SAS", "and", "Evergreen", "Lender", "Borrower"],
                          ["I-ORG", "I-ORG", "O", "I-ORG", "I-PER", "I-PER"], [1, 2, 3, 4, 5, 6])
    assert tags_to_spans(sent, "io", label_map, "conll") == [(0, 2, "ORG"), (3, 4, "ORG"), (4, 6, "PERSON")]


def test_b_tag_in_an_io_file_is_an_error_naming_the_line(label_map):
    sent = TaggedSentence(["Acme", "Corp"], ["B-ORG", "I-ORG"], [7, 8])
    with pytest.raises(RecordError) as err:
        tags_to_spans(sent, "io", label_map, "conll")
    assert err.value.line == 7 and "IO has no B-" in err.value.reason


def test_io_file_converts_with_docstart_and_a_b_tag_names_file_and_line(tmp_path, label_map):
    path = tmp_path / "FIN.txt"
    path.write_text("-DOCSTART- -X- O O\n\nLoan NNP - O\nSilicium NNP - I-ORG\nSAS NNP - I-ORG\n"
                    "Borrower NNP - I-PER\n\nthe DT - O\nLender NNP - I-PER\n")
    conv = convert_iob(path, label_map, tag_scheme="io")
    assert conv.tag_scheme == "io"
    assert [[(e.text, e.label_) for e in d.ents] for d in conv.docs] == [
        [("Silicium SAS", "ORG"), ("Borrower", "PERSON"), ("Lender", "PERSON")]]
    path.write_text("Loan NNP - O\nSilicium NNP - B-ORG\n")
    with pytest.raises(ConversionError, match=r"FIN\.txt:2: 'B-ORG' in an IO-tagged file"):
        convert_iob(path, label_map, tag_scheme="io")


def test_tab_separated_tweebank_lines_convert_one_tweet_per_doc(tmp_path, label_map):
    path = tmp_path / "test.bio"
    path.write_text("-DOCSTART- -X- -X- O\n\n@USER1\t-\t-\tO\nBarack\t-\t-\tB-PER\nObama\t-\t-\tI-PER\n😀\t-\t-\tO\n\n"
                    "Go\t-\t-\tO\nBoston\t-\t-\tB-ORG\n", encoding="utf-8")
    conv = convert_iob(path, label_map, n_sents=1)
    assert conv.tag_scheme == "iob2"
    assert [[(e.text, e.label_) for e in d.ents] for d in conv.docs] == [[("Barack Obama", "PERSON")], [("Boston", "ORG")]]


def test_merge_adjacent_joins_touching_spans_of_one_label_only():
    assert merge_adjacent([(3, 4, "ORG"), (0, 1, "PERSON"), (1, 2, "PERSON"), (2, 3, "ORG")]) == [
        (0, 2, "PERSON"), (2, 4, "ORG")]


def test_predictions_are_mapped_and_merged_as_io_gold_holds_them(nlp_en, label_map):
    card = load_scorecard(ROOT / "configs" / "external.json", label_map)
    pred = doc(nlp_en, ["Acme", "SAS", "(", "ACME", ")", "Lender"],
               [(0, 1, "ORG"), (1, 2, "ORG"), (3, 4, "TICKER"), (5, 6, "PERSON")])
    io = scored_prediction(pred.copy(), card.mapping, "io")
    assert [(e.text, e.label_) for e in io.ents] == [("Acme SAS", "ORG"), ("ACME", "ORG"), ("Lender", "PERSON")]
    iob2 = scored_prediction(pred.copy(), card.mapping, "iob2")
    assert [(e.text, e.label_) for e in iob2.ents][:2] == [("Acme", "ORG"), ("SAS", "ORG")]
    assert scored_labels(LABELS, card) == ["PERSON", "ORG", "LOC", "MISC"]


def test_role_mentions_become_unannotated_so_predictions_on_them_do_not_count(nlp_en, label_map):
    gold = doc(nlp_en, ["The", "Borrower", "pays", "Ann", "Lee", "and", "the", "lenders"],
               [(1, 2, "PERSON"), (3, 5, "PERSON"), (7, 8, "PERSON")])
    stripped, n = without_roles(gold, ["Borrower", "Lenders"])
    assert n == 2
    assert [e.text for e in stripped.ents] == ["Ann Lee"]
    assert stripped[1].ent_iob_ == "" and stripped[0].ent_iob_ == "O"
    assert [e.text for e in gold.ents] == ["Borrower", "Ann Lee", "lenders"]  # the gold doc itself is unchanged
    ext = ExternalSet("sec", ROOT, "test", "io", roles=["Borrower", "Lenders"])
    card = load_scorecard(ROOT / "configs" / "external.json", label_map)
    pred = doc(nlp_en, [t.text for t in gold], [(1, 2, "PERSON"), (3, 5, "PERSON")])
    result = score_external([pred], [gold], ext, card, ["PERSON", "ORG", "LOC", "MISC"], seen=None)
    assert result["spacy"]["per_label"]["PERSON"]["f"] == pytest.approx(0.8)  # 2 of 3 found, none wrong
    assert result["without_roles"]["per_label"]["PERSON"]["f"] == 1.0
    assert result["without_roles"]["roles_unannotated"] == 2


def test_training_data_from_sec_has_role_mentions_outside_any_entity(tmp_path, nlp_en):
    gold = doc(nlp_en, ["The", "Borrower", "pays", "Acme", "Corp", "as", "Lender"],
               [(1, 2, "PERSON"), (3, 5, "ORG"), (6, 7, "PERSON")])
    kept, n = without_roles(gold, ["Borrower", "Lender"], as_outside=True)
    assert n == 2 and [e.text for e in kept.ents] == ["Acme Corp"]
    assert kept[1].ent_iob_ == "O" and kept[6].ent_iob_ == "O"  # taught as not-a-name, not left unknown
    DocBin(docs=[gold]).to_disk(tmp_path / "fin5.spacy")
    out = tmp_path / "levers" / "fin5.spacy"
    result = subprocess.run([sys.executable, str(ROOT / "studies" / "levers" / "drop_roles.py"), str(tmp_path / "fin5.spacy"),
                             str(out), "--set", "sec-fin3"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert srsly.read_json(out.with_suffix(".stats.json"))["roles_made_outside"] == 2
    missing = subprocess.run([sys.executable, str(ROOT / "studies" / "levers" / "drop_roles.py"), str(tmp_path / "fin5.spacy"),
                              str(out), "--set", "tweebank-test"], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode != 0 and "has no 'roles'" in missing.stdout + missing.stderr


def test_seen_and_unseen_slices_split_gold_and_predictions_by_training_text(nlp_en):
    train = [doc(nlp_en, ["Ann", "Lee", "met", "Acme"], [(0, 2, "PERSON"), (3, 4, "ORG")])]
    seen = seen_entity_texts(train)
    assert seen == {"Ann Lee", "Acme"}
    gold = doc(nlp_en, ["Ann", "Lee", "and", "Bo", "Ek", "at", "Acme", "Paris"],
               [(0, 2, "PERSON"), (3, 5, "PERSON"), (6, 7, "ORG")])
    pred = doc(nlp_en, [t.text for t in gold], [(0, 2, "PERSON"), (6, 7, "LOC"), (7, 8, "LOC")])
    slices = slice_scores([Example(pred, gold)], seen)
    assert slices["seen"]["support"] == 2 and slices["seen"]["predicted"] == 2
    assert slices["seen"]["p"] == 0.5 and slices["seen"]["r"] == 0.5
    assert slices["unseen"]["support"] == 1 and slices["unseen"]["predicted"] == 1 and slices["unseen"]["f"] == 0.0


def test_scorecard_config_names_an_existing_scheme_and_known_keys(tmp_path, label_map):
    card = load_scorecard(ROOT / "configs" / "external.json", label_map)
    assert card.mapping["TICKER"] == "ORG"
    assert {s.name for s in card.sets} == {"tweebank-test", "wnut17-test", "sec-fin3"}
    assert next(s for s in card.sets if s.name == "sec-fin3").tag_scheme == "io"
    bad = srsly.read_json(ROOT / "configs" / "external.json")
    bad["sets"]["sec-fin3"]["roles_typo"] = []
    srsly.write_json(tmp_path / "bad.json", bad)
    with pytest.raises(ValueError, match="unknown key"):
        load_scorecard(tmp_path / "bad.json", label_map)


def test_gzipped_text_lines_are_read_and_bad_utf8_names_the_line(tmp_path):
    path = tmp_path / "text.txt.gz"
    path.write_bytes(gzip.compress("One sentence .\nAnother one .\n".encode() + b"bad \xff byte\n", mtime=0))
    lines = gzip_lines(path)
    assert next(lines) == "One sentence ."
    assert next(lines) == "Another one ."
    with pytest.raises(ConversionError, match=r"text\.txt\.gz:3: not UTF-8"):
        next(lines)
