"""Silver training docs from an ensemble of trained pipelines (self-training).

Several trained pipelines label the same unannotated sentences: ``all`` uses the best and
the last checkpoint of ``train-cpu-base``, the lever study the seeds of ``train-seeds``.
Where they all predict the same span with the same label, the span is kept; where they
disagree, the tokens any of them tagged are *missing* (neither an entity nor "O"), so the
student is never taught one teacher's mistake. Tokens no model tagged are "O": all of
them agree there.

- ``spans``: every sentence, with its agreed spans and its disagreements missing;
- ``sentences``: only the sentences on which every model predicts the same entities.

Texts of the gold sets are left out (``exclude``), as for the TICKER silver docs.
"""
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from spacy.tokens import Doc, Span
from tqdm import tqdm

from ..data.docs import write_docbin
from ..data.errors import Rejects
from ..data.files import write_json
from ..formats.unlabelled import Excluder, gzip_lines, jsonl_texts
from ..loading import load_pipeline
from ..ticker.silver import gold_files, sample_texts

PathLike = Union[str, Path]
MODES = ("spans", "sentences")
Ent = Tuple[int, int, str]


@dataclass(frozen=True)
class EnsembleOptions:
    """``limit`` sentences of ``min_words``..``max_words`` words sampled with ``seed``
    (after the gold texts of ``exclude`` are left out), labelled ``batch_size`` at a time
in ``n_process`` processes."""

    mode: str = "spans"
    limit: int = 200_000
    seed: int = 0
    exclude: Sequence[PathLike] = ()
    min_words: int = 5
    max_words: int = 80
    batch_size: int = 256
    n_process: int = 1

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"--mode {self.mode!r}: expected one of {', '.join(MODES)}")
        if self.limit < 1:
            raise ValueError(f"--limit must be at least 1, not {self.limit}")


def read_texts(path: PathLike, rejects: Rejects) -> Iterator[str]:
    """One sentence a line (``.txt.gz``, unlabelled/) or the ``text`` of JSONL records."""
    reader = gzip_lines if str(path).endswith(".gz") else jsonl_texts
    return reader(path, rejects)


def agreed_doc(doc: Doc, predictions: Sequence[Set[Ent]], mode: str) -> Optional[Doc]:
    """``doc`` with the spans every prediction has; what only some have is missing.
    In ``sentences`` mode, None unless all predictions are the same."""
    agreed = set.intersection(*predictions)
    if mode == "sentences" and any(p != agreed for p in predictions):
        return None
    covered = {i for start, end, _ in agreed for i in range(start, end)}
    unsure = {i for start, end, _ in set.union(*predictions) - agreed for i in range(start, end)} - covered
    ents = [Span(doc, start, end, label=label) for start, end, label in sorted(agreed)]
    doc.set_ents(ents, missing=[doc[i : i + 1] for i in sorted(unsure)], default="outside")
    return doc


def label_texts(teachers: Sequence[Any], texts: Sequence[str], batch_size: int,
                n_process: int = 1) -> List[List[Set[Ent]]]:
    """Each teacher's entities of every text (teacher-major: one pass per model)."""
    out = []
    for i, nlp in enumerate(teachers, start=1):
        preds = nlp.pipe(texts, batch_size=batch_size, n_process=n_process)
        out.append([{(e.start, e.end, e.label_) for e in d.ents}
                    for d in tqdm(preds, total=len(texts), desc=f"teacher {i}/{len(teachers)}", unit="sent")])
    return out


def build_ensemble_silver(inputs: Sequence[PathLike], teachers: Sequence[PathLike], output: PathLike,
                          options: EnsembleOptions = EnsembleOptions()) -> Dict[str, Any]:
    """Silver docs agreed on by ``teachers`` to the DocBin ``output``; counts to OUTPUT.stats.json."""
    if len(teachers) < 2:
        raise ValueError("an ensemble needs at least two trained pipelines")
    counts: Counter = Counter()
    pool = []
    for path in inputs:
        for text in read_texts(path, Rejects(path)):
            counts["texts_read"] += 1
            if options.min_words <= len(text.split()) <= options.max_words:
                pool.append(text)
    # sample first (twice the limit), then exclude: comparing every line with every gold text is slow
    candidates = sample_texts(pool, 2 * options.limit, options.seed)
    excluder = Excluder(t for path in gold_files(options.exclude) for t in jsonl_texts(path))
    texts = [t for t in candidates if not excluder(t)][: options.limit]
    counts.update(pool=len(pool), excluded_gold=excluder.excluded, labelled=len(texts))
    models = [load_pipeline(t) for t in teachers]
    predictions = label_texts(models, texts, options.batch_size, options.n_process)
    make_doc = models[0].make_doc
    docs = []
    for j, text in enumerate(texts):
        preds = [p[j] for p in predictions]
        doc = agreed_doc(make_doc(text), preds, options.mode)
        counts["full_agreement"] += all(p == preds[0] for p in preds)
        counts["spans_disputed"] += len(set.union(*preds) - set.intersection(*preds))
        if doc is None:
            continue
        docs.append(doc)
        counts.update(f"ents_{e.label_}" for e in doc.ents)
    counts["docs"] = len(docs)
    write_docbin(docs, output)
    stats = {"mode": options.mode, "inputs": [str(p) for p in inputs], "teachers": [str(t) for t in teachers],
             "limit": options.limit, "seed": options.seed, **dict(sorted(counts.items()))}
    write_json(Path(output).with_suffix(".stats.json"), stats)  # whole: never counts of another DocBin
    return stats
