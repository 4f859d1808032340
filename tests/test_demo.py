"""Streamlit demo: helpers, the app under streamlit.testing's AppTest, and a real
browser screenshot of the running app (headless Chromium)."""
import errno
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spacy
import srsly

from custom_ner.loading import load_pipeline, model_labels
from custom_ner import browser
from custom_ner.browser import find_browser, stop_process_group
from custom_ner.apps.demo import BASE_ENV, CUSTOM_ENV, entity_rows, manual_doc, ticker_url

from conftest import ROOT, TINY_TEXTS

APP = ROOT / "custom_ner" / "apps" / "streamlit_app.py"


def test_ticker_links_go_to_the_quote_page_of_the_symbol():
    assert ticker_url("NASDAQ:AAPL") == "https://finance.yahoo.com/quote/AAPL"
    assert ticker_url("LSE:BT") == ticker_url("LSE:BT.L") == "https://finance.yahoo.com/quote/BT.L"
    assert ticker_url("DOGE") == "https://finance.yahoo.com/quote/DOGE"


def test_manual_doc_and_table_carry_kb_id_and_link(tiny_models):
    doc = load_pipeline(tiny_models["custom"])(TINY_TEXTS[0])
    ents = manual_doc(doc)["ents"]
    assert {"start": 15, "end": 19, "label": "TICKER", "kb_id": "NASDAQ:AAPL",
            "kb_url": "https://finance.yahoo.com/quote/AAPL"} in ents
    rows = entity_rows(doc)
    assert [r["label"] for r in rows] == ["ORG", "TICKER", "PERSON", "LOC"]
    assert [r["link"] for r in rows] == ["", "https://finance.yahoo.com/quote/AAPL", "", ""]


def test_model_labels_are_entity_labels_only(tiny_models):
    assert model_labels(load_pipeline(tiny_models["custom"])) == ["LOC", "ORG", "PERSON", "TICKER"]
    nlp = spacy.blank("en")
    nlp.add_pipe("tagger").add_label("NN")
    nlp.add_pipe("ner").add_label("GPE")
    assert model_labels(nlp) == ["GPE"]


@pytest.fixture
def app(tiny_models, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(BASE_ENV, tiny_models["base"])
    monkeypatch.setenv(CUSTOM_ENV, tiny_models["custom"])
    return AppTest.from_file(str(APP), default_timeout=120).run()


def test_app_renders_base_and_custom_side_by_side_with_ticker_links(app):
    assert not app.exception
    assert [h.value for h in app.header] == ["Base: en_base_tiny 0.0.1", "Custom: en_custom_ner_tiny 0.0.1"]
    html = "\n".join(m.value for m in app.markdown)
    assert 'href="https://finance.yahoo.com/quote/AAPL">NASDAQ:AAPL</a>' in html
    assert "GPE" in html and "TICKER" in html  # base labels (OntoNotes) and ours
    assert len(app.dataframe) == 2
    table = app.dataframe[1].value
    assert table[table.label == "TICKER"]["kb_id"].tolist() == ["NASDAQ:AAPL", "NASDAQ:TSLA", "LSE:BP"]


def test_app_annotates_new_text_from_the_text_box(app):
    app.text_area[0].input("Nothing here but $AMD in London.").run()
    assert not app.exception
    custom = app.dataframe[-1].value
    assert custom[["text", "label", "kb_id"]].values.tolist() == [["AMD", "TICKER", "NASDAQ:AMD"], ["London", "LOC", ""]]
    assert [s.value for s in app.subheader] == ["0 entities", "2 entities"]
    assert "No entities found." in [m.value for m in app.markdown]


def test_app_shows_a_model_that_cannot_load_as_an_error(tiny_models, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(BASE_ENV, "no_such_model")
    monkeypatch.setenv(CUSTOM_ENV, tiny_models["custom"])
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception
    assert "Could not load no_such_model" in app.error[0].value
    assert len(app.dataframe) == 1  # the other column still works


@pytest.mark.skipif(find_browser() is None, reason="Chromium not installed (apt-get install chromium)")
def test_running_demo_renders_entities_in_headless_chromium(tiny_models, tmp_path):
    result = subprocess.run([sys.executable, "scripts/screenshot_demo.py", str(tmp_path), "--base", tiny_models["base"],
                             "--custom", tiny_models["custom"]], capture_output=True, text=True, cwd=ROOT, timeout=400)
    assert result.returncode == 0, result.stdout + result.stderr
    pixels = srsly.read_json(tmp_path / "demo.json")["label_pixels"]
    assert all(pixels[label] > 100 for label in ("PERSON", "ORG", "LOC", "TICKER"))
    assert (tmp_path / "demo.png").stat().st_size > 10_000


def failing_rmtree(monkeypatch, failures: int) -> None:
    """shutil.rmtree as Chromium's late helpers make it: 'Directory not empty' ``failures`` times."""
    real = shutil.rmtree
    left = [failures]

    def rmtree(path, *args, **kwargs):
        if left[0] > 0:
            left[0] -= 1
            raise OSError(errno.ENOTEMPTY, "Directory not empty", "Default")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(browser.shutil, "rmtree", rmtree)


def test_browser_profile_removal_retries_while_helpers_still_write_into_it(monkeypatch):
    # CI once failed with 'Directory not empty: Default' after the screenshot was taken
    failing_rmtree(monkeypatch, failures=3)
    with browser.browser_profile() as name:
        (Path(name) / "Default").mkdir()
    assert not Path(name).exists()


def test_a_profile_that_will_not_go_is_left_behind_without_failing_the_screenshot(monkeypatch):
    failing_rmtree(monkeypatch, failures=10**6)
    with browser.browser_profile(settle_s=0.5) as name:
        pass
    assert Path(name).is_dir()
    monkeypatch.undo()
    shutil.rmtree(name)


def test_stopping_a_process_group_stops_the_children_too():
    proc = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                             "print(subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']).pid, flush=True); "
                             "time.sleep(60)"], stdout=subprocess.PIPE, text=True, start_new_session=True)
    child = int(proc.stdout.readline())
    stop_process_group(proc, timeout=10)
    assert proc.returncode is not None
    deadline = time.time() + 10
    while running(child):
        assert time.time() < deadline, "the child outlived its group"
        time.sleep(0.1)


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"  # a zombie has already stopped
    except FileNotFoundError:
        return False


def test_the_demo_hides_exactly_the_entities_annotate_leaves_out():
    from spacy.tokens import Span

    from custom_ner.apps.engines import Result, doc_spans, keep_confident, keep_confident_ents

    if not Span.has_extension("confidence"):
        Span.set_extension("confidence", default=None)
    doc = spacy.blank("en")("Apple hired Tim Cook in Cupertino")
    doc.ents = [Span(doc, 0, 1, "ORG"), Span(doc, 2, 4, "PERSON"), Span(doc, 5, 6, "LOC")]
    for ent, score in zip(doc.ents, (0.9, 0.3, None)):  # no score: kept, as annotate keeps it
        ent._.confidence = score
    kept = keep_confident([Result(len(doc), doc_spans(doc))], 0.5)[0].spans
    keep_confident_ents(doc, 0.5)
    assert [e.text for e in doc.ents] == [s["text"] for s in kept] == ["Apple", "Cupertino"]
