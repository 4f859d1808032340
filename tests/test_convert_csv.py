import pytest

from conftest import FIXTURE_DATA
from custom_ner.formats.convert import convert_csv
from custom_ner.data.errors import ConversionError

HEADER = "Sentence #,Word,POS,Tag\r\n"


def csv_bytes(rows: str) -> bytes:
    return (HEADER + rows).encode("cp1252")


def fails(path, label_map, **kwargs) -> str:
    with pytest.raises(ConversionError) as err:
        convert_csv(path, label_map, **kwargs)
    return str(err.value)


def test_sentence_ids_are_forward_filled_and_labels_mapped(write, label_map):
    rows = (
        "Sentence: 1,Thousands,NNS,O\r\n,marched,VBD,O\r\n,in,IN,O\r\n,London,NNP,B-geo\r\n"
        ",on,IN,O\r\n,Monday,NNP,B-tim\r\nSentence: 2,Iraqi,JJ,B-gpe\r\n,officials,NNS,O\r\n"
        ",met,VBD,O\r\n,Kofi,NNP,B-per\r\n,Annan,NNP,I-per\r\n"
    )
    conv = convert_csv(write("g.csv", csv_bytes(rows)), label_map, n_sents=10)
    assert len(conv.docs) == 1
    doc = conv.docs[0]
    assert [s.text for s in doc.sents] == ["Thousands marched in London on Monday", "Iraqi officials met Kofi Annan"]
    assert [(e.text, e.label_) for e in doc.ents] == [("London", "LOC"), ("Iraqi", "MISC"), ("Kofi Annan", "PERSON")]
    assert conv.dropped == {"tim": 1}
    assert conv.stats(label_map.labels)["dropped_by_label_map"] == {"tim": 1}


def test_windows_1252_text_is_decoded(write, label_map):
    conv = convert_csv(write("g.csv", csv_bytes("Sentence: 1,Nestl\u00e9,NNP,B-org\r\n,\u2019s,POS,O\r\n")), label_map)
    assert conv.docs[0].text == "Nestl\u00e9 \u2019s"


def test_column_names_are_selectable(write, label_map):
    text = "sid;token;ner\ns1;Acme;B-org\n;rose;O\n"
    conv = convert_csv(
        write("g.csv", text), label_map, encoding="utf-8", delimiter=";",
        columns={"sentence": "sid", "word": "token", "tag": "ner"},
    )
    assert [(e.text, e.label_) for e in conv.docs[0].ents] == [("Acme", "ORG")]


def test_missing_columns_name_file_line_and_column(write, label_map):
    path = write("g.csv", b"Sentence #,Word,POS\r\nSentence: 1,Acme,NNP\r\n")
    err = fails(path, label_map)
    assert err.startswith(f"{path}:1: missing CSV column(s) 'Tag'")


def test_wrong_field_count_names_file_and_line(write, label_map):
    path = write("g.csv", csv_bytes("Sentence: 1,Acme,NNP,B-org\r\n,rose,VBD\r\n"))
    assert fails(path, label_map).startswith(f"{path}:3: wrong column count: expected 4 fields, found 3")


def test_undecodable_bytes_name_file_and_line(write, label_map):
    # 0x81 is not defined in Windows-1252
    path = write("g.csv", HEADER.encode() + b"Sentence: 1,Acme,NNP,B-org\r\n,ro\x81se,VBD,O\r\n")
    err = fails(path, label_map)
    assert err.startswith(f"{path}:3: undecodable bytes b'\\x81'")


def test_i_after_o_in_iob2_names_file_and_line(write, label_map):
    path = write("g.csv", csv_bytes("Sentence: 1,The,DT,O\r\n,Acme,NNP,B-org\r\n\r\nSentence: 2,the,DT,O\r\n,Corp,NNP,I-org\r\n"))
    assert fails(path, label_map, tag_scheme="iob2").startswith(f"{path}:6: 'I-org' after O is invalid IOB2")


def test_unknown_label_names_file_and_line(write, label_map):
    path = write("g.csv", csv_bytes("Sentence: 1,Acme,NNP,B-company\r\n"))
    assert fails(path, label_map).startswith(f"{path}:2: unknown label 'company'")


def test_header_only_is_empty_input(write, label_map):
    assert "empty input" in fails(write("g.csv", HEADER.encode()), label_map)


def test_first_row_without_sentence_id_is_an_error(write, label_map):
    path = write("g.csv", csv_bytes(",Acme,NNP,B-org\r\n"))
    assert fails(path, label_map).startswith(f"{path}:2: no sentence id")


def test_lenient_mode_rejects_whole_sentences(write, label_map):
    rows = "Sentence: 1,Acme,NNP,B-org\r\n,rose,VBD\r\nSentence: 2,Globex,NNP,B-org\r\n,fell,VBD,O\r\n"
    conv = convert_csv(write("g.csv", csv_bytes(rows)), label_map, lenient=True)
    assert [d.text for d in conv.docs] == ["Globex fell"]
    assert [(r["line"], len(r["record"])) for r in conv.rejects.records] == [(3, 2)]


def test_fixture_gmb_file_converts(label_map):
    conv = convert_csv(FIXTURE_DATA / "gmb" / "ner_dataset.csv", label_map)
    stats = conv.stats(label_map.labels)
    assert stats["sentences"] == 30 and stats["entities"] > 30
    assert stats["dropped_by_label_map"]["tim"] > 0
    assert any("\u2019" in d.text for d in conv.docs)
