"""Per-entity confidences: the calibration maths, the component, thresholds in the
annotator and the REST service, the review queue and the corrections round trip."""
import json
import subprocess
import sys

import pandas as pd
import pytest
import spacy
import srsly
from fastapi.testclient import TestClient

from custom_ner.apps.annotate import AnnotateOptions, annotate_file
from custom_ner.apps.service import Limits, create_app
from custom_ner.confidence.calibration import (Scored, calibration_summary, fit_maps, isotonic, reliability,
                                               threshold_curves)
from custom_ner.confidence.entity_confidence import FACTORY, apply_map, biluo_tags
from custom_ner.confidence.review import read_predictions, review_queue, write_tasks
from custom_ner.formats.convert import convert_file
from custom_ner.data.docs import read_docbin
from custom_ner.data.errors import ConversionError
from custom_ner.loading import load_pipeline

from conftest import NER_TRAIN, ROOT, wait_ready

TEXTS = [t for t, _ in NER_TRAIN] + ["Nothing here at all.", "Rita Moreno visited Lisbon and met Acme staff."]


# --- calibration maths ---------------------------------------------------------------
def test_ece_is_zero_when_each_bin_is_as_right_as_its_score():
    scores = [0.85] * 10 + [0.35] * 20
    correct = [True] * 8 + [False] * 2 + [True] * 6 + [False] * 14  # 0.8 of the 0.85s, 0.3 of the 0.35s
    result = reliability(scores, correct)
    assert result["ece"] == pytest.approx(10 / 30 * 0.05 + 20 / 30 * 0.05)
    assert reliability([0.8] * 10, [True] * 8 + [False] * 2)["ece"] == pytest.approx(0.0)


def test_ece_of_an_overconfident_model_is_its_gap():
    result = reliability([0.95] * 10, [True, False] * 5)
    assert result["ece"] == pytest.approx(0.45)
    assert [b["n"] for b in result["bins"]] == [0] * 9 + [10]


def test_a_score_of_one_falls_in_the_last_bin_and_zero_in_the_first():
    bins = reliability([0.0, 1.0, 0.1, 0.999], [False, True, False, True])["bins"]
    assert [b["n"] for b in bins] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]


def test_isotonic_map_is_monotone_and_pools_violators():
    curve = isotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [0, 1, 0, 1, 1, 1])
    assert curve["y"] == sorted(curve["y"])
    assert apply_map(curve, 0.2) == pytest.approx(0.5) and apply_map(curve, 0.3) == pytest.approx(0.5)
    assert apply_map(curve, 0.05) == 0.0 and apply_map(curve, 0.9) == 1.0


def test_labels_with_few_fitted_entities_use_the_pooled_map():
    entities = [Scored("ORG", 0.0, x / 100, x % 3 != 0) for x in range(100)] + [Scored("MISC", 0.0, 0.5, True)] * 5
    maps = fit_maps(entities, min_count=50)
    assert set(maps["labels"]) == {"ORG"} and maps["pooled"] and maps["fitted_on"] == {"MISC": 5, "ORG": 100}


def test_precision_and_recall_by_threshold_count_what_is_kept():
    entities = [Scored("ORG", 0.9, 0.9, True), Scored("ORG", 0.6, 0.6, False), Scored("LOC", 0.3, 0.3, True)]
    curves = threshold_curves(entities, {"ORG": 2, "LOC": 1}, thresholds=[0.0, 0.5, 0.95])
    assert curves["ORG"]["precision"] == [0.5, 0.5, None] and curves["ORG"]["recall"] == [0.5, 0.5, 0.0]
    assert curves["ALL"]["precision"] == [pytest.approx(2 / 3), 0.5, None]
    assert curves["LOC"]["recall"] == [1.0, 0.0, 0.0]
    summary = calibration_summary(entities, {"ORG": 2, "LOC": 1})
    assert summary["calibrated"]["n"] == 3 and set(summary["per_label_ece"]) == {"ORG", "LOC"}


