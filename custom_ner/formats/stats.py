"""Corpus statistics: what each conversion produced, per label.

Written to ``corpus/stats.json`` keyed by output file, so every conversion of
the workflow leaves its counts (and what it rejected or dropped) in one place.
"""
from collections import Counter
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Union

import srsly
from spacy.tokens import Doc

from ..data.docs import sentences_of
from ..data.files import write_json


def corpus_stats(docs: Iterable[Doc], labels: Optional[List[str]] = None) -> Dict[str, Any]:
    """Docs, sentences, tokens and entities per label (every label listed, even at 0)."""
    n_docs = n_sents = n_tokens = 0
    per_label: Counter = Counter({label: 0 for label in labels or []})
    for doc in docs:
        n_docs += 1
        n_sents += len(sentences_of(doc))
        n_tokens += len(doc)
        per_label.update(ent.label_ for ent in doc.ents)
    return {
        "docs": n_docs,
        "sentences": n_sents,
        "tokens": n_tokens,
        "entities": sum(per_label.values()),
        "entities_per_label": dict(sorted(per_label.items())),
    }


def update_stats_file(path: Union[str, Path], key: str, entry: Dict[str, Any]) -> Path:
    """Merge ``entry`` under ``key`` into the JSON stats file (created if missing)."""
    path = Path(path)
    data: Dict[str, Any] = srsly.read_json(path) if path.exists() else {}
    data[key] = entry
    return write_json(path, dict(sorted(data.items())))


def stats_table(stats: Dict[str, Any]) -> List[tuple]:
    rows = [(k, stats[k]) for k in ("docs", "sentences", "tokens", "entities")]
    rows += [(f"  {label}", n) for label, n in stats["entities_per_label"].items()]
    return rows
