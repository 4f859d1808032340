"""MLflow tracking (custom_ner/training/mlflow_logger.py, custom_ner/tracking/): curves
with their steps, the report's figures, tags and artifacts on one run, the pipeline as
a pyfunc model giving the wheel's entities, the champion gate, and an unreachable store
that warns and changes nothing else."""
import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import spacy
import srsly

from conftest import ROOT

mlflow = pytest.importorskip("mlflow")

from custom_ner.tracking.figures import report_metrics  # noqa: E402
from custom_ner.tracking.ner_model import ENTITY_FIELDS, entities, input_texts  # noqa: E402
from custom_ner.tracking.registry import ALIAS, GATE, MODEL_NAME, gate, versions  # noqa: E402
from custom_ner.tracking.run import TrackInputs, track  # noqa: E402
from custom_ner.training.mlflow_logger import RUN_FILE_ENV, URI_ENV, Tracking, connect, mlflow_logger  # noqa: E402

DEAD_SERVER = "http://127.0.0.1:9"  # the discard port: nothing listens
TEXTS = ["Apple ($AAPL) hired Tim Cook in London.", "Maria Lopez left IBM for Google in Paris.", "Nothing here."]


def report_with(conll_f: float, gold_f: float) -> dict:
    per_label = {"ORG": {"p": 0.8, "r": 0.7, "f": 0.75, "support": 3}}
    return {
        "accuracy": {
            "conll2003-test": {"wheel": {"spacy": {"p": 0.9, "r": 0.8, "f": conll_f, "per_label": per_label}}},
            "ner_gold-dev": {"wheel": {"spacy": {"p": 0.9, "r": 0.8, "f": gold_f, "per_label": per_label}},
                             "en_core_web_sm": {"spacy": {"p": 0.5, "r": 0.4, "f": 0.45, "per_label": {}}}},
        },
        "external": {"sets": {"tweebank-test": {"docs": 3, "models": {"wheel": {"spacy": {"f": 0.5, "p": 0.5, "r": 0.5}}}}}},
        "seeds": {"spread": {"conll2003-test": {"all": {"f": {"mean": 0.87, "sd": 0.002}}, "ORG": {"f": {"mean": 0.84, "sd": 0.01}}}}},
        "ratios": {"models": {"wheel": {"words_per_second_n1": 14000.0, "load_seconds": 1.2}}},
        "calibration": {"conll2003-test": {"wheel": {"calibrated": {"ece": 0.02, "bins": []}, "raw": {"ece": 0.05}}}},
    }


def test_report_figures_become_metrics_per_set_model_and_label():
    metrics = report_metrics(report_with(0.87, 0.9))
    assert metrics["accuracy/conll2003-test/wheel/f"] == 0.87
    assert metrics["accuracy/ner_gold-dev/wheel/ORG/r"] == 0.7
    assert metrics["external/tweebank-test/wheel/f"] == 0.5
    assert metrics["seeds/conll2003-test/f_mean"] == 0.87 and metrics["seeds/conll2003-test/ORG/f_sd"] == 0.01
    assert metrics["speed/wheel/words_per_second_n1"] == 14000.0
    assert metrics["calibration/conll2003-test/wheel/calibrated_ece"] == 0.02
    assert not any("support" in name for name in metrics)


def test_the_gate_promotes_a_first_version_and_one_not_worse_on_every_gate_figure():
    new = {GATE[0]: 0.87, GATE[1]: 0.90}
    assert gate(new, None) == (True, "no champion yet")
    assert gate(new, dict(new))[0]  # the same figures: not worse
    ok, why = gate({GATE[0]: 0.88, GATE[1]: 0.89}, new)
    assert not ok and GATE[1] in why
    assert not gate({GATE[0]: 0.9}, None)[0]  # a gate figure missing: never promoted


def test_entities_of_texts_from_a_list_a_column_or_a_dict(nlp_en):
    import pandas as pd

    assert input_texts(["a", "b"]) == input_texts(pd.DataFrame({"text": ["a", "b"]})) == ["a", "b"]
    assert input_texts(pd.DataFrame({"other": ["c"]})) == input_texts({"text": ["c"]}) == ["c"]
    with pytest.raises(ValueError, match="row 1"):
        input_texts(["a", 3])
    doc = nlp_en("Apple rose.")
    doc.ents = [doc.char_span(0, 5, "ORG")]
    assert entities(doc) == [{"text": "Apple", "label": "ORG", "start": 0, "end": 5, "kb_id": "", "confidence": None}]
    assert list(entities(doc)[0]) == [name for name, _ in ENTITY_FIELDS]  # the output schema names every key