# --- the component ---------------------------------------------------------------------
def test_biluo_tags_of_entities():
    nlp = spacy.blank("en")
    doc = nlp("Maria Lopez met IBM staff")
    doc.ents = [doc.char_span(0, 11, label="PERSON"), doc.char_span(16, 19, label="ORG")]
    assert biluo_tags(doc, ["PERSON", "ORG"]) == ["B-PERSON", "L-PERSON", "O", "U-ORG", "O"]
    assert biluo_tags(doc, ["PERSON"]) == ["B-PERSON", "L-PERSON", "O", "O", "O"]


def test_every_entity_gets_a_score_in_range_and_the_entities_do_not_change(tiny_ner):
    nlp = load_pipeline(tiny_ner)
    with_scores = list(nlp.pipe(TEXTS))
    with nlp.select_pipes(disable=[FACTORY]):
        without = list(nlp.pipe(TEXTS))
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in with_scores] == \
           [[(e.start, e.end, e.label_) for e in d.ents] for d in without]
    ents = [e for d in with_scores for e in d.ents]
    assert ents and all(0.0 <= e._.confidence <= 1.0 for e in ents)
    assert all(0.0 < e._.confidence_raw <= 1.0 for e in ents if e._.ticker_rule is None)


def test_a_ticker_found_by_a_pattern_gets_that_patterns_precision(tiny_ner):
    doc = load_pipeline(tiny_ner)("Apple ($AAPL) fell while Tim Cook spoke.")
    (ticker,) = [e for e in doc.ents if e.label_ == "TICKER"]
    assert ticker._.ticker_rule == "cashtag" and ticker._.confidence == 0.97 and ticker._.confidence_raw is not None


def test_the_threshold_in_the_config_drops_entities_scored_below_it(tiny_ner):
    nlp = spacy.load(tiny_ner, config={"components": {FACTORY: {"threshold": 0.97}}})
    kept = [e for d in nlp.pipe(TEXTS) for e in d.ents]
    assert all(e._.confidence >= 0.97 for e in kept)
    assert len(kept) < sum(len(d.ents) for d in load_pipeline(tiny_ner).pipe(TEXTS))


def test_the_calibration_is_saved_with_the_pipeline(tiny_ner, tmp_path):
    nlp = load_pipeline(tiny_ner)
    nlp.get_pipe(FACTORY).set_calibration({"pooled": {"x": [0.0, 1.0], "y": [0.25, 0.25]}})
    nlp.to_disk(tmp_path / "m")
    doc = load_pipeline(tmp_path / "m")("Maria Lopez left IBM for Google in Paris.")
    assert doc.ents and {e._.confidence for e in doc.ents if e._.ticker_rule is None} == {0.25}


def test_seen_and_unseen_names_use_their_own_maps(tiny_ner):
    nlp = load_pipeline(tiny_ner)
    component = nlp.get_pipe(FACTORY)
    component.set_calibration({"seen": {"PERSON": ["maria lopez"]},
                               "labels": {"PERSON|seen": {"x": [0.0, 1.0], "y": [0.9, 0.9]},
                                          "PERSON|unseen": {"x": [0.0, 1.0], "y": [0.3, 0.3]},
                                          "ORG": {"x": [0.0, 1.0], "y": [0.6, 0.6]}},
                               "pooled": {"x": [0.0, 1.0], "y": [0.1, 0.1]}})
    assert component.group("PERSON", "Maria LOPEZ") == "PERSON|seen" and component.group("ORG", "Maria Lopez") == "ORG|unseen"
    doc = nlp("Maria Lopez left IBM for Google in Paris.")
    scores = {(e.text, e.label_): e._.confidence for e in doc.ents}
    assert scores[("Maria Lopez", "PERSON")] == 0.9 and scores[("IBM", "ORG")] == 0.6 and scores[("Paris", "LOC")] == 0.1


