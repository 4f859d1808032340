"""The one way the project loads a pipeline: a package name or a directory.

A pipeline directory built here (``training/cpu/model-final``) holds the TICKER
linker, whose factory is this project's code, so it is registered first; an
installed package (the wheel) brings its own copy and needs nothing. A name that is
neither gets a message that says how to build and install the model.
"""
from pathlib import Path
from typing import Any, List, Union


def load_pipeline(name: Union[str, Path], **kwargs: Any) -> Any:
    """``spacy.load(name, **kwargs)`` with the project's components registered for directories."""
    import spacy

    if Path(name).exists():
        from .ticker import linker  # noqa: F401  registers custom_ner_ticker_linker (if no copy did)
        from .confidence import entity_confidence  # noqa: F401  registers custom_ner_entity_confidence
    try:
        return spacy.load(name, **kwargs)
    except OSError as err:
        if "E050" in str(err):
            raise OSError(f"cannot load model {str(name)!r}: not an installed package or a pipeline directory. "
                          "Build and install en_custom_ner with `python -m spacy project run all` and "
                          "`python -m spacy project run install`, or pass a pipeline directory.") from err
        raise


def model_labels(nlp: Any) -> List[str]:
    """Entity labels a pipeline can predict: those of its NER and entity-ruler
    components and the label its TICKER linker adds (not the tagger's or parser's)."""
    labels = set()
    for name, pipe in nlp.pipeline:
        factory = nlp.get_pipe_meta(name).factory
        if factory in ("ner", "beam_ner", "entity_ruler"):
            labels.update(pipe.labels)
        elif isinstance(getattr(pipe, "label", None), str):
            labels.add(pipe.label)
    return sorted(labels)
