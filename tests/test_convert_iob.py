import pytest
import srsly

from conftest import FIXTURE_DATA
from custom_ner.formats.convert import convert_iob, save_conversion
from custom_ner.data.errors import ConversionError

GOOD = """-DOCSTART- -X- -X- O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP I-NP I-LOC
Paris NNP I-NP B-LOC
"""


def ents(doc):
    return [(e.text, e.label_) for e in doc.ents]


def fails(path, label_map, **kwargs) -> ConversionError:
    with pytest.raises(ConversionError) as err:
        convert_iob(path, label_map, **kwargs)
    return err.value


def test_iob1_file_converts_with_docstart_starting_docs(write, label_map):
    conv = convert_iob(write("a.iob", GOOD), label_map)
    assert conv.tag_scheme == "iob1"
    assert len(conv.docs) == 2
    assert ents(conv.docs[0]) == [("EU", "ORG"), ("German", "MISC"), ("Peter Blackburn", "PERSON")]
    assert ents(conv.docs[1]) == [("BRUSSELS", "LOC"), ("Paris", "LOC")]
    assert [s.text for s in conv.docs[0].sents] == ["EU rejects German call", "Peter Blackburn"]


def test_n_sents_groups_sentences_within_documents(write, label_map):
    conv = convert_iob(write("a.iob", GOOD), label_map, n_sents=1)
    assert [d.text for d in conv.docs] == ["EU rejects German call", "Peter Blackburn", "BRUSSELS Paris"]


def test_iob2_file_is_detected(write, label_map):
    conv = convert_iob(write("b.iob", "New B-LOC\nYork I-LOC\nis O\nbig O\n\nAcme B-ORG\n"), label_map)
    assert conv.tag_scheme == "iob2"
    assert ents(conv.docs[0]) == [("New York", "LOC"), ("Acme", "ORG")]


def test_token_and_tag_columns_are_selectable(write, label_map):
    text = "1\tO\tAcme\tB-ORG\n2\tO\tsaid\tO\n"
    conv = convert_iob(write("c.tsv", text), label_map, token_col=2, tag_col=3)
    assert ents(conv.docs[0]) == [("Acme", "ORG")]


def test_wrong_column_count_names_file_and_line(write, label_map):
    path = write("bad.iob", "EU NNP I-NP I-ORG\nrejects VBZ I-VP\n")
    err = fails(path, label_map)
    assert str(err).startswith(f"{path}:2: wrong column count: expected 4 columns, found 3")


def test_unknown_tag_prefix_names_file_and_line(write, label_map):
    path = write("bad.iob", "EU S-ORG\n")
    assert str(fails(path, label_map)).startswith(f"{path}:1: unknown tag prefix in 'S-ORG'")


def test_i_after_o_in_iob2_names_file_and_line(write, label_map):
    path = write("bad.iob", "New B-LOC\nYork I-LOC\n\nsaid O\nAcme I-ORG\n\nBig B-ORG\n")
    err = fails(path, label_map, tag_scheme="iob2")
    assert str(err).startswith(f"{path}:5: 'I-ORG' after O is invalid IOB2")


def test_auto_detection_still_reports_a_stray_i_in_an_iob2_file(write, label_map):
    path = write("bad.iob", "New B-LOC\nYork I-LOC\n\nsaid O\nAcme I-ORG\n\nBig B-ORG\nCo B-ORG\n")
    assert str(fails(path, label_map)).startswith(f"{path}:5:")


def test_unknown_label_names_file_and_line(write, label_map):
    path = write("bad.iob", "EU O\nAcme I-COMPANY\n")
    assert str(fails(path, label_map)).startswith(f"{path}:2: unknown label 'COMPANY'")


def test_undecodable_bytes_name_file_and_line(write, label_map):
    path = write("bad.iob", b"EU O\nM\xfcnchen I-LOC\n")
    err = str(fails(path, label_map))
    assert err.startswith(f"{path}:2: undecodable bytes") and "utf-8" in err


def test_other_encodings_are_readable(write, label_map):
    conv = convert_iob(write("latin.iob", b"M\xfcnchen I-LOC\n"), label_map, encoding="latin-1")
    assert ents(conv.docs[0]) == [("M\u00fcnchen", "LOC")]


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_input_is_an_error(write, label_map, content):
    path = write("empty.iob", content)
    assert "empty input" in str(fails(path, label_map))


def test_missing_file_is_an_error(tmp_path, label_map):
    assert "file not found" in str(fails(tmp_path / "nope.iob", label_map))


def test_lenient_mode_skips_bad_sentences_and_writes_them_out(write, tmp_path, label_map):
    text = "EU I-ORG\nsaid O\n\nrejects\n\nAcme I-XYZ\n\nParis I-LOC\n"
    conv = convert_iob(write("mixed.iob", text), label_map, lenient=True)
    assert [ents(d) for d in conv.docs] == [[("EU", "ORG"), ("Paris", "LOC")]]
    assert len(conv.rejects) == 2
    out = tmp_path / "out" / "mixed.spacy"
    entry = save_conversion(conv, out, label_map.labels, tmp_path / "out" / "stats.json")
    rejects = list(srsly.read_jsonl(tmp_path / "out" / "mixed.rejects.jsonl"))
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        (4, "wrong column count"),
        (6, "unknown label 'XYZ'"),
    ]
    assert rejects[0]["record"] == ["rejects"]
    assert entry["rejected"] == 2


def test_fixture_conll_file_keeps_adjacent_entities_apart(label_map):
    """'The Tokyo Berlin route ...' is I-LOC B-LOC in IOB1: two LOC entities, not one."""
    conv = convert_iob(FIXTURE_DATA / "conll2003" / "train.iob", label_map)
    assert conv.tag_scheme == "iob1"
    route = [s for d in conv.docs for s in d.sents if "route reopened" in s.text]
    assert route and all(len([e for e in s.ents if e.label_ == "LOC"]) == 3 for s in route)
