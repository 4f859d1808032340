"""Shared fixtures: paths of the project, its label map and the fixture data."""
import hashlib
import re
import shutil
import time
from pathlib import Path
from typing import Tuple

import pytest
import spacy
import srsly

from custom_ner.data.labels import LabelMap

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_DATA = FIXTURES / "data"
REAL_DATA = (ROOT / ".." / "shared" / "data").resolve()


@pytest.fixture(scope="session")
def label_map() -> LabelMap:
    return LabelMap.from_file(ROOT / "configs" / "labels.json")


@pytest.fixture(scope="session")
def nlp_en():
    return spacy.blank("en")


@pytest.fixture
def write(tmp_path):
    """Write text (or bytes) to a file under tmp_path and return its path."""

    def _write(name: str, content, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding)
        return path

    return _write


def wait_ready(client, seconds: float = 300) -> None:
    """Wait for a service under test to answer /ready with 200: its worker process
    starts a fresh interpreter, which takes long on a busy machine."""
    deadline = time.time() + seconds
    while client.get("/ready").status_code != 200:
        assert time.time() < deadline, client.get("/ready").json()
        time.sleep(0.05)


def real_data_or_skip(*parts: str) -> Path:
    path = REAL_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not available: {path}")
    return path


def make_fixture_project(tmp_path: Path) -> Tuple[Path, Path]:
    """A copy of the project whose assets are the fixture datasets (checksums updated).

    Returns (project_dir, data_dir); the workflow then runs with
    ``--vars.data_dir data_dir`` exactly as on the real data.
    """
    project = tmp_path / "project"
    data = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, data)
    project.mkdir()
    for name in ("configs", "scripts", "custom_ner"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    # a 5,000-row GloVe table instead of 200,000: the same code path, a wheel of 16 MB, not 55
    glove = project / "configs" / "glove.cfg"
    glove.write_text(re.sub(r"(?m)^rows = \d+$", "rows = 5000", glove.read_text(encoding="utf8")), encoding="utf8")
    config = srsly.read_yaml(ROOT / "project.yml")
    for asset in config["assets"]:
        rel = asset["dest"].replace("${vars.data_dir}/", "")
        asset["checksum"] = hashlib.md5((data / rel).read_bytes()).hexdigest()
    srsly.write_yaml(project / "project.yml", config)
    return project, data


TINY_TEXTS = [
    "Apple (NASDAQ: AAPL) rose 3% after Tim Cook spoke in Cupertino.",
    "Shares of $AMD fell in London while IBM gained.",
    "Nothing to see here.",
]


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict:
    """Two real pipeline directories, no training: ``custom`` (entity ruler + the
    TICKER linker on the fixture symbol directory, so TICKERs carry kb_id) and
    ``base`` (entity ruler with OntoNotes labels, like en_core_web_sm)."""
    from custom_ner.ticker.symbols import build_symbol_table

    root = tmp_path_factory.mktemp("tiny_models")
    tickers = FIXTURE_DATA / "tickers"
    table = build_symbol_table([tickers / "nasdaqlisted.txt", tickers / "otherlisted.txt"], use_pytickersymbols=False)
    custom = spacy.blank("en")
    custom.add_pipe("entity_ruler").add_patterns([
        {"label": "ORG", "pattern": "Apple"}, {"label": "PERSON", "pattern": "Tim Cook"},
        {"label": "LOC", "pattern": "Cupertino"}, {"label": "LOC", "pattern": "London"},
        {"label": "ORG", "pattern": "IBM"}])
    custom.add_pipe("custom_ner_ticker_linker").initialize(table=table)
    custom.meta.update(name="custom_ner_tiny", version="0.0.1",
                       performance={"ents_f": 0.5, "ents_p": 0.5, "ents_r": 0.5, "speed": 1.0})
    custom.to_disk(root / "custom")
    base = spacy.blank("en")
    base.add_pipe("entity_ruler").add_patterns([
        {"label": "ORG", "pattern": "Apple"}, {"label": "PERSON", "pattern": "Tim Cook"},
        {"label": "GPE", "pattern": "Cupertino"}])
    base.meta.update(name="base_tiny", version="0.0.1")
    base.to_disk(root / "base")
    return {"custom": str(root / "custom"), "base": str(root / "base")}


NER_TRAIN = [
    ("Apple hired Maria Lopez in London.", [(0, 5, "ORG"), (12, 23, "PERSON"), (27, 33, "LOC")]),
    ("Maria Lopez left IBM for Google in Paris.", [(0, 11, "PERSON"), (17, 20, "ORG"), (25, 31, "ORG"), (35, 40, "LOC")]),
    ("Shares of IBM rose in Berlin on Monday.", [(10, 13, "ORG"), (22, 28, "LOC")]),
    ("John Smith said Google will open an office in Tokyo.", [(0, 10, "PERSON"), (16, 22, "ORG"), (46, 51, "LOC")]),
    ("The German team beat Spain.", [(4, 10, "MISC"), (21, 26, "LOC")]),
    ("Apple ($AAPL) fell while Tim Cook spoke.", [(0, 5, "ORG"), (8, 12, "TICKER"), (25, 33, "PERSON")]),
]


@pytest.fixture(scope="session")
def tiny_ner(tmp_path_factory) -> str:
    """A real trained ``ner`` (a few seconds of training on six sentences), the TICKER
    linker and the confidence component with an identity calibration, saved to disk:
    a pipeline whose entities have ``_.confidence`` without the whole workflow."""
    from spacy.training import Example
    from spacy.util import fix_random_seed

    from custom_ner.confidence.entity_confidence import FACTORY
    from custom_ner.ticker.symbols import build_symbol_table

    fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    examples = [Example.from_dict(nlp.make_doc(t), {"entities": ents}) for t, ents in NER_TRAIN]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(40):
        nlp.update(examples, sgd=optimizer, drop=0.1)
    tickers = FIXTURE_DATA / "tickers"
    table = build_symbol_table([tickers / "nasdaqlisted.txt", tickers / "otherlisted.txt"], use_pytickersymbols=False)
    nlp.add_pipe("custom_ner_ticker_linker").initialize(table=table)
    nlp.add_pipe(FACTORY).set_calibration({"rules": {"cashtag": 0.97}})
    nlp.meta.update(name="custom_ner_tiny_ner", version="0.0.1")
    path = tmp_path_factory.mktemp("tiny_ner") / "model"
    nlp.to_disk(path)
    return str(path)
