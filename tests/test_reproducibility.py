"""Same config, same machine, same bytes: the part of the fixture workflow that builds
the vectors, trains and packages, run twice in two copies of the project with different
hash seeds, writes identical files (docs/reproducibility.md); and editing a module
reruns exactly the steps that list its subpackage as a dep."""
import hashlib
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import srsly

from conftest import make_fixture_project

STEPS = ("convert", "convert-external", "corrections", "vectors", "init-tok2vec", "train-cpu-base")
COMPARED = ("corpus/train", "corpus/dev", "vectors/glove", "training/init", "training/cpu-base/model-best", "packages")


def run_steps(project: Path, data: Path, hash_seed: str) -> subprocess.Popen:
    """The steps, then the package script on the trained model, in one shell (in the background)."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    steps = [[sys.executable, "-m", "spacy", "project", "run", step, ".", "--vars.data_dir", str(data),
              "--vars.cpu_max_steps", "40", "--vars.cpu_eval_frequency", "20"] for step in STEPS]
    srsly.write_json(project / "meta.json", {"description": "reproducibility test"})
    steps.append([sys.executable, "scripts/package.py", "training/cpu-base/model-best", "packages",
                  "--name", "repro", "--version", "0.0.1", "--meta-path", "meta.json"])
    script = " && ".join(" ".join(map(str, cmd)) for cmd in steps)
    return subprocess.Popen(["bash", "-c", script], cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def digests(project: Path) -> dict:
    files = [p for rel in COMPARED for p in sorted((project / rel).rglob("*")) if p.is_file()]
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The steps run in two fixture projects with hash seeds 1 and 2."""
    tmp_path = tmp_path_factory.mktemp("repro")
    projects = [make_fixture_project(tmp_path / name) for name in ("a", "b")]
    # the same data directory: the corpus statistics name their input files
    runs = [run_steps(project, projects[0][1], seed) for (project, _), seed in zip(projects, ("1", "2"))]
    for run in runs:
        out, _ = run.communicate(timeout=1200)
        assert run.returncode == 0, out[-6000:]
    return projects


@pytest.mark.slow
def test_two_runs_build_train_and_package_to_the_same_bytes(built):
    first, second = (digests(project) for project, _ in built)
    assert any(name.endswith(".whl") for name in first), sorted(first)
    assert any(name.endswith("key2row") for name in first)
    assert first == second, [name for name in sorted(set(first) | set(second)) if first.get(name) != second.get(name)]


def would_run(project: Path, data: Path) -> set:
    """The steps of STEPS that ``spacy project run --dry`` would run (not skip) now."""
    ran = set()
    for step in STEPS:
        out = subprocess.run([sys.executable, "-m", "spacy", "project", "run", step, ".", "--dry", "--vars.data_dir",
                              str(data), "--vars.cpu_max_steps", "40", "--vars.cpu_eval_frequency", "20"],
                             cwd=project, capture_output=True, text=True, check=True).stdout
        if "Skipping" not in out:
            ran.add(step)
    return ran


@contextmanager
def edited(module: Path):
    """``module`` with a comment line added, for the dry runs; restored afterwards."""
    text = module.read_text(encoding="utf8")
    module.write_text(text + "# edited\n", encoding="utf8")
    try:
        yield
    finally:
        module.write_text(text, encoding="utf8")


@pytest.mark.slow
def test_editing_a_module_reruns_the_steps_that_use_its_subpackage_and_no_other(built):
    project, data = built[0]
    code = project / "custom_ner"
    assert would_run(project, data) == {"corrections"}  # no_skip; everything else is up to date
    with edited(code / "ticker" / "linker.py"):  # only init-tok2vec loads pipelines, through ticker/
        assert would_run(project, data) == {"corrections", "init-tok2vec"}
    assert would_run(project, data) == {"corrections"}
    with edited(code / "formats" / "iob.py"):  # a reader: the conversions rerun, the trainings do not
        assert would_run(project, data) == {"convert", "convert-external", "corrections"}
    with edited(code / "data" / "docs.py"):  # every step reads or writes DocBins through custom_ner/data
        assert would_run(project, data) == set(STEPS)
    with edited(code / "evaluation" / "report.py"):  # none of these steps evaluates
        assert would_run(project, data) == {"corrections"}
