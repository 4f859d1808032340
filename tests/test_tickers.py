"""TICKER rules, symbol directories, canonical ids, the linker component and silver docs."""

import pytest
import spacy
from spacy.tokens import Span

from conftest import FIXTURES
from custom_ner.data.errors import ConversionError
from custom_ner.ticker.silver import make_silver, silver_doc
from custom_ner.ticker.linker import SymbolTable, TickerAnnotator, canonicalize, is_abbreviation, normalize_symbol
from custom_ner.evaluation.scoring import score_spans
from custom_ner.ticker.symbols import build_symbol_table, company_name, read_nasdaq_directory

TICKERS = FIXTURES / "data" / "tickers"


@pytest.fixture(scope="module")
def table() -> SymbolTable:
    return build_symbol_table([TICKERS / "nasdaqlisted.txt", TICKERS / "otherlisted.txt"], use_pytickersymbols=False)


def found(annotator: TickerAnnotator, text: str):
    return [(text[m.start : m.end], m.pattern) for m in annotator.find(text)]


def test_directory_gives_exchange_and_company_and_skips_test_issues(table):
    assert table.get("AAPL") == ("NASDAQ", "Apple Inc.")
    assert table.get("IBM") == ("NYSE", "International Business Machines Corporation")
    assert table.get("SPY")[0] == "NYSEARCA"
    assert table.get("BRK.B") == ("NYSE", "Berkshire Hathaway Inc.")
    assert "ZXZZT" not in table


def test_directory_with_wrong_field_count_names_file_and_line(tmp_path):
    bad = tmp_path / "nasdaqlisted.txt"
    bad.write_text((TICKERS / "nasdaqlisted.txt").read_text().replace("AMD|Advanced Micro Devices, Inc. - Common Stock|Q|", "AMD|Q|"))
    with pytest.raises(ConversionError, match=r"nasdaqlisted.txt:3: expected 8 fields, found 7"):
        read_nasdaq_directory(bad)


def test_file_that_is_not_a_directory_is_rejected_with_its_name(tmp_path):
    bad = tmp_path / "symbols.txt"
    bad.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(ConversionError, match=r"symbols.txt:1: not a NASDAQ Trader symbol directory"):
        read_nasdaq_directory(bad)


def test_company_name_drops_share_description():
    assert company_name("Dell Technologies Inc. Class C Common Stock") == "Dell Technologies Inc."
    assert company_name("Zymeworks Inc. - Common Stock") == "Zymeworks Inc."


@pytest.mark.parametrize(
    "surface,prefix,expected",
    [
        ("AAPL", "$", "NASDAQ:AAPL"),            # directory
        ("IBM", "(NYSE: ", "NYSE:IBM"),          # named exchange
        ("AAPL", "(Nasdaq:", "NASDAQ:AAPL"),
        ("IBM", "(NYSE American: ", "NYSEAMERICAN:IBM"),  # the text's exchange wins
        ("DELL.O", "(", "NASDAQ:DELL"),          # Reuters suffixes
        ("HNZ.N", "(", "NYSE:HNZ"),
        ("RIO.L", "(", "LSE:RIO"),
        ("SIEGn.DE", "(", "XETRA:SIEG"),
        ("BF.A", "(", "NYSE:BF.A"),              # a listed share class, not an Amex RIC
        ("BRK-B", "$", "NYSE:BRK.B"),            # share-class spellings
        ("BTC", "$", "BTC"),                     # unknown: the bare symbol
        ("tsla", "$", "NASDAQ:TSLA"),
    ],
)
def test_canonical_ids(table, surface, prefix, expected):
    assert canonicalize(surface, table, prefix)[0] == expected


def test_canonical_id_carries_company_name(table):
    assert canonicalize("DELL.O", table) == ("NASDAQ:DELL", "Dell Example Holdings Inc.")
    assert canonicalize("XYZQ", table) == ("XYZQ", None)


def test_normalize_symbol_spellings():
    assert normalize_symbol("$brk/b") == "BRK.B"
    assert normalize_symbol("#AAPL") == "AAPL"


