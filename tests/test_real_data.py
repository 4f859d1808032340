"""Checks on the real datasets; skipped where ../shared/data is absent."""
import pytest

from conftest import real_data_or_skip
from custom_ner.formats.convert import convert_iob, convert_jsonl

pytestmark = pytest.mark.data

# Counts from ../shared/data/README.md (verified there independently).
CONLL = {
    "train": {"sentences": 14041, "tokens": 203621, "PERSON": 6600, "LOC": 7140, "ORG": 6321, "MISC": 3438},
    "dev": {"sentences": 3250, "tokens": 51362, "PERSON": 1842, "LOC": 1837, "ORG": 1341, "MISC": 922},
    "test": {"sentences": 3453, "tokens": 46435, "PERSON": 1617, "LOC": 1668, "ORG": 1661, "MISC": 702},
}
GOLD = {
    "train": {"docs": 624, "ORG": 920, "TICKER": 843, "LOC": 268, "MISC": 192, "PERSON": 83},
    "dev": {"docs": 200, "ORG": 290, "TICKER": 253, "LOC": 81, "MISC": 49, "PERSON": 16},
}

# (directory, file, options): sentences, tokens, entities per label, tag scheme
EXTERNAL = {
    "tweebank-test": (("tweebank", "test.bio", {}), 1201, 19095, {"PERSON": 273, "ORG": 182, "LOC": 111, "MISC": 184}, "iob2"),
    "tweebank-train": (("tweebank", "train.bio", {}), 1639, 24753, {"PERSON": 360, "ORG": 245, "LOC": 136, "MISC": 238}, "iob2"),
    "wnut17-test": (("wnut17", "emerging.test.annotated", {"label_scheme": "wnut17"}), 1287, 23394,
                    {"PERSON": 429, "ORG": 231, "LOC": 150, "MISC": 269}, "iob2"),
    "sec-fin3": (("sec_filings", "FIN3.txt", {"tag_scheme": "io"}), 303, 13246,
                 {"PERSON": 216, "ORG": 56, "LOC": 39, "MISC": 7}, "io"),
    "sec-fin5": (("sec_filings", "FIN5.txt", {"tag_scheme": "io"}), 1164, 41010,
                 {"PERSON": 747, "ORG": 243, "LOC": 171, "MISC": 7}, "io"),
}


@pytest.mark.parametrize("name", sorted(EXTERNAL))
def test_external_sets_convert_to_the_published_counts(label_map, name):
    (directory, file, options), sentences, tokens, per_label, scheme = EXTERNAL[name]
    conv = convert_iob(real_data_or_skip(directory, file), label_map, **options)
    stats = conv.stats(label_map.labels)
    assert conv.tag_scheme == scheme and not conv.rejects
    assert stats["sentences"] == sentences and stats["tokens"] == tokens
    assert {label: stats["entities_per_label"][label] for label in per_label} == per_label


@pytest.mark.parametrize("split", sorted(CONLL))
def test_conll2003_converts_to_the_published_counts(label_map, split):
    path = real_data_or_skip("conll2003", f"{split}.iob")
    conv = convert_iob(path, label_map)
    stats = conv.stats(label_map.labels)
    assert conv.tag_scheme == "iob1"
    expected = CONLL[split]
    assert stats["sentences"] == expected["sentences"] and stats["tokens"] == expected["tokens"]
    for label in ("PERSON", "LOC", "ORG", "MISC"):
        assert stats["entities_per_label"][label] == expected[label]


@pytest.mark.parametrize("split", sorted(GOLD))
def test_ner_gold_converts_every_span(label_map, split):
    path = real_data_or_skip("ner_gold", f"{split}.jsonl")
    conv = convert_jsonl(path, label_map)
    stats = conv.stats(label_map.labels)
    assert stats["docs"] == GOLD[split]["docs"] and len(conv.rejects) == 0
    for label in ("ORG", "TICKER", "LOC", "MISC", "PERSON"):
        assert stats["entities_per_label"][label] == GOLD[split][label]


def test_nasdaq_directories_give_the_listing_exchange():
    from custom_ner.ticker.symbols import read_nasdaq_directory

    nasdaq = read_nasdaq_directory(real_data_or_skip("tickers", "nasdaqlisted.txt"))
    other = read_nasdaq_directory(real_data_or_skip("tickers", "otherlisted.txt"))
    assert len(nasdaq) > 5000 and len(other) > 6000
    assert nasdaq.get("AAPL") == ("NASDAQ", "Apple Inc.")
    assert other.get("IBM")[0] == "NYSE" and other.get("BRK.B")[0] == "NYSE"


def test_ticker_rules_find_the_gold_cashtags_of_ner_gold_train():
    import srsly
    from custom_ner.ticker.linker import TickerAnnotator
    from custom_ner.ticker.symbols import build_symbol_table

    tickers = real_data_or_skip("tickers")
    table = build_symbol_table([tickers / "nasdaqlisted.txt", tickers / "otherlisted.txt"])
    annotator = TickerAnnotator(table)
    for record in srsly.read_jsonl(real_data_or_skip("ner_gold", "train.jsonl")):
        found = {(m.start, m.end) for m in annotator.find(record["text"]) if m.pattern == "cashtag"}
        for span in record["spans"]:
            if span["label"] == "TICKER" and record["text"][span["start"] - 1 : span["start"]] == "$":
                assert (span["start"], span["end"]) in found, record["text"]
