"""The speed benchmark counts every word of every text and rejects empty input."""
import pytest
import spacy

from custom_ner.evaluation.speed import measure_speed


def test_measure_speed_counts_words_of_every_run():
    nlp = spacy.blank("en")
    texts = ["Dell Inc. (DELL.O) shares rose.", "Michael Dell said so in Austin ."] * 5
    result = measure_speed(nlp, texts, batch_size=4, repeats=2, warmup=3)
    assert result["n_texts"] == 10
    assert result["n_words"] == sum(len(nlp(t)) for t in texts)
    assert len(result["runs"]) == 2
    assert result["words_per_second_min"] <= result["words_per_second_max"]


def test_measure_speed_rejects_empty_text_list():
    with pytest.raises(ValueError, match="no texts"):
        measure_speed(spacy.blank("en"), [])