def test_patterns_follow_the_guidelines(table):
    ann = TickerAnnotator(table)
    text = "Dell Inc. (DELL.O) and $aapl rose; Acme (NYSE: IBM) and Alphabet (GOOG) fell. #MSFT $BTC.X"
    assert found(ann, text) == [
        ("DELL.O", "ric"), ("aapl", "cashtag"), ("IBM", "exchange"), ("GOOG", "paren"), ("MSFT", "hashtag"), ("BTC.X", "cashtag"),
    ]


def test_reuters_index_codes_and_toronto_share_classes_are_tickers_but_file_types_are_not(table):
    ann = TickerAnnotator(table)
    text = "The Dow Jones Transportation average .DJT and the Nikkei .N225 fell; so did the S&P 500 .SPX."
    assert found(ann, text) == [(".DJT", "index"), (".N225", "index"), (".SPX", "index")]
    assert found(ann, "built on Microsoft .NET. Open report.PDF or the .PDF file") == []
    assert found(ann, "Great-West Lifeco (TSX: GWO-PRI.TO) and a REIT (REI-UN.TO)") == [
        ("GWO-PRI.TO", "exchange"), ("REI-UN.TO", "ric")]
    assert canonicalize("GWO-PRI.TO", table, "(TSX: ")[0] == "TSX:GWO.PRI"
    assert canonicalize("REI-UN.TO", table, "(")[0] == "TSX:REI.UN"


def test_a_listed_symbol_before_its_company_name_is_a_ticker_unless_the_name_begins_with_it(table):
    ann = TickerAnnotator(SymbolTable({**table.entries, "UNF": ("NYSE", "Unifirst Corporation"),
                                       "PBF": ("NYSE", "PBF Energy Inc.")}))
    assert found(ann, "UNF Unifirst Corp. Bid Size") == [("UNF", "name")]
    assert found(ann, "AAPL Apple Inc. Last Price") == [("AAPL", "name")]
    assert found(ann, "PBF Energy: A Mexican bet") == []  # the symbol is the name
    assert found(ann, "AAPL fell while Apple rose") == []  # not followed by the name
    assert found(ann, "ZXZZT Nasdaq Test") == []  # not listed


def test_non_tickers_and_introduced_abbreviations_are_not_tickers(table):
    ann = TickerAnnotator(table.__class__({**table.entries, "CEO": ("NYSE", "x"), "WTO": ("NYSE", "y")}))
    assert found(ann, "the company (CEO) said") == []
    assert found(ann, "World Trade Organization (WTO) rules") == []
    assert found(ann, "Prices ($5) and $10 are not symbols") == []
    assert is_abbreviation("IHF", "the International Handball Federation")


def test_parenthesised_symbol_needs_the_directory(table):
    assert found(TickerAnnotator(table), "Foo Corp (QQQX) said") == []


def test_score_spans_exact_match():
    assert score_spans([(0, 1), (2, 4)], [(2, 4), (5, 6)]) == {"p": 0.5, "r": 0.5, "f": 0.5, "tp": 1, "predicted": 2, "gold": 2}


@pytest.fixture
def linker_nlp(table):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "Dell Inc."}, {"label": "ORG", "pattern": [{"TEXT": "AAPL"}]},
                        {"label": "TICKER", "pattern": "AMD"}])
    nlp.add_pipe("custom_ner_ticker_linker").initialize(table=table)
    return nlp


def test_linker_sets_kb_id_and_company(linker_nlp):
    doc = linker_nlp("Dell Inc. (DELL.O) and Apple ($AAPL) rose; shares of AMD too.")
    got = [(e.text, e.label_, e.kb_id_, e._.company) for e in doc.ents]
    assert got == [
        ("Dell Inc.", "ORG", "", None),
        ("DELL.O", "TICKER", "NASDAQ:DELL", "Dell Example Holdings Inc."),
        ("AAPL", "TICKER", "NASDAQ:AAPL", "Apple Inc."),  # a pattern match replaces the ORG
        ("AMD", "TICKER", "NASDAQ:AMD", "Advanced Micro Devices, Inc."),  # the model's TICKER is linked too
    ]


