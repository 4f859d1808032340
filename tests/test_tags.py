import pytest

from custom_ner.data.errors import RecordError
from custom_ner.data.tags import TaggedSentence, detect_tag_scheme, split_tag, tags_to_spans


def sent(tags, first_line=1):
    words = [f"w{i}" for i in range(len(tags))]
    return TaggedSentence(words, list(tags), list(range(first_line, first_line + len(tags))))


def spans(tags, scheme, label_map, label_scheme="conll"):
    return tags_to_spans(sent(tags), scheme, label_map, label_scheme)


def test_iob1_entity_opens_with_i_and_b_splits_adjacent_entities(label_map):
    tags = ["I-ORG", "I-ORG", "O", "I-LOC", "B-LOC", "I-LOC", "I-PER"]
    assert spans(tags, "iob1", label_map) == [(0, 2, "ORG"), (3, 4, "LOC"), (4, 6, "LOC"), (6, 7, "PERSON")]


def test_iob2_entities_open_with_b(label_map):
    tags = ["B-ORG", "I-ORG", "O", "B-LOC", "B-LOC", "I-LOC"]
    assert spans(tags, "iob2", label_map) == [(0, 2, "ORG"), (3, 4, "LOC"), (4, 6, "LOC")]


def test_i_after_o_in_iob2_is_an_error_naming_the_line(label_map):
    with pytest.raises(RecordError) as err:
        tags_to_spans(sent(["B-PER", "O", "I-PER"], first_line=10), "iob2", label_map, "conll")
    assert err.value.line == 12
    assert "after O" in err.value.reason and "IOB2" in err.value.reason


def test_i_after_another_type_in_iob2_is_an_error(label_map):
    with pytest.raises(RecordError, match="after an entity of type 'PER'"):
        spans(["B-PER", "I-LOC"], "iob2", label_map)


def test_unknown_tag_prefix_is_an_error():
    with pytest.raises(RecordError, match="unknown tag prefix in 'S-PER'"):
        split_tag("S-PER", 3)


def test_labels_with_hyphens_keep_them():
    assert split_tag("B-creative-work") == ("B", "creative-work")


def test_detects_iob1_from_entities_that_open_with_i():
    scheme, evidence = detect_tag_scheme([sent(["I-PER", "O", "I-LOC", "B-LOC"])])
    assert scheme == "iob1" and evidence["iob1"] == 2


def test_detects_iob2_when_one_stray_i_is_outvoted():
    sentences = [sent(["B-PER", "I-PER", "O", "B-LOC"]), sent(["O", "I-ORG"])]
    assert detect_tag_scheme(sentences)[0] == "iob2"


def test_dropped_types_are_counted_not_kept(label_map):
    from collections import Counter

    dropped = Counter()
    out = tags_to_spans(sent(["B-tim", "I-tim", "O", "B-geo"]), "iob2", label_map, "gmb", dropped)
    assert out == [(3, 4, "LOC")]
    assert dropped == {"tim": 1}


def test_unknown_label_is_an_error_at_its_line(label_map):
    with pytest.raises(RecordError) as err:
        tags_to_spans(sent(["O", "I-FOO"], first_line=5), "iob1", label_map, "conll")
    assert err.value.line == 6 and "unknown label 'FOO'" in err.value.reason
