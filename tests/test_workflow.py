"""Smoke test: the whole `spacy project run all` workflow on the fixture datasets.

Runs check-assets -> convert -> vectors (GloVe) -> init-tok2vec -> symbols ->
ticker-rules -> train-cpu-base -> evaluate-cpu-base -> silver (rehearsal) -> silver-self ->
train-cpu (tiny step budgets) -> link -> evaluate-cpu -> compare-silver -> package, then installs the wheel into a temporary directory and loads it with
spacy.load("en_custom_ner") in a fresh interpreter, as a user would.
"""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
import spacy
import srsly
from spacy.tokens import DocBin

from conftest import make_fixture_project


def spacy_docs(path):
    import spacy
    from spacy.tokens import DocBin

    return DocBin().from_disk(path).get_docs(spacy.blank("en").vocab)

TEXT = "Acme Corp (AAPL) shares rose 3% on Monday, Maria Lopez said in London."


def run(cmd, cwd, **kwargs):
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    return result


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    project, data = make_fixture_project(tmp_path_factory.mktemp("workflow"))
    run(
        [sys.executable, "-m", "spacy", "project", "run", "all", ".", "--vars.data_dir", str(data),
         "--vars.cpu_max_steps", "100", "--vars.cpu_eval_frequency", "50"],
        cwd=project,
    )
    return project


@pytest.mark.slow
def test_workflow_writes_corpus_stats_for_every_conversion(workflow):
    stats = srsly.read_json(workflow / "corpus" / "stats.json")
    assert set(stats) == {
        "corpus/train/conll-train.spacy", "corpus/train/gold-train.spacy", "corpus/dev/conll-dev.spacy",
        "corpus/dev/gold-dev.spacy", "corpus/test/conll-test.spacy", "corpus/extra/gmb.spacy",
        "corpus/train/fin-train.spacy", "corpus/dev/fin-dev.spacy",
    }
    assert stats["corpus/train/gold-train.spacy"]["entities_per_label"]["TICKER"] > 0
    # the cased copies of CoNLL dev the report scores: the same entities, other case
    vocab = spacy.blank("en").vocab
    dev, lower, upper = (list(DocBin().from_disk(workflow / path).get_docs(vocab)) for path in
                         ("corpus/dev/conll-dev.spacy", "corpus/case/conll-dev-lower.spacy", "corpus/case/conll-dev-upper.spacy"))
    assert [d.text.lower() for d in dev] == [d.text for d in lower] and [d.text.upper() for d in dev] == [d.text for d in upper]
    assert [len(d.ents) for d in dev] == [len(d.ents) for d in lower] == [len(d.ents) for d in upper]


@pytest.mark.slow
def test_workflow_writes_spacy_style_metrics(workflow):
    for name in ("cpu-conll-test", "cpu-gold-dev"):
        data = srsly.read_json(workflow / "metrics" / f"{name}.json")
        assert {"ents_p", "ents_r", "ents_f", "ents_per_type", "speed", "ents_support"} <= set(data)
    gold = srsly.read_json(workflow / "metrics" / "cpu-gold-dev.json")
    assert gold["ents_support"]["TICKER"]["gold"] > 0
    summary = srsly.read_json(workflow / "training" / "cpu" / "train_summary.json")
    assert summary["steps"] == 100 and summary["words_per_second"] > 0
    log = list(srsly.read_jsonl(workflow / "training" / "cpu" / "train_log.jsonl"))
    assert [r["step"] for r in log] == [0, 50, 100]


