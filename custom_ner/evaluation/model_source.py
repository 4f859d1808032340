"""Where a model of the report comes from: a directory, a built wheel, an installed package.

The report compares what a user would actually run, so a wheel is installed
(``pip install --no-deps --target``) into a scratch directory and used from there,
not read from the training output it was built from. Every model runs in fresh
interpreters (``python -m custom_ner.evaluation.worker``): the wheel with its own copy
of the TICKER linker, timings without another model's memory or threads around, and a
parent process that never loads a model at all.
"""
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from . import worker

DIRECTORY, WHEEL, PACKAGE = "directory", "wheel", "package"


class ModelNotFound(ValueError):
    pass


@dataclass
class ModelSource:
    """One model of the report: ``name=source`` on the command line."""

    name: str
    source: str
    role: str = "custom"  # "custom" (our labels) or "base" (labels mapped by a label scheme)
    wheel: Optional[Path] = None  # the wheel it ships as, for its size
    kind: str = ""
    _target: Optional[Path] = field(default=None, repr=False)
    _tmp: Optional[tempfile.TemporaryDirectory] = field(default=None, repr=False)

    def __post_init__(self) -> None:
        path = Path(self.source)
        if self.source.endswith(".whl"):
            if not path.is_file():
                raise ModelNotFound(f"{self.source}: wheel not found")
            self.kind, self.wheel = WHEEL, path
        elif path.is_dir():
            if not (path / "config.cfg").exists():
                raise ModelNotFound(f"{self.source}: directory has no config.cfg, not a spaCy pipeline")
            self.kind = DIRECTORY
        elif "/" not in self.source and importlib.util.find_spec(self.source) is not None:
            self.kind = PACKAGE
        else:
            raise ModelNotFound(f"{self.source}: no such pipeline directory, wheel or installed package")

    @property
    def package_name(self) -> str:
        """Import name of a wheel's or package's module (``en_custom_ner``)."""
        if self.kind == WHEEL:
            return Path(self.source).name.split("-")[0]
        return self.source

    def install(self) -> Path:
        """Install a wheel (no dependencies) into a scratch directory, once."""
        if self._target is None:
            self._tmp = tempfile.TemporaryDirectory(prefix=f"report-{self.name}-")
            self._target = Path(self._tmp.name)
            cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                   "--target", str(self._target), str(self.wheel)]
            result = subprocess.run(cmd, capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError(f"{self.wheel}: pip install failed:\n{result.stderr[-2000:]}")
        return self._target

    def data_path(self) -> Path:
        """The directory holding the pipeline's files (what its size on disk is)."""
        if self.kind == DIRECTORY:
            return Path(self.source)
        if self.kind == WHEEL:
            return self.install() / self.package_name
        spec = importlib.util.find_spec(self.source)
        assert spec is not None and spec.origin is not None
        return Path(spec.origin).parent

    def run_fresh(self, command: str, kwargs: Optional[Dict[str, Any]], *args: str) -> Any:
        """Run a worker ``command`` on this model in a fresh interpreter; its JSON result."""
        env = dict(os.environ)
        # absolute path, run from a neutral directory: a project checkout on sys.path
        # (its *.egg-info) must not shadow what is installed
        name = str(Path(self.source).resolve()) if self.kind == DIRECTORY else self.source
        if self.kind == WHEEL:
            env["PYTHONPATH"] = os.pathsep.join([str(self.install()), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
            name = self.package_name
        cmd = [sys.executable, "-m", worker.__name__, command, name, json.dumps(kwargs or {}), *args]
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
        if result.returncode != 0:
            raise RuntimeError(f"{self.name} ({self.source}): worker {command!r} failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def predict(self, groups: Dict[str, List[str]], batch_size: int, vocab: Vocab) -> Tuple[Dict[str, Any], Dict[str, List[Doc]]]:
        """Parse every group of texts; returns the pipeline's description and the docs."""
        with tempfile.TemporaryDirectory(prefix=f"report-{self.name}-") as tmp:
            path = Path(tmp) / "texts.json"
            path.write_text(json.dumps(groups), encoding="utf8")
            info = self.run_fresh("predict", None, str(path), tmp, str(batch_size), self.role)
            docs = {group: list(DocBin().from_disk(Path(tmp) / f"{i}.spacy").get_docs(vocab))
                    for i, group in enumerate(groups)}
        for group, texts in groups.items():
            if [d.text for d in docs[group]] != list(texts):
                raise RuntimeError(f"{self.name}: the worker returned other texts than it was given ({group})")
        return info, docs

    def load_seconds(self, repeats: int = 3, kwargs: Optional[Dict[str, Any]] = None) -> List[float]:
        """``spacy.load`` time in a fresh interpreter (spaCy itself already imported), ``repeats`` times."""
        return [float(self.run_fresh("load", kwargs)) for _ in range(repeats)]

    def speed(self, texts: Sequence[str], batch_size: int, n_process: int, repeats: int,
              kwargs: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """``measure_speed`` in a fresh interpreter. With several processes PyTorch gets
        one thread per worker (n_process workers on n_process cores); with one, its default."""
        with tempfile.TemporaryDirectory(prefix=f"report-{self.name}-") as tmp:
            path = Path(tmp) / "texts.json"
            path.write_text(json.dumps(list(texts)), encoding="utf8")
            return self.run_fresh("speed", kwargs, str(path), str(batch_size), str(n_process), str(repeats))

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp, self._target = None, None


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def parse_named(values: Sequence[str], option: str) -> List[Tuple[str, str]]:
    """``NAME=VALUE`` pairs of a repeated command-line option, with a clear error."""
    pairs = []
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name or not rest:
            raise ValueError(f"{option} {value!r}: expected NAME=VALUE")
        pairs.append((name, rest))
    names = [name for name, _ in pairs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{option}: name(s) used twice: {', '.join(duplicates)}")
    return pairs


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))
