import pytest

from custom_ner.data.labels import LabelMap, UnknownLabel


def test_label_map_has_the_five_pipeline_labels(label_map):
    assert label_map.labels == ["PERSON", "ORG", "LOC", "MISC", "TICKER"]


@pytest.mark.parametrize(
    "scheme,source,target",
    [
        ("conll", "PER", "PERSON"),
        ("conll", "MISC", "MISC"),
        ("gmb", "per", "PERSON"),
        ("gmb", "org", "ORG"),
        ("gmb", "geo", "LOC"),
        ("gmb", "gpe", "MISC"),
        ("gmb", "art", "MISC"),
        ("gmb", "eve", "MISC"),
        ("gmb", "nat", "MISC"),
        ("custom_ner", "TICKER", "TICKER"),
        ("ontonotes", "GPE", "LOC"),
        ("ontonotes", "NORP", "MISC"),
    ],
)
def test_label_map_maps_source_labels(label_map, scheme, source, target):
    assert label_map.map(scheme, source) == target


def test_gmb_time_expressions_are_dropped_on_purpose(label_map):
    assert label_map.map("gmb", "tim") is None
    assert label_map.map("ontonotes", "DATE") is None


def test_unknown_label_is_an_error_naming_label_and_scheme(label_map):
    with pytest.raises(UnknownLabel, match="'FOO'.*'conll'"):
        label_map.map("conll", "FOO")


def test_unknown_scheme_is_an_error(label_map):
    with pytest.raises(ValueError, match="no label scheme 'nope'"):
        label_map.map("nope", "PER")


def test_a_map_target_outside_the_labels_is_rejected():
    with pytest.raises(ValueError, match="not one of the labels"):
        LabelMap(labels=["PERSON"], schemes={"x": {"PER": "PERS"}})
