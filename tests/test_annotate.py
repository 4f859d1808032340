"""Batch annotation (scripts/annotate.py): readers, rejects, outputs, engines, atomicity."""
import json
import shutil
import subprocess
import sys
from collections import Counter

import pandas as pd
import pytest
import spacy
import srsly

import custom_ner.apps.engines as engines
from custom_ner.apps.annotate import annotate_file
from custom_ner.data.texts import read_records, text_problem
from custom_ner.data.errors import ConversionError, Rejects
from custom_ner.data.prodigy import record_to_doc

from conftest import ROOT, TINY_TEXTS

SCRIPT = ROOT / "scripts" / "annotate.py"

JSONL = "\n".join([
    json.dumps({"text": TINY_TEXTS[0], "meta": {"id": 1}, "_input_hash": 7, "_task_hash": 8, "spans": [], "tokens": []}),
    json.dumps({"text": ""}),
    "{not json",
    json.dumps(["a list"]),
    json.dumps({"title": "no text field"}),
    json.dumps({"text": TINY_TEXTS[1], "meta": {"id": 2}}),
    "",
    json.dumps({"text": TINY_TEXTS[2]}),
]) + "\n"


@pytest.fixture
def inputs(write):
    return {
        "jsonl": write("in.jsonl", JSONL),
        "txt": write("in.txt", "\n".join([TINY_TEXTS[0], "   ", TINY_TEXTS[1], TINY_TEXTS[2]]) + "\n"),
        "csv": write("in.csv", 'id,text,source\n1,"{0}",a\n2\n3,,c\n4,"{1}\nsecond line",d\n5,"{2}",e\n6,too,many,fields\n'.format(
            TINY_TEXTS[0].replace('"', '""'), TINY_TEXTS[1], TINY_TEXTS[2])),
    }


def rejected(path):
    return [(r["line"], r["reason"]) for r in srsly.read_jsonl(path)]


