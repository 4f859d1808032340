import json

import pytest

from conftest import FIXTURE_DATA
from custom_ner.formats.convert import convert_jsonl
from custom_ner.data.errors import ConversionError
from custom_ner.formats.prodigy import doc_to_record

TEXT = "Dell Inc. (DELL.O) shares rose, Michael Dell said in Austin."
SPANS = [
    {"start": 0, "end": 9, "label": "ORG"},
    {"start": 11, "end": 17, "label": "TICKER"},
    {"start": 32, "end": 44, "label": "PERSON"},
    {"start": 53, "end": 59, "label": "LOC"},
]


def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def fails(path, label_map) -> str:
    with pytest.raises(ConversionError) as err:
        convert_jsonl(path, label_map)
    return str(err.value)


def test_accepted_records_become_docs_with_entities(write, label_map):
    conv = convert_jsonl(write("a.jsonl", jsonl({"text": TEXT, "spans": SPANS, "answer": "accept", "meta": {"id": 1}})), label_map)
    (doc,) = conv.docs
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Dell Inc.", "ORG"), ("DELL.O", "TICKER"), ("Michael Dell", "PERSON"), ("Austin", "LOC"),
    ]
    assert doc.user_data["meta"] == {"id": 1}


def test_rejected_and_ignored_answers_are_skipped_and_counted(write, label_map):
    path = write("a.jsonl", jsonl(
        {"text": TEXT, "spans": SPANS, "answer": "accept"},
        {"text": "Nothing here.", "spans": [], "answer": "reject"},
        {"text": "Nor here.", "answer": "ignore"},
    ))
    conv = convert_jsonl(path, label_map)
    assert len(conv.docs) == 1
    assert conv.skipped == {"answer=reject": 1, "answer=ignore": 1}


def test_given_tokens_are_used_instead_of_the_tokenizer(write, label_map):
    # The annotator's tokenizer glued "Jones)--Sons" into one token; the span follows it.
    text = "Dow Jones)--Sons"
    tokens = [{"text": "Dow", "start": 0, "end": 3, "id": 0, "ws": True}, {"text": "Jones)--Sons", "start": 4, "end": 16, "id": 1, "ws": False}]
    conv = convert_jsonl(write("a.jsonl", jsonl({"text": text, "tokens": tokens, "spans": [{"start": 4, "end": 16, "label": "ORG"}]})), label_map)
    assert [t.text for t in conv.docs[0]] == ["Dow", "Jones)--Sons"]
    assert conv.docs[0].ents[0].text == "Jones)--Sons"


@pytest.mark.parametrize(
    "span,reason",
    [
        ({"start": 53, "end": 80, "label": "LOC"}, "outside the text"),
        ({"start": -1, "end": 4, "label": "ORG"}, "outside the text"),
        ({"start": 9, "end": 4, "label": "ORG"}, "empty or reversed"),
        ({"start": 0, "end": 3, "label": "ORG"}, "not on token boundaries"),
        ({"start": 0, "end": 9, "label": "COMPANY"}, "unknown label 'COMPANY'"),
        ({"start": 0, "end": 9, "label": "ORG", "text": "Dell"}, "says 'Dell'"),
        ({"start": 0, "end": 9, "label": "ORG", "token_start": 0, "token_end": 0}, "token_start/token_end"),
        ({"start": 0, "label": "ORG"}, "integer 'start' and 'end'"),
    ],
)
def test_bad_spans_name_file_line_and_reason(write, label_map, span, reason):
    path = write("a.jsonl", jsonl({"text": TEXT, "spans": []}, {"text": TEXT, "spans": [span]}))
    err = fails(path, label_map)
    assert err.startswith(f"{path}:2: ") and reason in err


def test_overlapping_spans_are_an_error(write, label_map):
    spans = [{"start": 0, "end": 9, "label": "ORG"}, {"start": 5, "end": 9, "label": "ORG"}]
    path = write("a.jsonl", jsonl({"text": TEXT, "spans": spans}))
    err = fails(path, label_map)
    assert err.startswith(f"{path}:1: overlapping spans ORG [0:9] 'Dell Inc.' and ORG [5:9] 'Inc.'")


@pytest.mark.parametrize(
    "line,reason",
    [
        ('{"text": "broken', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"spans": []}', "missing or non-string 'text'"),
        ('{"text": "   "}', "empty 'text'"),
        ('{"text": "ab", "tokens": [{"text": "a", "ws": true}, {"text": "b", "ws": false}]}', "do not reproduce 'text'"),
    ],
)
def test_bad_records_name_file_line_and_reason(write, label_map, line, reason):
    path = write("a.jsonl", jsonl({"text": TEXT}, line))
    err = fails(path, label_map)
    assert err.startswith(f"{path}:2: ") and reason in err


def test_undecodable_bytes_name_file_and_line(write, label_map):
    path = write("a.jsonl", jsonl({"text": TEXT}).encode() + b'{"text": "caf\xe9"}\n')
    assert fails(path, label_map).startswith(f"{path}:2: undecodable bytes")


def test_empty_input_is_an_error(write, label_map):
    assert "empty input" in fails(write("a.jsonl", ""), label_map)


def test_lenient_mode_keeps_good_records_and_counts_bad_ones(write, label_map):
    path = write("a.jsonl", jsonl({"text": TEXT, "spans": SPANS}, "not json", {"text": TEXT, "spans": [{"start": 0, "end": 2, "label": "ORG"}]}))
    conv = convert_jsonl(path, label_map, lenient=True)
    assert len(conv.docs) == 1
    assert [r["line"] for r in conv.rejects.records] == [2, 3]
    assert conv.rejects.records[0]["record"] == "not json"


def test_docs_round_trip_through_prodigy_records(write, label_map):
    conv = convert_jsonl(FIXTURE_DATA / "ner_gold" / "train.jsonl", label_map)
    records = [doc_to_record(d) for d in conv.docs]
    again = convert_jsonl(write("b.jsonl", jsonl(*records)), label_map)
    before = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in conv.docs]
    after = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in again.docs]
    assert before == after
    assert records[0]["meta"]["source"] == "fixture-train"
    assert {"text", "start", "end", "id", "ws"} <= set(records[0]["tokens"][0])


def test_a_blank_line_is_a_bad_record_named_by_its_line(write, label_map):
    path = write("a.jsonl", jsonl({"text": TEXT}, "", {"text": TEXT}))
    assert fails(path, label_map) == f"{path}:2: empty line"
    conv = convert_jsonl(path, label_map, lenient=True)
    assert len(conv.docs) == 2 and [(r["line"], r["reason"]) for r in conv.rejects.records] == [(2, "empty line")]