def test_maps_are_fitted_per_group_and_label_with_enough_entities():
    entities = [Scored("ORG", 0.0, x / 100, x % 3 != 0, "ORG|seen" if x % 2 else "ORG|unseen") for x in range(150)]
    maps = fit_maps(entities, min_count=70)
    assert set(maps["labels"]) == {"ORG", "ORG|seen", "ORG|unseen"}
    assert set(fit_maps(entities, min_count=100)["labels"]) == {"ORG"}


def test_scores_survive_a_fresh_process_without_project_code(tiny_ner, tmp_path):
    """The component file alone (what the wheel ships) scores entities."""
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for rel in ("custom_ner/ticker/linker.py", "custom_ner/confidence/entity_confidence.py"):
        (shipped / rel.rsplit("/", 1)[1]).write_text((ROOT / rel).read_text())
    code = ("import json, sys, spacy, linker, entity_confidence; nlp = spacy.load(sys.argv[1]); "
            "doc = nlp('Maria Lopez left IBM for Google in Paris.'); "
            "print(json.dumps({'scores': [e._.confidence for e in doc.ents], 'project': 'custom_ner' in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code, tiny_ner], cwd=shipped, capture_output=True, text=True,
                         env={"PYTHONPATH": str(shipped), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["scores"] and all(0 <= s <= 1 for s in result["scores"]) and not result["project"]


# --- where users see the scores ---------------------------------------------------------
@pytest.fixture
def texts_file(write):
    return write("texts.jsonl", "".join(json.dumps({"text": t}) + "\n" for t in TEXTS))


def test_annotator_writes_scores_and_min_confidence_drops_entities(tiny_ner, texts_file, tmp_path):
    annotate_file(texts_file, tmp_path / "all.jsonl", AnnotateOptions(model=tiny_ner))
    spans = [s for r in srsly.read_jsonl(tmp_path / "all.jsonl") for s in r["spans"]]
    assert spans and all(0 <= s["score"] <= 1 for s in spans)
    cut = sorted(s["score"] for s in spans)[len(spans) // 2]
    summary = annotate_file(texts_file, tmp_path / "cut.jsonl", AnnotateOptions(model=tiny_ner, min_confidence=cut))
    kept = [s for r in srsly.read_jsonl(tmp_path / "cut.jsonl") for s in r["spans"]]
    assert kept == [s for s in spans if s["score"] >= cut] and summary.entities == len(kept) < len(spans)
    cli = subprocess.run([sys.executable, str(ROOT / "scripts" / "annotate.py"), str(texts_file), str(tmp_path / "cli.jsonl"),
                          "--model", tiny_ner, "--min-confidence", str(cut), "--no-progress"], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert [s for r in srsly.read_jsonl(tmp_path / "cli.jsonl") for s in r["spans"]] == kept
    annotate_file(texts_file, tmp_path / "all.csv", AnnotateOptions(model=tiny_ner))
    annotate_file(texts_file, tmp_path / "all.parquet", AnnotateOptions(model=tiny_ner))
    for frame in (pd.read_csv(tmp_path / "all.csv"), pd.read_parquet(tmp_path / "all.parquet")):
        assert list(frame.columns)[-1] == "score"
        assert frame["score"].tolist() == pytest.approx([s["score"] for s in spans])


def test_annotator_refuses_a_threshold_outside_0_to_1(tiny_ner, texts_file, tmp_path):
    with pytest.raises(ValueError, match="min-confidence"):
        annotate_file(texts_file, tmp_path / "x.jsonl", AnnotateOptions(model=tiny_ner, min_confidence=1.5))


def test_rest_service_returns_scores_and_honours_min_confidence(tiny_ner):
    with TestClient(create_app(tiny_ner, Limits())) as client:
        wait_ready(client)
        body = client.post("/ents", json={"texts": TEXTS}).json()
        ents = [e for r in body["results"] for e in r["ents"]]
        assert ents and all(0 <= e["score"] <= 1 for e in ents)
        cut = sorted(e["score"] for e in ents)[len(ents) // 2]
        kept = [e for r in client.post("/ents", json={"texts": TEXTS, "min_confidence": cut}).json()["results"]
                for e in r["ents"]]
        assert kept == [e for e in ents if e["score"] >= cut]
        bad = client.post("/ents", json={"texts": TEXTS, "min_confidence": 2})
        assert bad.status_code == 422 and "min_confidence" in json.dumps(bad.json())


# --- the review queue and the corrections ------------------------------------------------
def prediction(text, scores):
    spans = [{"start": 0, "end": 1, "label": "ORG", "text": text[0], "score": s} for s in scores]
    return {"text": text, "spans": spans}


def test_review_queue_puts_the_least_certain_texts_first(write, tmp_path):
    path = write("pred.jsonl", "".join(json.dumps(r) + "\n" for r in [
        prediction("A sure one", [0.99, 0.95]), prediction("B empty", []), prediction("C doubtful", [0.9, 0.2]),
        prediction("D doubtful too", [0.2, 0.3]), prediction("E middling", [0.6])]))
    tasks = review_queue(read_predictions(path), n=4)
    assert [t["text"][0] for t in tasks] == ["D", "C", "E", "A"]  # min score, then mean; empty texts last
    assert tasks[1]["meta"]["min_score"] == 0.2 and tasks[1]["_view_id"] == "ner_manual"
    assert tasks[1]["spans"][0]["token_start"] == 0 and tasks[1]["tokens"][0] == {"text": "C", "start": 0, "end": 1, "id": 0, "ws": True}
    assert [t["text"][0] for t in review_queue(read_predictions(path), n=10)][-1] == "B"


def test_review_queue_names_the_line_of_a_span_without_a_score(write):
    path = write("pred.jsonl", json.dumps(prediction("A fine", [0.5])) + "\n"
                 + json.dumps({"text": "B", "spans": [{"start": 0, "end": 1, "label": "ORG"}]}) + "\n")
    with pytest.raises(ConversionError, match=r"pred.jsonl:2: .*score"):
        read_predictions(path)


def test_corrected_tasks_round_trip_into_training_docs(tiny_ner, texts_file, tmp_path, label_map):
    annotate_file(texts_file, tmp_path / "pred.jsonl", AnnotateOptions(model=tiny_ner))
    tasks = review_queue(read_predictions(tmp_path / "pred.jsonl"), n=3)
    tasks[0]["spans"] = [{"start": 0, "end": len(tasks[0]["text"].split()[0]), "label": "PERSON"}]
    for task in tasks:
        task["answer"] = "accept"
    tasks[2]["answer"] = "reject"
    write_tasks(tmp_path / "corrected.jsonl", tasks)
    convert_file("corrections", tmp_path / "corrected.jsonl", tmp_path / "corrections.spacy", ROOT / "configs" / "labels.json")
    docs = read_docbin(tmp_path / "corrections.spacy", spacy.blank("en").vocab)
    assert [d.text for d in docs] == [t["text"] for t in tasks[:2]]
    assert [(e.start_char, e.end_char, e.label_) for e in docs[0].ents] == [(0, len(tasks[0]["text"].split()[0]), "PERSON")]
    assert [(e.start_char, e.end_char, e.label_) for e in docs[1].ents] == [(s["start"], s["end"], s["label"]) for s in tasks[1]["spans"]]


def test_no_corrections_write_an_empty_training_file(tmp_path):
    convert_file("corrections", "", tmp_path / "corrections.spacy", ROOT / "configs" / "labels.json",
                 stats=tmp_path / "stats.json")
    assert read_docbin(tmp_path / "corrections.spacy", spacy.blank("en").vocab) == []