def fake_info(step: int, score: float) -> dict:
    return {"epoch": 0, "step": step, "score": score, "losses": {"ner": 10.0 / (step + 1)}, "words": 100 * step,
            "other_scores": {"ents_f": score, "ents_per_type": {"ORG": {"f": score}}}, "checkpoints": [],
            "seconds": step, "output_path": None}


def test_the_logger_tracks_the_config_and_the_curves_with_their_steps(tmp_path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv(URI_ENV, uri)
    monkeypatch.setenv(RUN_FILE_ENV, str(tmp_path / "cpu" / "mlflow_run.json"))
    nlp = spacy.blank("en")
    inner_calls = []
    inner = lambda nlp, stdout, stderr: (inner_calls.append, lambda: inner_calls.append("done"))  # noqa: E731
    log_step, finalize = mlflow_logger(inner)(nlp, sys.stdout, sys.stderr)
    for step, score in ((0, 0.1), (200, 0.6), (400, 0.8)):
        log_step(fake_info(step, score))
        log_step(None)  # a step without evaluation
    finalize()
    assert inner_calls[-1] == "done" and len(inner_calls) == 7  # the wrapped logger saw everything
    saved = srsly.read_json(tmp_path / "cpu" / "mlflow_run.json")
    client = connect(Tracking(uri=uri))
    run = client.get_run(saved["run_id"])
    assert run.info.run_name == "cpu" and run.info.status == "FINISHED"
    assert run.data.params["nlp.lang"] == "en"
    history = client.get_metric_history(saved["run_id"], "ents_per_type.ORG.f")
    assert [(m.step, m.value) for m in history] == [(0, 0.1), (200, 0.6), (400, 0.8)]
    assert {"score", "loss_ner", "words", "ents_f"} <= set(run.data.metrics)


def test_an_unreachable_store_warns_and_the_logger_only_passes_through(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(URI_ENV, DEAD_SERVER)
    monkeypatch.setenv(RUN_FILE_ENV, str(tmp_path / "mlflow_run.json"))
    seen = []
    start = time.time()
    log_step, finalize = mlflow_logger(lambda nlp, o, e: (seen.append, lambda: None))(spacy.blank("en"), sys.stdout, sys.stderr)
    log_step(fake_info(0, 0.5))
    finalize()
    assert seen and not (tmp_path / "mlflow_run.json").exists()
    assert "cannot be reached" in capsys.readouterr().out
    assert time.time() - start < 60  # no minutes of HTTP retries


def test_without_a_store_nothing_is_tracked(tmp_path, monkeypatch):
    monkeypatch.delenv(URI_ENV, raising=False)
    monkeypatch.setenv(RUN_FILE_ENV, str(tmp_path / "mlflow_run.json"))
    inner = lambda nlp, o, e: (print, lambda: None)  # noqa: E731
    assert mlflow_logger(inner)(spacy.blank("en"), sys.stdout, sys.stderr)[0] is print
    assert not (tmp_path / "mlflow_run.json").exists()


@pytest.fixture(scope="module")
def packaged(tiny_ner, tmp_path_factory):
    """tiny_ner as `spacy package` builds en_custom_ner: the package directory and its wheel."""
    out = tmp_path_factory.mktemp("packaged")
    meta = out / "meta.json"
    srsly.write_json(meta, {"description": "tracking test"})
    code = "custom_ner/ticker/linker.py,custom_ner/confidence/entity_confidence.py"
    (out / "packages").mkdir()
    subprocess.run([sys.executable, "scripts/package.py", tiny_ner, str(out / "packages"), "--name", "tracked",
                    "--version", "0.0.1", "--meta-path", str(meta), "--code", code], cwd=ROOT, check=True,
                   capture_output=True)
    root = out / "packages" / "en_tracked-0.0.1"
    return root, next((root / "dist").glob("*.whl"))


def tracked_project(tmp_path: Path, packaged, conll_f: float, gold_f: float, run_file=None) -> TrackInputs:
    """What `track` reads after a run whose report has these gate figures, the wheel of ``packaged``."""
    root, wheel = packaged
    metrics = tmp_path / "metrics"
    (metrics / "plots").mkdir(parents=True)
    srsly.write_json(metrics / "report.json", report_with(conll_f, gold_f))
    (metrics / "report.md").write_text("# report\n", encoding="utf8")
    (metrics / "plots" / "f1.png").write_bytes(b"png")
    return TrackInputs(report=metrics / "report.json", metrics_dir=metrics, wheel=wheel, package_root=root,
                       project_dir=ROOT, run_file=run_file)


def test_track_logs_figures_tags_artifacts_and_a_model_that_gives_the_wheels_entities(packaged, tmp_path):
    root, wheel = packaged
    inputs = tracked_project(tmp_path, packaged, 0.87, 0.90)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = track(inputs, Tracking(uri=uri))
    assert result["tracked"] and result["decision"].promoted and result["decision"].version == "1"
    client = connect(Tracking(uri=uri))
    run = client.get_run(result["run_id"])
    assert run.data.metrics["accuracy/conll2003-test/wheel/f"] == 0.87 and len(run.data.metrics) == result["metrics"]
    assert run.data.tags["data.conll2003/train.iob"] == "11a942ce9db6cc64270372825e964d26"
    assert len(run.data.tags["git.commit"]) == 40
    listed = {a.path for a in client.list_artifacts(result["run_id"], "report")}
    assert {"report/report.md", "report/report.json"} <= listed
    assert [a.path for a in client.list_artifacts(result["run_id"], "wheel")] == [f"wheel/{wheel.name}"]
    assert (tmp_path / "mlruns").is_dir()  # artifacts beside the SQLite store, not in the working directory

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{ALIAS}")
    sys.path.insert(0, str(root))
    try:
        nlp = __import__("en_tracked").load()
    finally:
        sys.path.remove(str(root))
    expected = [entities(doc) for doc in nlp.pipe(TEXTS)]
    import pandas as pd

    assert model.predict(TEXTS) == expected == model.predict(pd.DataFrame({"text": TEXTS}))
    assert any(e["kb_id"] == "NASDAQ:AAPL" and e["confidence"] is not None for e in expected[0])
    reqs = (Path(mlflow.artifacts.download_artifacts(f"models:/{MODEL_NAME}@{ALIAS}")) / "requirements.txt").read_text()
    assert "spacy<3.9.0,>=3.8" in reqs and f"mlflow=={mlflow.__version__}" in reqs  # the wheel's, pinned


def test_the_champion_moves_only_to_a_version_not_worse_unless_forced(packaged, tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    decisions = []
    for i, (conll, gold, promote) in enumerate([(0.87, 0.90, "gate"), (0.88, 0.89, "gate"), (0.87, 0.90, "gate"),
                                                (0.80, 0.80, "never"), (0.80, 0.80, "force")]):
        inputs = tracked_project(tmp_path / str(i), packaged, conll, gold)
        decisions.append(track(inputs, Tracking(uri=uri), promote)["decision"])
    assert [(d.version, d.promoted) for d in decisions] == [("1", True), ("2", False), ("3", True), ("4", False),
                                                            ("5", True)]
    assert "worse than the champion" in decisions[1].reason and "forced" in decisions[4].reason
    found = versions(connect(Tracking(uri=uri)))
    assert [v["version"] for v in found] == [1, 2, 3, 4, 5] and found[-1]["aliases"] == [ALIAS]


def test_track_with_an_unreachable_store_warns_and_exits_zero(packaged, tmp_path):
    inputs = tracked_project(tmp_path, packaged, 0.87, 0.90)
    out = subprocess.run([sys.executable, "scripts/track.py", str(inputs.report), str(inputs.package_root), str(inputs.wheel),
                          "--mlflow-uri", DEAD_SERVER], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "cannot be reached" in out.stdout


def test_a_store_that_stops_answering_part_way_is_a_warning(packaged, tmp_path, monkeypatch, capsys):
    from mlflow.exceptions import MlflowException

    import custom_ner.tracking.run as run_module

    def gone(*args, **kwargs):
        raise MlflowException("connection reset")

    monkeypatch.setattr(run_module, "log_batch", gone)
    result = track(tracked_project(tmp_path, packaged, 0.87, 0.90), Tracking(uri=f"sqlite:///{tmp_path / 'mlflow.db'}"))
    assert not result["tracked"] and "connection reset" in result["error"]
    assert "stopped part-way" in capsys.readouterr().out


@pytest.mark.slow
def test_mlflow_models_serve_answers_with_the_wheels_entities(packaged, tmp_path, monkeypatch):
    from custom_ner.apps.load_benchmark import start_mlflow_server
    from custom_ner.apps.servers import stop_server

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    track(tracked_project(tmp_path, packaged, 0.87, 0.90), Tracking(uri=uri))
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    server, url = start_mlflow_server(f"models:/{MODEL_NAME}@{ALIAS}")  # the load test's own way to start it
    try:
        def invoke(body: dict) -> list:
            request = urllib.request.Request(f"{url}/invocations", json.dumps(body).encode(),
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())["predictions"]

        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        expected = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{ALIAS}").predict(TEXTS)
        assert invoke({"inputs": TEXTS}) == expected
        assert invoke({"dataframe_split": {"columns": ["text"], "data": [[t] for t in TEXTS]}}) == expected
    finally:
        stop_server(server)


@pytest.mark.slow
def test_spark_udf_scores_a_text_column_as_annotate_does_with_spark(packaged, tmp_path):
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (17): apt-get install openjdk-17-jre-headless")
    from custom_ner.apps.annotate import AnnotateOptions, annotate_file
    from custom_ner.apps.spark import spark_session

    root, _ = packaged
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    track(tracked_project(tmp_path, packaged, 0.87, 0.90), Tracking(uri=uri))
    texts = TEXTS * 4  # some partitions hold only texts without entities
    srsly.write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in texts])
    pipeline = next(p for p in (root / "en_tracked").iterdir() if p.is_dir() and (p / "config.cfg").exists())
    annotate_file(tmp_path / "in.jsonl", tmp_path / "spark.jsonl",
                  AnnotateOptions(model=str(pipeline), engine="spark", master="local[2]", partitions=2))
    expected = [[(s["start"], s["end"], s["label"], s.get("kb_id", ""), s.get("score")) for s in r["spans"]]
                for r in srsly.read_jsonl(tmp_path / "spark.jsonl")]

    spark = spark_session("local[2]")
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    udf = mlflow.pyfunc.spark_udf(spark, f"models:/{MODEL_NAME}@{ALIAS}", result_type="string",
                                  env_manager="local", params={"output": "json"})
    frame = spark.createDataFrame([(t,) for t in texts], ["text"]).repartition(2)
    rows = frame.withColumn("entities", udf("text")).collect()
    by_text = {r["text"]: json.loads(r["entities"]) for r in rows}
    got = [[(e["start"], e["end"], e["label"], e["kb_id"], None if e["confidence"] is None else round(e["confidence"], 4))
            for e in by_text[t]] for t in texts]
    assert len(rows) == len(texts) and got == expected


def test_tracking_a_run_again_starts_a_run_nested_under_the_training_run(packaged, tmp_path, monkeypatch):
    """Training cached, report changed: the second `track` may not log a second model into the training run."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv(URI_ENV, uri)
    monkeypatch.setenv(RUN_FILE_ENV, str(tmp_path / "cpu" / "mlflow_run.json"))
    log_step, finalize = mlflow_logger(lambda nlp, o, e: (lambda info: None, lambda: None))(spacy.blank("en"), sys.stdout, sys.stderr)
    log_step(fake_info(0, 0.5))
    finalize()
    training = srsly.read_json(tmp_path / "cpu" / "mlflow_run.json")["run_id"]
    runs = []
    for i in range(2):
        inputs = tracked_project(tmp_path / str(i), packaged, 0.87, 0.90, run_file=tmp_path / "cpu" / "mlflow_run.json")
        runs.append(track(inputs, Tracking(uri=uri))["run_id"])
    assert runs[0] == training and runs[1] != training
    assert connect(Tracking(uri=uri)).get_run(runs[1]).data.tags["mlflow.parentRunId"] == training
