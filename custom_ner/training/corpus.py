"""A training corpus that repeats some of its DocBin files each epoch.

ner_gold train (624 texts, the only source of TICKER and of the financial-news
and tweet domain) is small beside CoNLL-2003 train (14k sentences). Repeating
it k times per epoch is the simplest way to give it weight; the repeat counts
are hyper-parameters, so they live in the config:

    [corpora.train]
    @readers = "custom_ner.WeightedCorpus.v1"
    path = ${paths.train}
    weights = {"gold-train": 3}

Files not named in ``weights`` are read once. ``extra`` (a file or directory,
``${paths.silver}`` in the configs) adds files without putting them under
``path``, so the model trained without silver data reads ``path`` alone;
``ensemble`` (``${paths.ensemble}``) adds the docs an ensemble of trained seeds
agreed on (training/ensemble.py, the self-training lever).
The reader is registered through an entry point (``spacy_readers``), so plain ``python -m spacy train`` finds it
once this project is installed; a packaged pipeline does not need it to load.
"""
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Tuple, Union

from spacy.language import Language
from spacy.training import Corpus, Example
from spacy.training.corpus import walk_corpus
from spacy.util import registry


class WeightedCorpus:
    """The ``.spacy`` files under ``path``, each yielded ``weights[stem]`` times."""

    def __init__(
        self,
        path: Union[str, Path],
        weights: Dict[str, int],
        *,
        extra: Optional[Union[str, Path]] = None,
        ensemble: Optional[Union[str, Path]] = None,
        max_length: int = 0,
        gold_preproc: bool = False,
        limit: int = 0,
        augmenter: Optional[Callable] = None,
    ) -> None:
        files = walk_corpus(path, ".spacy")
        if not files:
            raise ValueError(f"{path}: no .spacy files found")
        for name, more_path in (("extra", extra), ("ensemble", ensemble)):
            if more_path is None:
                continue
            more = walk_corpus(more_path, ".spacy")
            if not more:
                raise ValueError(f"{more_path}: no .spacy files found ({name} corpus)")
            files = files + [f for f in more if f not in files]
        stems = {Path(f).stem for f in files}
        unknown = sorted(set(weights) - stems)
        if unknown:
            raise ValueError(
                f"{path}: weights name {unknown}, which match no .spacy file (found {sorted(stems)})"
            )
        for stem, weight in weights.items():
            if not isinstance(weight, int) or weight < 0:
                raise ValueError(f"weight of {stem!r} must be a whole number >= 0, not {weight!r}")
        self.parts: List[Tuple[Corpus, int]] = [
            (
                Corpus(f, max_length=max_length, gold_preproc=gold_preproc, limit=limit, augmenter=augmenter),
                weights.get(Path(f).stem, 1),
            )
            for f in files
        ]

    def __call__(self, nlp: Language) -> Iterator[Example]:
        for corpus, weight in self.parts:
            for _ in range(weight):  # fresh Example objects for every repeat
                yield from corpus(nlp)


@registry.readers("custom_ner.WeightedCorpus.v1")
def create_weighted_corpus(
    path: Optional[Path],
    weights: Dict[str, int],
    *,
    extra: Optional[Path] = None,
    ensemble: Optional[Path] = None,
    max_length: int = 0,
    gold_preproc: bool = False,
    limit: int = 0,
    augmenter: Optional[Callable] = None,
) -> Callable[[Language], Iterator[Example]]:
    """spaCy's Corpus.v1 plus per-file repeat counts (see the module docstring)."""
    if path is None:
        raise ValueError("custom_ner.WeightedCorpus.v1: path is not set (paths.train?)")
    return WeightedCorpus(
        path, dict(weights), extra=extra, ensemble=ensemble, max_length=max_length, gold_preproc=gold_preproc, limit=limit, augmenter=augmenter
    )
