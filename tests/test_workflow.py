"""Smoke test: the whole `spacy project run all` workflow on the fixture datasets.

Runs check-assets -> convert -> text -> vectors -> init-tok2vec -> train-cpu
(tiny step budget) -> evaluate-cpu -> package, then installs the wheel into a
temporary directory and loads it with spacy.load("en_custom_ner") in a fresh
interpreter, as a user would.
"""
import json
import os
import subprocess
import sys
import zipfile

import pytest
import srsly

from conftest import make_fixture_project

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
    }
    assert stats["corpus/train/gold-train.spacy"]["entities_per_label"]["TICKER"] > 0


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
        "import json, spacy; nlp = spacy.load('en_custom_ner'); "
        f"print(json.dumps([[e.text, e.label_] for e in nlp({TEXT!r}).ents]))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = run([sys.executable, "-c", code], cwd=tmp_path, env=env).stdout
    ents = json.loads(out.strip().splitlines()[-1])
    assert {label for _, label in ents} >= {"ORG", "TICKER", "PERSON", "LOC"}, ents
