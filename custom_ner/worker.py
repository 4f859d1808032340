"""Run one model in a fresh interpreter for the report: predict, time, or load.

    python custom_ner/worker.py [--code MODULE] predict NAME KWARGS GROUPS OUT_DIR BATCH ROLE
    python custom_ner/worker.py [--code MODULE] speed NAME KWARGS TEXTS BATCH N_PROCESS REPEATS
    python custom_ner/worker.py [--code MODULE] load NAME KWARGS

Executed by path, never imported as ``custom_ner.worker``: importing the project's
package would register the project's TICKER linker, and a wheel under test must run
its own copy. Each run prints one JSON line last. Standard library + spaCy only;
``speed.py`` beside this file is imported as a plain module for the same reason.
"""
import importlib
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List


def ner_path_components(nlp) -> List[str]:
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


def predict(name: str, kwargs: Dict[str, Any], groups_path: str, out_dir: str, batch_size: int, role: str) -> Dict[str, Any]:
    """Parse every group of texts; save each as a DocBin; describe the pipeline."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.load(name, **kwargs)
    components = ner_path_components(nlp) if role == "base" else list(nlp.pipe_names)
    excluded = [c for c in nlp.pipe_names if c not in components]
    if excluded:
        nlp.select_pipes(disable=excluded)
    groups: Dict[str, List[str]] = json.loads(Path(groups_path).read_text(encoding="utf8"))
    for i, (group, texts) in enumerate(groups.items()):
        docs = nlp.pipe(texts, batch_size=batch_size)
        DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID"], docs=docs).to_disk(Path(out_dir) / f"{i}.spacy")
    return {
        "pipeline": f"{nlp.meta.get('lang', '')}_{nlp.meta.get('name', '')}",
        "version": nlp.meta.get("version"),
        "components": components,
        "components_not_run": excluded,
        "ner_labels": sorted(nlp.get_pipe("ner").labels) if "ner" in nlp.pipe_names else [],
    }


def speed(name: str, kwargs: Dict[str, Any], texts_path: str, batch_size: int, n_process: int, repeats: int) -> Dict[str, Any]:
    torch_threads = None
    if n_process > 1 and importlib.util.find_spec("torch"):
        import torch

        torch.set_num_threads(1)  # its thread pool does not survive fork: workers would deadlock
        torch_threads = 1
    import spacy

    sys.path.insert(0, str(Path(__file__).parent))
    from speed import measure_speed  # noqa: E402  (the sibling file, not the package)

    texts = json.loads(Path(texts_path).read_text(encoding="utf8"))
    nlp = spacy.load(name, **kwargs)
    result = measure_speed(nlp, texts, batch_size=batch_size, n_process=n_process, repeats=repeats)
    result["torch_threads_per_process"] = torch_threads
    return result


def load(name: str, kwargs: Dict[str, Any]) -> float:
    import spacy

    start = time.perf_counter()
    spacy.load(name, **kwargs)
    return time.perf_counter() - start


def main(argv: List[str]) -> None:
    while argv and argv[0] == "--code":
        importlib.import_module(argv[1])
        argv = argv[2:]
    command, name, kwargs, *rest = argv
    kw = json.loads(kwargs)
    if command == "predict":
        result: Any = predict(name, kw, rest[0], rest[1], int(rest[2]), rest[3])
    elif command == "speed":
        result = speed(name, kw, rest[0], int(rest[1]), int(rest[2]), int(rest[3]))
    elif command == "load":
        import spacy  # noqa: F401  (imported before the clock starts: load time is the model's)

        result = load(name, kw)
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
