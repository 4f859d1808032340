"""Training runs: the summary logger (a registered logger, not a patch of spaCy's loop)
and the command line's config overrides."""
import shlex

import pytest
import srsly
from spacy.util import load_config, registry

from custom_ner.training.run import config_overrides
from project_code import ROOT, load_project


def test_summary_logger_counts_every_step_and_keeps_the_last_evaluation(tmp_path):
    seen = []

    def inner(nlp, stdout, stderr):
        return seen.append, lambda: seen.append("finalized")

    setup = registry.loggers.get("custom_ner.SummaryLogger.v1")(logger=inner, summary_file=tmp_path / "summary.json")
    log_step, finalize = setup(None)
    infos = [{"step": 0, "epoch": 0, "words": 0, "score": 0.1}, None, {"step": 2, "epoch": 1, "words": 90, "score": 0.7},
             None, {"step": 4, "epoch": 2, "words": 180, "score": 0.5}]
    for info in infos:
        log_step(info)
    finalize()
    assert seen == [*infos, "finalized"]  # the wrapped logger sees everything
    summary = srsly.read_json(tmp_path / "summary.json")
    assert (summary["steps"], summary["epochs"], summary["words"]) == (4, 2, 180)
    assert summary["best_dev_score"] == pytest.approx(0.7)
    assert summary["seconds"] >= 0 and "words_per_second" in summary


def test_config_overrides_take_cli_arguments_and_the_step_shortcuts():
    overrides = config_overrides(["--paths.train", "corpus/train", "--training.dropout=0.2"], max_steps=200)
    assert overrides == {"paths.train": "corpus/train", "training.dropout": 0.2, "training.max_steps": 200}
    assert config_overrides([], 0, 0) == {}
    pairs = "components.tok2vec.model.encode.width=128 components.tok2vec.model.embed.rows=[10000,2000,5000,5000]"
    assert config_overrides(["--paths.train", "t"], pairs=pairs) == {
        "paths.train": "t", "components.tok2vec.model.encode.width": 128,
        "components.tok2vec.model.embed.rows": [10000, 2000, 5000, 5000]}


def step_max_steps(step, overrides):
    """The training.max_steps a step's train.py command sets (None: the config's)."""
    project = load_project(ROOT, overrides)
    args = shlex.split(next(c for c in project["commands"] if c["name"] == step)["script"][0])
    option = {key: value for key, value in zip(args, args[1:]) if key.startswith("--")}
    dotted = [arg for key, value in option.items() if "." in key for arg in (key, value)]
    return config_overrides(dotted, max_steps=int(option["--max-steps"])).get("training.max_steps")


def test_the_base_training_stops_before_train_cpu_and_a_quick_run_shortens_both():
    config_steps = load_config(ROOT / "configs" / "cpu.cfg")["training"]["max_steps"]
    defaults = load_project()["vars"]
    assert step_max_steps("train-cpu-base", {}) == defaults["base_max_steps"] < config_steps
    assert step_max_steps("train-cpu", {}) is None  # the config's length
    quick = {"vars.cpu_max_steps": 200}
    assert step_max_steps("train-cpu-base", quick) == step_max_steps("train-cpu", quick) == 200
