"""floret word vectors trained on the unannotated text, saved as a spaCy vectors model.

The CPU pipeline's static vectors came from here until pretrained GloVe became
installable (glove.py, docs/history.md); the lever study still builds them
(``vectors-floret``). floret is fastText with subword hashing (settings in
configs/vectors.cfg): every word, seen or not, gets a vector from its character
n-grams. The output directory is a blank spaCy pipeline holding only the vectors; the
training config reads it through ``[initialize] vectors``.
"""
import time
from pathlib import Path
from typing import Any, Dict, Union

import spacy
from spacy.training.initialize import convert_vectors
from thinc.api import Config

from ..data.lines import check_file


def train_vectors(text_path: Union[str, Path], output_dir: Union[str, Path], config_path: Union[str, Path]) -> Dict[str, Any]:
    """Train, convert and save; returns what a person would want to know about the run."""
    import floret

    text_path, output_dir = check_file(text_path), Path(output_dir)
    if text_path.stat().st_size == 0:
        raise ValueError(f"{text_path}: empty input")
    params = dict(Config().from_disk(config_path)["floret"])
    if params.get("mode") != "floret":
        raise ValueError(f"{config_path}: [floret] mode must be 'floret' (spaCy loads floret-mode vectors)")
    output_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    model = floret.train_unsupervised(str(text_path), **params)
    table = output_dir.parent / f"{output_dir.name}.floret"
    model.save_floret_vectors(str(table))
    nlp = spacy.blank("en")
    convert_vectors(nlp, table, truncate=0, prune=-1, mode="floret")
    nlp.to_disk(output_dir)
    table.unlink()
    return {"seconds": round(time.perf_counter() - start, 1), "words": len(model.words),
            "shape": tuple(nlp.vocab.vectors.shape)}
