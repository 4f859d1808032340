"""Smoke test: `spacy project run all-trf` offline, on CPU, with a tiny random RoBERTa.

The model directory is built here (byte-level BPE + random RobertaModel) with no
model_max_length in its tokenizer config and only 34 position embeddings, so the
run also proves the length limit is found and respected. The wheel is installed
into a temporary directory and loaded with HF_HUB_OFFLINE=1 after the model
directory is deleted: the weights must travel inside the package.
"""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
import srsly

from conftest import make_fixture_project
from tiny_transformer import make_tiny_roberta

TEXT = "Acme Corp (AAPL) shares rose 3% on Monday, Maria Lopez said in London."
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "CUDA_VISIBLE_DEVICES": ""}


def run(cmd, cwd, env=None):
    env = {**os.environ, **OFFLINE, **(env or {})}
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    return result


@pytest.fixture(scope="module")
def trf_workflow(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trf")
    project, data = make_fixture_project(tmp)
    texts = [r["text"] for r in srsly.read_jsonl(data / "ner_gold" / "train.jsonl")]
    texts += (data / "conll2003" / "train.iob").read_text().split("\n")
    model_dir = make_tiny_roberta(tmp / "tiny-roberta", texts, max_positions=34, model_max_length=None)
    result = run(
        [sys.executable, "-m", "spacy", "project", "run", "all-trf", ".", "--vars.data_dir", str(data),
         "--vars.transformer", str(model_dir), "--vars.trf_max_steps", "60", "--vars.trf_eval_frequency", "30"],
        cwd=project,
    )
    return project, model_dir, result.stdout


@pytest.mark.slow
def test_trf_workflow_trains_on_cpu_with_mixed_precision_off(trf_workflow):
    project, _, stdout = trf_workflow
    summary = srsly.read_json(project / "training" / "trf" / "train_summary.json")
    assert summary["device"] == "cpu" and summary["steps"] == 60
    assert summary["overrides"]["components.transformer.model.mixed_precision"] is False
    assert "model_max_length" in stdout and "-> 32" in stdout


@pytest.mark.slow
def test_trf_workflow_writes_spacy_style_metrics(trf_workflow):
    project = trf_workflow[0]
    for name in ("trf-conll-test", "trf-gold-dev"):
        data = srsly.read_json(project / "metrics" / f"{name}.json")
        assert {"ents_p", "ents_r", "ents_f", "ents_per_type", "speed", "ents_support"} <= set(data)


@pytest.mark.slow
def test_trf_wheel_requires_spacy_transformers(trf_workflow):
    project = trf_workflow[0]
    (wheel,) = (project / "packages" / "trf" / "en_custom_ner-1.0.0" / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read("en_custom_ner-1.0.0.dist-info/METADATA").decode()
        meta = json.loads(zf.read("en_custom_ner/meta.json"))
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert any(r.startswith("spacy-transformers") and "<" in r for r in requires), requires
    assert any(r.startswith("spacy") and not r.startswith("spacy-") for r in requires), requires
    assert "Transformer" in meta["description"]


@pytest.mark.slow
def test_trf_wheel_loads_offline_without_the_model_directory(trf_workflow, tmp_path):
    project, model_dir, _ = trf_workflow
    (wheel,) = (project / "packages" / "trf" / "en_custom_ner-1.0.0" / "dist").glob("*.whl")
    target = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)], cwd=tmp_path)
    shutil.rmtree(model_dir)
    long_text = " ".join([TEXT] * 300)  # far beyond 32 wordpieces per span
    code = (
        "import json, spacy; nlp = spacy.load('en_custom_ner'); "
        "trf = nlp.get_pipe('transformer'); "
        f"doc = nlp({TEXT!r}); long = nlp({long_text!r}); "
        "print(json.dumps({'max_len': trf.model.tokenizer.model_max_length, "
        "'ents': [[e.text, e.label_] for e in doc.ents], 'long_tokens': len(long), "
        "'labels': list(nlp.get_pipe('ner').labels)}))"
    )
    out = run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(target)}).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["max_len"] == 32
    assert result["long_tokens"] > 3000
    assert set(result["labels"]) == {"PERSON", "ORG", "LOC", "MISC", "TICKER"}
    assert isinstance(result["ents"], list)


@pytest.mark.slow
def test_trf_workflow_report_times_the_transformer_with_two_processes(trf_workflow):
    project = trf_workflow[0]
    report = srsly.read_json(project / "metrics" / "report.json")
    assert set(report["models"]) == {"trf", "en_core_web_sm"}
    assert {m["name"] for m in report["missing_models"]} == {"cpu", "wheel"}
    two = report["speed"]["trf"]["by_n_process"]["2"]
    assert two["words_per_second_median"] > 0 and two["torch_threads_per_process"] == 1
    assert report["speed"]["trf"]["wheel_mb"] > 0.1
    assert report["accuracy"]["ner_gold-dev"]["trf"]["f_difference"] <= 0.001