def test_an_entity_a_match_overlaps_keeps_the_part_outside_it(table):
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": p} for p in (
        "AAPL Apple Inc.", "Dell Inc. ( DELL.O )", "Apple ( $ AAPL )")])
    nlp.add_pipe("custom_ner_ticker_linker").initialize(table=table)
    labels = lambda text: [(e.text, e.label_) for e in nlp(text).ents]  # noqa: E731
    assert labels("AAPL Apple Inc. Volume") == [("AAPL", "TICKER"), ("Apple Inc.", "ORG")]
    assert labels("Dell Inc. (DELL.O) rose") == [("Dell Inc.", "ORG"), ("DELL.O", "TICKER")]
    assert labels("Apple ($AAPL) fell") == [("Apple", "ORG"), ("AAPL", "TICKER")]


def test_a_link_the_model_tags_as_a_ticker_is_no_entity(table):
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "TICKER", "pattern": [{"TEXT": {"REGEX": "^(https?:|www[.])"}}]},
                                               {"label": "TICKER", "pattern": "AMD"}])
    nlp.add_pipe("custom_ner_ticker_linker").initialize(table=table)
    doc = nlp("AMD up 3% https://t.co/xvJ0crnQpx www.example.com")
    assert [(e.text, e.label_) for e in doc.ents] == [("AMD", "TICKER")]


def test_linker_without_add_matches_only_links(table):
    nlp = spacy.blank("en")
    nlp.add_pipe("custom_ner_ticker_linker", config={"add_matches": False}).initialize(table=table)
    assert nlp("Buy $AAPL").ents == ()


def test_ticker_guard_makes_unlisted_model_tickers_org_and_keeps_listed_and_pattern_ones(table):
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "TICKER", "pattern": w} for w in ("SLORC", "AMD", "QQQX")])
    nlp.add_pipe("custom_ner_ticker_linker", config={"unlisted_label": "ORG"}).initialize(table=table)
    doc = nlp("SLORC said AMD rose and $QQQX fell")
    assert [(e.text, e.label_, e.kb_id_) for e in doc.ents] == [
        ("SLORC", "ORG", ""),  # model-made, not in the table: an abbreviation, not a symbol
        ("AMD", "TICKER", "NASDAQ:AMD"),  # listed: kept
        ("QQQX", "TICKER", "QQQX"),  # unlisted but a cashtag pattern confirms it
    ]
    unguarded = spacy.blank("en")
    unguarded.add_pipe("entity_ruler").add_patterns([{"label": "TICKER", "pattern": "SLORC"}])
    unguarded.add_pipe("custom_ner_ticker_linker").initialize(table=table)
    assert [e.label_ for e in unguarded("SLORC said").ents] == ["TICKER"]  # off by default


def test_company_guard_makes_a_listed_company_tagged_person_org_in_market_text_only(table):
    from custom_ner.ticker.linker import SymbolTable, company_short_name

    assert company_short_name("Coinbase Global, Inc.") == "Coinbase"
    assert company_short_name("Papa John's International, Inc.") == "Papa John's"
    companies = SymbolTable({**table.entries, "COIN": ("NASDAQ", "Coinbase Global, Inc.")})
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": w} for w in ("Coinbase", "Tim Cook")]
                                              + [{"label": "PERSON", "pattern": [{"TEXT": "Jim"}, {"TEXT": "Coinbase"}]}])
    nlp.add_pipe("custom_ner_ticker_linker", config={"company_label": "ORG"}).initialize(table=companies)
    labels = lambda text: [(e.text, e.label_) for e in nlp(text).ents]  # noqa: E731
    assert labels("Coinbase shares fell after Tim Cook spoke") == [("Coinbase", "ORG"), ("Tim Cook", "PERSON")]
    assert labels("Coinbase won the match") == [("Coinbase", "PERSON")]  # no market words: left alone
    # a person the text names in full keeps the surname mention
    assert labels("Jim Coinbase bought shares; Coinbase said") == [("Jim Coinbase", "PERSON"), ("Coinbase", "PERSON")]
    off = spacy.blank("en")
    off.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "Coinbase"}])
    off.add_pipe("custom_ner_ticker_linker").initialize(table=companies)
    assert [e.label_ for e in off("Coinbase shares fell").ents] == ["PERSON"]  # off by default