def test_bad_records_are_skipped_into_the_rejects_file_with_line_and_reason(inputs, tiny_models, tmp_path):
    summary = annotate_file(inputs["jsonl"], tmp_path / "out.jsonl", tiny_models["custom"])
    assert (summary.records, summary.rejected) == (3, 5)
    assert rejected(tmp_path / "out.rejects.jsonl") == [
        (2, "empty text"), (3, "invalid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (4, "expected a JSON object, found list"), (5, "no 'text' field"), (7, "empty line")]
    summary = annotate_file(inputs["csv"], tmp_path / "csv.jsonl", tiny_models["custom"])
    assert rejected(tmp_path / "csv.rejects.jsonl") == [
        (3, "wrong column count: expected 3 fields, found 1"), (4, "empty text"),
        (8, "wrong column count: expected 3 fields, found 4")]
    assert summary.records == 3
    summary = annotate_file(inputs["txt"], tmp_path / "txt.jsonl", tiny_models["custom"])
    assert rejected(tmp_path / "txt.rejects.jsonl") == [(2, "empty text")]


def test_csv_records_keep_the_line_where_they_start_and_other_columns_as_meta(inputs, tmp_path):
    records = list(read_records(inputs["csv"], Rejects(inputs["csv"], lenient=True)))
    assert [r.line for r in records] == [2, 5, 7]
    assert records[1].text == TINY_TEXTS[1] + "\nsecond line"
    assert records[1].meta == {"id": "4", "source": "d", "line": 5}


def test_csv_without_header_takes_a_column_number(write, tmp_path):
    path = write("nohead.csv", f'3,"title","{TINY_TEXTS[1]}"\n')
    records = list(read_records(path, Rejects(path, lenient=True), text_column="3", header=False))
    assert [r.text for r in records] == [TINY_TEXTS[1]]
    with pytest.raises(ConversionError, match=r"h.csv:1: missing CSV column\(s\) 'body' \(the header has 'id', 'text'\)"):
        list(read_records(write("h.csv", "id,text\n1,x\n"), Rejects(path, lenient=True), text_column="body"))


def test_undecodable_bytes_and_unpaired_surrogates_are_rejected_not_fatal(write, tiny_models, tmp_path):
    path = write("bad.txt", b"caf\xe9 in London\n" + TINY_TEXTS[1].encode() + b"\n")
    summary = annotate_file(path, tmp_path / "out.jsonl", tiny_models["custom"])
    assert summary.records == 1
    [(line, reason)] = rejected(tmp_path / "out.rejects.jsonl")
    assert line == 1 and reason == "undecodable bytes b'\\xe9' at column 4 (not valid utf-8; pass --encoding if the file uses another one)"
    assert text_problem("a\ud800b") == "unpaired surrogate U+D800 at character 1 (not valid Unicode)"
    assert text_problem("\x00\x07 \u202e \U0001F916") is None


def test_jsonl_output_is_prodigy_style_with_kb_id_and_meta_carried_over(inputs, tiny_models, tmp_path, label_map):
    annotate_file(inputs["jsonl"], tmp_path / "out.jsonl", tiny_models["custom"])
    records = list(srsly.read_jsonl(tmp_path / "out.jsonl"))
    first = records[0]
    assert first["meta"] == {"id": 1} and first["_input_hash"] == 7
    assert "_task_hash" not in first and "tokens" not in first  # stale next to the new spans
    assert {"start": 6, "end": 10, "label": "ORG", "text": "AAPL"} not in first["spans"]
    assert {"start": 15, "end": 19, "label": "TICKER", "text": "AAPL", "kb_id": "NASDAQ:AAPL"} in first["spans"]
    assert all("kb_id" not in s for s in first["spans"] if s["label"] != "TICKER")
    assert records[2]["spans"] == []
    # the project's own Prodigy reader takes the output back as annotations
    doc = record_to_doc(first, spacy.blank("en").tokenizer, label_map)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Apple", "ORG"), ("AAPL", "TICKER"), ("Tim Cook", "PERSON"), ("Cupertino", "LOC")]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_csv_and_parquet_outputs_have_one_row_per_entity(inputs, tiny_models, tmp_path, suffix):
    summary = annotate_file(inputs["txt"], tmp_path / f"out.{suffix}", tiny_models["custom"])
    frame = pd.read_csv(tmp_path / "out.csv", keep_default_na=False) if suffix == "csv" else \
        pd.read_parquet(tmp_path / "out.parquet")
    assert list(frame.columns) == ["line", "start", "end", "label", "text", "kb_id"]
    assert len(frame) == summary.entities == 7
    assert frame[frame.label == "TICKER"][["line", "text", "kb_id"]].values.tolist() == [
        [1, "AAPL", "NASDAQ:AAPL"], [3, "AMD", "NASDAQ:AMD"]]


def test_parquet_output_without_entities_is_a_valid_empty_table(write, tiny_models, tmp_path):
    annotate_file(write("none.txt", "Nothing here.\n"), tmp_path / "out.parquet", tiny_models["custom"])
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == 0


def test_two_worker_processes_write_the_same_output_as_one(write, tiny_models, tmp_path):
    path = write("many.txt", "\n".join(TINY_TEXTS[i % 3] + f" #{i}" for i in range(500)) + "\n")
    one = annotate_file(path, tmp_path / "one.jsonl", tiny_models["custom"], batch_size=16)
    two = annotate_file(path, tmp_path / "two.jsonl", tiny_models["custom"], batch_size=16, n_process=2)
    assert (one.records, one.entities, one.words) == (two.records, two.entities, two.words)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_a_failing_job_leaves_the_previous_output_untouched(write, tiny_models, tmp_path, monkeypatch):
    path = write("in/many.txt", "\n".join(TINY_TEXTS * 10) + "\n")
    out = tmp_path / "out.jsonl"
    out.write_text("previous complete output\n")
    calls = Counter()

    def fail_on_second_chunk(nlp, texts, batch_size):
        calls["chunks"] += 1
        if calls["chunks"] == 2:
            raise MemoryError("killed halfway")
        return real(nlp, texts, batch_size)

    real = engines.annotate_texts
    monkeypatch.setattr(engines, "annotate_texts", fail_on_second_chunk)
    with pytest.raises(MemoryError):
        annotate_file(path, out, tiny_models["custom"], batch_size=1, n_process=1)
    assert out.read_text() == "previous complete output\n"
    assert calls["chunks"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out.jsonl"]  # no temporary file left behind


def test_unknown_model_and_formats_are_clear_errors(inputs, tmp_path):
    with pytest.raises(OSError, match="cannot load model 'no_such_model'.*project run install"):
        annotate_file(inputs["txt"], tmp_path / "o.jsonl", "no_such_model")
    with pytest.raises(ConversionError, match=r"unknown output format 'xml'"):
        annotate_file(inputs["txt"], tmp_path / "o.xml", "no_such_model")
    with pytest.raises(ConversionError, match="file not found"):
        annotate_file(tmp_path / "missing.txt", tmp_path / "o.jsonl", "no_such_model")


def test_cli_lists_rejects_with_file_and_line_and_writes_stats(inputs, tiny_models, tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), str(inputs["jsonl"]), str(tmp_path / "o.jsonl"),
                             "--model", tiny_models["custom"], "--stats", str(tmp_path / "stats.json"), "--n-process", "2"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert f"{inputs['jsonl']}:4: expected a JSON object, found list (skipped)" in result.stdout
    assert "5 bad records skipped into" in result.stdout
    stats = srsly.read_json(tmp_path / "stats.json")
    assert (stats["records"], stats["rejected"], stats["n_process"]) == (3, 5, 2)
    assert stats["texts_per_s"] > 0 and stats["words_per_s"] > 0
    result = subprocess.run([sys.executable, str(SCRIPT), str(inputs["jsonl"]), str(tmp_path / "o.jsonl"),
                             "--model", "no_such_model"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "cannot load model 'no_such_model'" in result.stderr


@pytest.mark.slow
def test_spark_engine_writes_the_same_output_as_the_local_engine(inputs, tiny_models, tmp_path):
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (17): apt-get install openjdk-17-jre-headless")
    for name in ("jsonl", "csv"):
        local = annotate_file(inputs[name], tmp_path / f"local-{name}.jsonl", tiny_models["custom"])
        spark = annotate_file(inputs[name], tmp_path / f"spark-{name}.jsonl", tiny_models["custom"], engine="spark",
                              master="local[2]", partitions=2)
        assert (tmp_path / f"local-{name}.jsonl").read_bytes() == (tmp_path / f"spark-{name}.jsonl").read_bytes()
        assert (tmp_path / f"local-{name}.rejects.jsonl").read_bytes() == \
            (tmp_path / f"spark-{name}.rejects.jsonl").read_bytes()
        assert (local.records, local.entities, local.words) == (spark.records, spark.entities, spark.words)
    annotate_file(inputs["csv"], tmp_path / "spark.parquet", tiny_models["custom"], engine="spark", master="local[2]")
    annotate_file(inputs["csv"], tmp_path / "local.parquet", tiny_models["custom"])
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "spark.parquet"), pd.read_parquet(tmp_path / "local.parquet"))


def test_spark_engine_without_java_says_what_to_install(inputs, tiny_models, tmp_path, monkeypatch):
    import custom_ner.apps.spark as spark_engine

    monkeypatch.setattr(spark_engine.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(OSError, match="needs Java 17.*openjdk-17-jre-headless"):
        annotate_file(inputs["txt"], tmp_path / "o.jsonl", tiny_models["custom"], engine="spark")
    assert not (tmp_path / "o.jsonl").exists()
