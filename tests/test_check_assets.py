"""The first workflow step stops on a missing or changed dataset (weasel alone would not)."""
import subprocess
import sys

import pytest

from conftest import ROOT, make_fixture_project
from custom_ner.workflow import check_assets


@pytest.fixture
def project(tmp_path):
    return make_fixture_project(tmp_path)


def test_all_assets_present_pass(project):
    project_dir, data = project
    results = check_assets(project_dir, {"vars.data_dir": str(data)})
    assert results and all(r.ok for r in results)


def test_missing_and_changed_assets_are_reported(project):
    project_dir, data = project
    (data / "conll2003" / "dev.iob").unlink()
    with (data / "ner_gold" / "train.jsonl").open("a") as f:
        f.write("\n")
    bad = {r.dest: r.reason for r in check_assets(project_dir, {"vars.data_dir": str(data)}) if not r.ok}
    assert bad == {
        f"{data}/conll2003/dev.iob": "missing",
        f"{data}/ner_gold/train.jsonl": bad[f"{data}/ner_gold/train.jsonl"],
    }
    assert bad[f"{data}/ner_gold/train.jsonl"].startswith("wrong checksum")


def test_command_exits_non_zero_with_a_clear_message(project):
    project_dir, data = project
    (data / "gmb" / "ner_dataset.csv").unlink()
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_assets.py"), "--data-dir", str(data), "--project-dir", str(project_dir)],
        capture_output=True, text=True,
    )
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert f"{data}/gmb/ner_dataset.csv: missing" in out
    assert "--vars.data_dir" in out