@pytest.mark.slow
def test_wheel_depends_on_spacy_only_and_carries_scores(workflow):
    (wheel,) = (workflow / "packages" / "en_custom_ner-1.0.0" / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read("en_custom_ner-1.0.0.dist-info/METADATA").decode()
        meta = json.loads(zf.read("en_custom_ner/meta.json"))
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert len(requires) == 1 and requires[0].startswith("spacy") and "<3.9" in requires[0]
    assert meta["labels"]["ner"] == sorted(["PERSON", "ORG", "LOC", "MISC", "TICKER"])
    assert meta["description"] and meta["sources"] and meta["license"]
    assert set(meta["evaluation"]) == {"conll2003_test", "ner_gold_dev"}
    assert meta["performance"]["ents_f"] == meta["evaluation"]["conll2003_test"]["ents_f"]


@pytest.mark.slow
def test_installed_wheel_loads_by_name_and_finds_entities(workflow, tmp_path):
    (wheel,) = (workflow / "packages" / "en_custom_ner-1.0.0" / "dist").glob("*.whl")
    target = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)], cwd=tmp_path)
    code = (
        "import json, sys, spacy; nlp = spacy.load('en_custom_ner'); "
        f"doc = nlp({TEXT!r}); ents = [[e.text, e.label_, e.kb_id_, e._.company] for e in doc.ents]; "
        "scores = [e._.confidence for e in doc.ents]; "
        "print(json.dumps({'ents': ents, 'scores': scores, 'project_code_imported': 'custom_ner' in sys.modules}))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = json.loads(run([sys.executable, "-c", code], cwd=tmp_path, env=env).stdout.strip().splitlines()[-1])
    ents = out["ents"]
    assert {label for _, label, _, _ in ents} >= {"ORG", "TICKER", "PERSON", "LOC"}, ents
    # the linker and its symbol table travel inside the wheel (spacy package --code)
    assert ["AAPL", "TICKER", "NASDAQ:AAPL", "Apple Inc."] in ents
    # so do the calibrated confidences (custom_ner/confidence/entity_confidence.py)
    assert len(out["scores"]) == len(ents) and all(0.0 <= s <= 1.0 for s in out["scores"])
    assert not out["project_code_imported"]


@pytest.mark.slow
def test_the_trained_pipeline_reads_glove_vectors_in_any_casing(workflow):
    from custom_ner.loading import load_pipeline

    nlp = load_pipeline(workflow / "training" / "cpu" / "model-final")  # registers the linker's factory
    vectors = nlp.vocab.vectors
    assert vectors.shape == (5000, 50)  # the fixture project's configs/glove.cfg keeps 5,000 rows
    rows = {vectors.find(key=word) for word in ("london", "London", "LONDON")}
    assert len(rows) == 1 and rows.pop() >= 0
    meta = srsly.read_json(workflow / "metrics" / "cpu-meta.json")
    assert any(source["name"].startswith("GloVe 6B 50d") for source in meta["sources"])


@pytest.mark.slow
def test_workflow_measures_ticker_rules_and_makes_silver_docs(workflow):
    rules = srsly.read_json(workflow / "metrics" / "ticker-rules.json")
    assert {"p", "r", "f", "patterns", "errors"} <= set(rules) and rules["gold"] > 0
    silver = srsly.read_json(workflow / "corpus" / "silver" / "silver.stats.json")
    assert silver["mode"] == "rehearsal"
    assert silver["docs"] > 0 and silver["ents_TICKER"] > 0 and silver["excluded_gold"] >= 0
    # the model trained without silver data never reads it (it is kept out of corpus/train)
    assert not list((workflow / "corpus" / "train").glob("silver*"))
    linked = workflow / "training" / "cpu" / "model-final" / "custom_ner_ticker_linker" / "symbols.json"
    assert "AAPL" in srsly.read_json(linked)


@pytest.mark.slow
def test_train_cpu_reads_the_self_training_docs_both_base_checkpoints_agree_on(workflow):
    stats = srsly.read_json(workflow / "corpus" / "silver" / "self.stats.json")
    assert stats["teachers"] == ["training/cpu-base/model-best", "training/cpu-base/model-last"]
    assert stats["mode"] == "spans" and 0 < stats["docs"] == stats["labelled"]
    assert any(path.endswith("reuters_2006_2013.txt.gz") for path in stats["inputs"])
    gold = {r["text"] for path in (workflow.parent / "data" / "ner_gold").glob("*.jsonl") for r in srsly.read_jsonl(path)}
    assert not gold & {doc.text for doc in spacy_docs(workflow / "corpus" / "silver" / "self.spacy")}
    config = spacy.util.load_config(workflow / "training" / "cpu" / "model-best" / "config.cfg")
    assert config["paths"]["ensemble"] == "corpus/silver/self.spacy"
    base = spacy.util.load_config(workflow / "training" / "cpu-base" / "model-best" / "config.cfg")
    assert base["paths"]["ensemble"] is None  # the teacher never reads its own labels
    meta = srsly.read_json(workflow / "metrics" / "cpu-meta.json")  # their text's terms travel with the wheel
    assert any(source["name"].startswith("self-training sentences: Reuters") for source in meta["sources"])


@pytest.mark.slow
def test_workflow_compares_the_models_with_and_without_silver_data(workflow):
    report = srsly.read_json(workflow / "metrics" / "silver-comparison.json")
    runs = ["without silver", "with silver", "with silver + linker"]
    conll = report["tables"]["CoNLL-2003 test"][-1]
    assert conll["label"] == "all" and all(0.0 <= conll[name] <= 1.0 for name in runs)
    assert {"conll_test_change", "conll_test_within_limit", "gold_dev_ticker_change"} <= set(report["checks"])
    assert "| TICKER |" in (workflow / "metrics" / "silver-comparison.md").read_text()


@pytest.mark.slow
def test_workflow_report_compares_every_model_found(workflow):
    report = srsly.read_json(workflow / "metrics" / "report.json")
    assert set(report["models"]) == {"cpu", "wheel", "en_core_web_sm"}
    assert [m["name"] for m in report["missing_models"]] == ["trf"]  # all-trf not run here
    for dataset in ("conll2003-test", "ner_gold-dev"):
        acc = report["accuracy"][dataset]
        # the installed wheel predicts exactly what the trained directory does
        assert acc["wheel"]["spacy"] == acc["cpu"]["spacy"]
        assert acc["en_core_web_sm"]["spacy"]["per_label"]["TICKER"]["predicted"] == 0
    assert report["checks"]["all_agree"]
    assert report["speed"]["wheel"]["wheel_mb"] > 1 and report["speed"]["cpu"]["wheel_mb"] > 1
    assert report["models"]["en_core_web_sm"]["components"] == ["ner"]
    assert set(report["ratios"]["models"]) == {"cpu", "wheel", "en_core_web_sm"}
    assert report["training"]["cpu"]["steps"] == [0, 50, 100]
    markdown = (workflow / "metrics" / "report.md").read_text()
    assert "## Speed and size" in markdown and "**trf**" in markdown
    assert (workflow / "metrics" / "compare.html").stat().st_size > 10000
    for dataset in ("conll2003-test", "ner_gold-dev"):
        assert set(report["calibration"][dataset]) == {"cpu", "wheel"}  # en_core_web_sm has no confidences
        assert 0.0 <= report["calibration"][dataset]["wheel"]["calibrated"]["ece"] <= 1.0
    assert report["speed"]["wheel"]["without_confidence"]["words_per_second_median"] > 0
    assert "## Confidence" in markdown and (workflow / "metrics" / report["plots"]["reliability"]["wheel"]).exists()


@pytest.mark.slow
def test_workflow_scores_every_model_on_the_external_sets(workflow):
    stats = srsly.read_json(workflow / "corpus" / "external" / "stats.json")
    assert stats["corpus/external/sec-fin3.spacy"]["tag_scheme"] == "io"
    assert stats["corpus/external/wnut17-test.spacy"]["entities"] > 0
    report = srsly.read_json(workflow / "metrics" / "report.json")
    sets = report["external"]["sets"]
    assert set(sets) == {"tweebank-test", "wnut17-test", "sec-fin3"}
    for name, entry in sets.items():
        assert set(entry["models"]) == {"cpu", "wheel", "en_core_web_sm"}, name
        assert "TICKER" not in entry["models"]["cpu"]["spacy"]["per_label"]  # scored as ORG
    assert sets["sec-fin3"]["models"]["cpu"]["without_roles"]["roles_unannotated"] > 0
    assert [r["system"] for r in sets["tweebank-test"]["references"]][-1].startswith("FLAIR")
    assert set(report["slices"]["conll2003-test"]["cpu"]) == {"seen", "unseen"}
    markdown = (workflow / "metrics" / "report.md").read_text()
    assert "## External test sets" in markdown and "## Seen and unseen entities" in markdown
    assert (workflow / "metrics" / report["plots"]["external"]).exists()


# texts the fixture model has never seen, and what a reviewer says they contain
REVIEWED = [
    ("Zarvin Oqueth praised Brellmont Dynamics in Quorvale.",
     [(0, 13, "PERSON"), (22, 40, "ORG"), (44, 52, "LOC")]),
    ("Velka Draum joined Trivox Labs in Olstrana.", [(0, 11, "PERSON"), (19, 30, "ORG"), (34, 42, "LOC")]),
    ("Analysts at Merrowind said Pashko Lent will lead Quorvale operations.",
     [(12, 21, "ORG"), (27, 38, "PERSON"), (49, 57, "LOC")]),
]


def spans_of(records):
    return [[(s["start"], s["end"], s["label"]) for s in r["spans"]] for r in records]


@pytest.mark.slow
def test_corrections_from_the_review_queue_teach_the_model_the_texts_it_got_wrong(workflow, tmp_path):
    """The correction loop: annotate, queue the least certain texts, correct them,
    retrain with --vars.corrections, and the retrained model gets them right."""
    project = tmp_path / "project"
    shutil.copytree(workflow, project, symlinks=True)
    texts = project / "reviewed.jsonl"
    srsly.write_jsonl(texts, [{"text": t} for t, _ in REVIEWED])
    gold = [sorted(spans) for _, spans in REVIEWED]
    model = str(project / "training" / "cpu" / "model-final")
    run([sys.executable, "scripts/annotate.py", str(texts), "before.jsonl", "--model", model], cwd=project)
    assert spans_of(srsly.read_jsonl(project / "before.jsonl")) != gold  # the model gets some of them wrong
    run([sys.executable, "scripts/review_queue.py", "before.jsonl", "queue.jsonl", "--n", "3"], cwd=project)
    corrected = []
    for task in srsly.read_jsonl(project / "queue.jsonl"):  # the reviewer fixes the spans and accepts
        spans = dict(REVIEWED)[task["text"]]
        corrected.append({**task, "spans": [{"start": s, "end": e, "label": label} for s, e, label in spans],
                          "answer": "accept"})
    assert len(corrected) == 3
    srsly.write_jsonl(project / "corrected.jsonl", corrected)
    data = workflow.parent / "data"
    run([sys.executable, "-m", "spacy", "project", "run", "all", ".", "--vars.data_dir", str(data),
         "--vars.cpu_max_steps", "100", "--vars.cpu_eval_frequency", "50", "--vars.corrections", "corrected.jsonl"],
        cwd=project)
    assert len(list(spacy_docs(project / "corpus" / "train" / "corrections.spacy"))) == 3
    run([sys.executable, "scripts/annotate.py", str(texts), "after.jsonl", "--model", model], cwd=project)
    assert spans_of(srsly.read_jsonl(project / "after.jsonl")) == gold


@pytest.mark.slow
def test_the_seeds_workflow_writes_the_seed_spread_and_the_report_shows_it(workflow, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(workflow, project, symlinks=True)
    data = workflow.parent / "data"
    # the same budgets as `all` ran with: every step of `all` is cached, only the seeds and the report run
    result = run([sys.executable, "-m", "spacy", "project", "run", "seeds", ".", "--vars.data_dir", str(data),
                  "--vars.cpu_max_steps", "100", "--vars.cpu_eval_frequency", "50", "--vars.n_seeds", "2",
                  "--vars.seed_jobs", "2"], cwd=project)
    assert "Running command: " + sys.executable + " scripts/train.py" not in result.stdout  # train-cpu was cached
    seeds = srsly.read_json(project / "metrics" / "seeds.json")
    assert [run_["seed"] for run_ in seeds["seeds"]] == [0, 1] and seeds["machine"]["cpu"]
    assert set(seeds["spread"]) == {"conll2003-test", "ner_gold-dev", "fin_gold-dev", "conll2003-dev-lower",
                                    "conll2003-dev-upper", "tweebank-dev", "wnut17-dev", "tweebank-test", "wnut17-test"}
    f = seeds["spread"]["conll2003-test"]["all"]["f"]
    assert f["n"] == 2 and f["min"] <= f["mean"] <= f["max"] and f["sd"] >= 0
    assert "TICKER" in seeds["spread"]["ner_gold-dev"]  # the runs were linked, as the shipped model is
    report = (project / "metrics" / "report.md").read_text(encoding="utf8")
    assert "## Seed spread" in report and "over 2 seeds" in report


@pytest.mark.slow
def test_all_leaves_one_tracked_cpu_run_with_the_figures_and_a_registered_champion(workflow):
    mlflow = pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{workflow / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    runs = {r.info.run_name: r for r in client.search_runs([client.get_experiment_by_name("en_custom_ner").experiment_id])}
    assert {"cpu", "cpu-base"} <= set(runs)
    cpu = runs["cpu"]
    assert cpu.info.run_id == srsly.read_json(workflow / "training" / "cpu" / "mlflow_run.json")["run_id"]
    assert len(cpu.data.metrics) >= 40 and "accuracy/conll2003-test/wheel/ORG/f" in cpu.data.metrics
    assert [m.step for m in client.get_metric_history(cpu.info.run_id, "ents_f")] == [0, 50, 100]  # the curve
    assert cpu.data.params["training.max_steps"] == "100"
    assert cpu.data.tags["git.commit"] == "unknown"  # the fixture copy is no git checkout
    assert cpu.data.tags["data.conll2003/train.iob"]  # the fixture's checksums
    artifacts = {a.path for a in client.list_artifacts(cpu.info.run_id, "report")}
    assert {"report/report.md", "report/report.json"} <= artifacts
    assert client.list_artifacts(cpu.info.run_id, "wheel")[0].path.endswith(".whl")
    champion = client.get_model_version_by_alias("en_custom_ner", "champion")
    assert str(champion.version) == "1" and champion.run_id == cpu.info.run_id
