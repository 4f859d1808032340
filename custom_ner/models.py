"""Where a model of the report comes from: a directory, a built wheel, an installed package.

The report compares what a user would actually run, so a wheel is installed
(``pip install --no-deps --target``) into a scratch directory and imported from
there, not read from the training output it was built from. Load time is taken in
a fresh interpreter per load, because a second load in the same process is not
what a user waits for.
"""
import importlib
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

import spacy
from spacy.language import Language

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

    def load(self, **kwargs: Any) -> Language:
        if self.kind == DIRECTORY:
            return spacy.load(self.source, **kwargs)
        if self.kind == PACKAGE:
            return spacy.load(self.source, **kwargs)
        target = self.install()
        name = self.package_name
        if name in sys.modules and not str(getattr(sys.modules[name], "__file__", "")).startswith(str(target)):
            raise RuntimeError(f"{name} is already imported from elsewhere; cannot load {self.wheel} beside it")
        sys.path.insert(0, str(target))
        try:
            module = importlib.import_module(name)
        finally:
            sys.path.remove(str(target))
        return module.load(**kwargs)

    def data_path(self) -> Path:
        """The directory holding the pipeline's files (what its size on disk is)."""
        if self.kind == DIRECTORY:
            return Path(self.source)
        if self.kind == WHEEL:
            return self.install() / self.package_name
        spec = importlib.util.find_spec(self.source)
        assert spec is not None and spec.origin is not None
        return Path(spec.origin).parent

    def run_fresh(self, code: str, *args: str) -> Any:
        """Run ``code`` in a fresh interpreter where ``NAME`` is what ``spacy.load``
        takes for this model; return the JSON it prints last."""
        env = dict(os.environ)
        # absolute path, run from a neutral directory: a project checkout on sys.path
        # (its *.egg-info) must not shadow the installed package's entry points
        name = str(Path(self.source).resolve()) if self.kind == DIRECTORY else self.source
        if self.kind == WHEEL:
            env["PYTHONPATH"] = os.pathsep.join([str(self.install()), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
            name = self.package_name
        result = subprocess.run([sys.executable, "-c", f"NAME = {name!r}\n{code}", *args],
                                capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
        if result.returncode != 0:
            raise RuntimeError(f"{self.source} in a fresh interpreter failed:\n{result.stderr[-3000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])

    def load_seconds(self, repeats: int = 3, kwargs: Optional[Dict[str, Any]] = None) -> List[float]:
        """``spacy.load`` time in a fresh interpreter (spaCy itself already imported), ``repeats`` times."""
        code = (
            "import json, sys, time, spacy\n"
            "start = time.perf_counter()\n"
            "nlp = spacy.load(NAME, **json.loads(sys.argv[1]))\n"
            "print(json.dumps(time.perf_counter() - start))\n"
        )
        return [float(self.run_fresh(code, json.dumps(kwargs or {}))) for _ in range(repeats)]

    def speed(self, texts: Sequence[str], batch_size: int, n_process: int, repeats: int,
              kwargs: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """``measure_speed`` in a fresh interpreter, so no other model's memory or
        threads are around. With several processes PyTorch gets one thread per
        worker (n_process workers on n_process cores); with one, its default."""
        code = (
            "import importlib.util, json, sys\n"
            "n_process = int(sys.argv[4])\n"
            "torch_threads = None\n"
            "if n_process > 1 and importlib.util.find_spec('torch'):\n"
            "    import torch\n"
            "    torch.set_num_threads(1)  # its thread pool does not survive fork: workers would deadlock\n"
            "    torch_threads = 1\n"
            "import spacy\n"
            "from custom_ner.speed import measure_speed\n"
            "texts = json.load(open(sys.argv[1], encoding='utf8'))\n"
            "nlp = spacy.load(NAME, **json.loads(sys.argv[2]))\n"
            "result = measure_speed(nlp, texts, batch_size=int(sys.argv[3]), n_process=n_process, repeats=int(sys.argv[5]))\n"
            "result['torch_threads_per_process'] = torch_threads\n"
            "print(json.dumps(result))\n"
        )
        with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf8") as f:
            json.dump(list(texts), f)
            f.flush()
            return self.run_fresh(code, f.name, json.dumps(kwargs or {}), str(batch_size), str(n_process), str(repeats))

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp, self._target = None, None


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def ner_path_components(nlp: Language) -> List[str]:
    """The components entities need: those that set ``doc.ents`` (``ner``, an entity
    ruler) and any tok2vec/transformer they listen to.

    en_core_web_sm also tags, parses and lemmatizes; the report times what NER
    costs, and says which components ran.
    """
    needed = {name for name in nlp.pipe_names if name == "ner" or "doc.ents" in nlp.get_pipe_meta(name).assigns}
    for name, pipe in nlp.pipeline:
        if needed & set(getattr(pipe, "listening_components", [])):
            needed.add(name)
    return [name for name in nlp.pipe_names if name in needed]


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
