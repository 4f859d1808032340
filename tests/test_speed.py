"""The speed benchmark counts every word of every text, rejects empty input and records its device."""
import pytest
import spacy
import srsly
from thinc.util import has_cupy_gpu

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


def test_benchmark_records_the_device_and_falls_back_to_cpu_without_a_gpu(tmp_path):
    from spacy.tokens import DocBin

    from custom_ner.evaluation.speed import benchmark

    nlp = spacy.blank("en")
    nlp.to_disk(tmp_path / "model")
    docs = [nlp("Dell Inc. shares rose."), nlp("Michael Dell said so.")]
    DocBin(docs=docs).to_disk(tmp_path / "t.spacy")
    # CI has no GPU: GPU 0 is asked for and the CPU answers
    result = benchmark(tmp_path / "model", tmp_path / "t.spacy", repeats=1, output=tmp_path / "s.json", gpu_id=0)
    assert result["n_words"] == sum(len(doc) for doc in docs)
    assert (result["device"] == "cpu") == (not has_cupy_gpu)
    assert srsly.read_json(tmp_path / "s.json")["device"] == result["device"]


def test_benchmark_refuses_several_processes_on_a_gpu(tmp_path):
    from custom_ner.evaluation.speed import benchmark

    with pytest.raises(ValueError, match="n_process must be 1 on a GPU"):
        benchmark(tmp_path / "model", tmp_path / "t.spacy", n_process=2, gpu_id=0)
