"""Caching you can trust: on a copy of the project, editing a module reruns exactly the
steps that run it; the others stay cached. `clean` removes everything generated."""
import subprocess
import sys

import pytest
import srsly

from conftest import make_fixture_project

pytestmark = pytest.mark.slow  # runs workflow steps in subprocesses (minutes)

STEPS = ("convert", "symbols", "ticker-rules")


def project_run(project, data, *args):
    cmd = [sys.executable, "-m", "spacy", "project", "run", *args, ".", "--vars.data_dir", str(data)]
    result = subprocess.run(cmd, cwd=project, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def reruns(project, data, dry=True):
    """The steps of STEPS that would run again (weasel skips the others: nothing changed)."""
    ran = set()
    for step in STEPS:
        out = project_run(project, data, step, *(["--dry"] if dry else []))
        if f"Skipping '{step}': nothing changed" not in out:
            assert "Running command:" in out, out
            ran.add(step)
    return ran


def touch(path):
    path.write_text(path.read_text(encoding="utf8") + "\n# edited\n", encoding="utf8")


@pytest.fixture(scope="module")
def ran_once(tmp_path_factory):
    project, data = make_fixture_project(tmp_path_factory.mktemp("caching"))
    assert reruns(project, data, dry=False) == set(STEPS)  # the first run runs everything
    return project, data


def test_a_second_run_runs_nothing_again(ran_once):
    assert reruns(*ran_once) == set()


def test_editing_the_prodigy_reader_reruns_the_steps_that_read_prodigy_files(ran_once):
    project, data = ran_once
    touch(project / "custom_ner" / "formats" / "prodigy.py")
    # convert reads ner_gold with it, ticker-rules reads the gold TICKER spans; symbols does not
    assert reruns(project, data, dry=False) == {"convert", "ticker-rules"}
    assert reruns(project, data) == set()


def test_editing_the_symbol_directory_reader_reruns_symbols_and_not_convert(ran_once):
    project, data = ran_once
    touch(project / "custom_ner" / "ticker" / "symbols.py")
    assert reruns(project, data) == {"symbols", "ticker-rules"}


def test_editing_a_config_reruns_the_steps_that_read_it(ran_once):
    project, data = ran_once
    labels = project / "configs" / "labels.json"
    labels.write_text(labels.read_text(encoding="utf8") + "\n", encoding="utf8")
    assert "convert" in reruns(project, data)


def test_clean_removes_everything_the_workflow_generated(tmp_path):
    project, data = make_fixture_project(tmp_path)
    project_run(project, data, "symbols")
    assert (project / "corpus" / "symbols.json").exists() and (project / "project.lock").exists()
    project_run(project, data, "clean")
    # weasel records the clean step itself in a fresh project.lock after it ran
    assert sorted(p.name for p in project.iterdir()) == ["configs", "custom_ner", "project.lock", "project.yml", "scripts"]
    assert list(srsly.read_yaml(project / "project.lock")) == ["clean"]
    assert reruns(project, data) == set(STEPS)