def test_linker_table_is_saved_with_the_pipeline(linker_nlp, tmp_path):
    linker_nlp.to_disk(tmp_path / "model")
    assert (tmp_path / "model" / "custom_ner_ticker_linker" / "symbols.json").exists()
    loaded = spacy.load(tmp_path / "model")
    assert len(loaded.get_pipe("custom_ner_ticker_linker").table) == len(linker_nlp.get_pipe("custom_ner_ticker_linker").table)
    assert [e.kb_id_ for e in loaded("NYSE: IBM").ents] == ["NYSE:IBM"]
    assert loaded.get_pipe("custom_ner_ticker_linker").to_bytes() == linker_nlp.get_pipe("custom_ner_ticker_linker").to_bytes()


def test_silver_missing_mode_leaves_other_tokens_unannotated(table):
    nlp = spacy.blank("en")
    doc, counts = next(make_silver(nlp, ["Acme says $AAPL rose"], TickerAnnotator(table), "missing"))
    assert [(t.text, t.ent_iob_) for t in doc] == [("Acme", ""), ("says", ""), ("$", ""), ("AAPL", "B"), ("rose", "")]
    assert counts == {"tickers": 1, "unaligned": 0}


def test_silver_rehearsal_mode_keeps_predictions_but_not_unconfirmed_tickers(table):
    nlp = spacy.blank("en")
    predicted = nlp.make_doc("Acme says $AAPL and XYZ rose")
    predicted.ents = [Span(predicted, 0, 1, "ORG"), Span(predicted, 3, 4, "ORG"), Span(predicted, 5, 6, "TICKER")]
    doc = nlp.make_doc(predicted.text)
    tickers, _ = TickerAnnotator(table).spans(doc)
    silver_doc(doc, tickers, "rehearsal", predicted)
    assert [(t.text, t.ent_iob_, t.ent_type_) for t in doc] == [
        ("Acme", "B", "ORG"), ("says", "O", ""), ("$", "O", ""), ("AAPL", "B", "TICKER"),
        ("and", "O", ""), ("XYZ", "", ""), ("rose", "O", ""),
    ]


def test_silver_rehearsal_keeps_the_part_of_a_prediction_outside_a_rule_match(table):
    nlp = spacy.blank("en")
    predicted = nlp.make_doc("AAPL Apple Inc. Volume")
    predicted.ents = [Span(predicted, 0, 3, "ORG")]  # the symbol and the name read as one ORG
    doc = nlp.make_doc(predicted.text)
    tickers, _ = TickerAnnotator(table).spans(doc)
    silver_doc(doc, tickers, "rehearsal", predicted)
    assert [(e.text, e.label_) for e in doc.ents] == [("AAPL", "TICKER"), ("Apple Inc.", "ORG")]


def test_silver_rehearsal_needs_a_prediction(table):
    doc = spacy.blank("en").make_doc("Buy $AAPL")
    with pytest.raises(ValueError, match="rehearsal mode needs"):
        silver_doc(doc, [], "rehearsal")
    with pytest.raises(ValueError, match="unknown silver mode"):
        silver_doc(doc, [], "bogus")


def test_silver_leaves_out_the_texts_of_every_gold_file_of_an_excluded_directory(tmp_path):
    import srsly

    from custom_ner.ticker.silver import SilverOptions, build_silver

    texts = [f"Shares of $AAPL rose {i} percent in Berlin" for i in range(6)]
    srsly.write_jsonl(tmp_path / "pool.jsonl", [{"text": t} for t in texts])
    gold = tmp_path / "ner_gold"
    gold.mkdir()
    srsly.write_jsonl(gold / "dev.jsonl", [{"text": texts[0]}])
    srsly.write_jsonl(gold / "fin_dev.jsonl", [{"text": texts[1]}, {"text": texts[2]}])  # a new batch: left out too
    (gold / "GUIDELINES.md").write_text("not a gold file", encoding="utf8")
    table = tmp_path / "symbols.json"
    srsly.write_json(table, {"AAPL": ["NASDAQ", "Apple Inc."]})
    stats = build_silver([tmp_path / "pool.jsonl"], tmp_path / "silver.spacy", table,
                         SilverOptions(mode="missing", limit=0, exclude=(gold,)))
    assert stats["excluded_gold"] == 3 and stats["docs"] == 3
