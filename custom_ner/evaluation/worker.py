"""Run one model in a fresh interpreter for the report: predict, time, or load.

    python -m custom_ner.evaluation.worker predict NAME KWARGS GROUPS OUT_DIR BATCH ROLE
    python -m custom_ner.evaluation.worker speed NAME KWARGS TEXTS BATCH N_PROCESS REPEATS
    python -m custom_ner.evaluation.worker load NAME KWARGS

:class:`~custom_ner.evaluation.model_source.ModelSource` starts it, so that every
model runs without another model's memory or threads around and a wheel runs its own
copy of the TICKER linker (only a pipeline directory gets the project's, through the
loader). Each run prints one JSON line last. Nothing heavy is imported at module
level: PyTorch's thread count must be set before spaCy (and thinc, which imports
torch) is imported.
"""
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List


def ner_path_components(nlp: Any) -> List[str]:
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
    from spacy.tokens import DocBin

    from ..loading import load_pipeline

    nlp = load_pipeline(name, **kwargs)
    components = ner_path_components(nlp) if role == "base" else list(nlp.pipe_names)
    excluded = [c for c in nlp.pipe_names if c not in components]
    if excluded:
        nlp.select_pipes(disable=excluded)
    groups: Dict[str, List[str]] = json.loads(Path(groups_path).read_text(encoding="utf8"))
    for i, (group, texts) in enumerate(groups.items()):
        docs = nlp.pipe(texts, batch_size=batch_size)
        # user data carries ent._.confidence (and the linker's _.company) to the report
        DocBin(attrs=["ORTH", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID"], docs=docs, store_user_data=True).to_disk(
            Path(out_dir) / f"{i}.spacy")
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
    from ..loading import load_pipeline
    from .speed import measure_speed

    texts = json.loads(Path(texts_path).read_text(encoding="utf8"))
    nlp = load_pipeline(name, **kwargs)
    result = measure_speed(nlp, texts, batch_size=batch_size, n_process=n_process, repeats=repeats)
    result["torch_threads_per_process"] = torch_threads
    return result


def load(name: str, kwargs: Dict[str, Any]) -> float:
    import spacy  # noqa: F401  imported before the clock starts: load time is the model's

    from ..loading import load_pipeline

    start = time.perf_counter()
    load_pipeline(name, **kwargs)
    return time.perf_counter() - start


def main(argv: List[str]) -> None:
    command, name, kwargs, *rest = argv
    kw = json.loads(kwargs)
    if command == "predict":
        result: Any = predict(name, kw, rest[0], rest[1], int(rest[2]), rest[3])
    elif command == "speed":
        result = speed(name, kw, rest[0], int(rest[1]), int(rest[2]), int(rest[3]))
    elif command == "load":
        result = load(name, kw)
    else:
        raise SystemExit(f"unknown command {command!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
