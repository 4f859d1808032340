"""Batch annotation (scripts/annotate.py): readers, rejects, outputs, engines, atomicity."""
import json
import os
import signal
import shutil
import subprocess
import sys
import time
from collections import Counter

import pandas as pd
import pytest
import spacy
import srsly

import custom_ner.apps.engines as engines
from custom_ner.apps.annotate import AnnotateOptions, annotate_file
from custom_ner.formats.texts import read_records, text_problem
from custom_ner.data.errors import ConversionError, Rejects
from custom_ner.formats.prodigy import record_to_doc
from custom_ner.loading import load_pipeline

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
    summary = annotate_file(inputs["jsonl"], tmp_path / "out.jsonl", AnnotateOptions(model=tiny_models["custom"]))
    assert (summary.records, summary.rejected) == (3, 5)
    assert rejected(tmp_path / "out.rejects.jsonl") == [
        (2, "empty text"), (3, "invalid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (4, "expected a JSON object, found list"), (5, "no 'text' field"), (7, "empty line")]
    summary = annotate_file(inputs["csv"], tmp_path / "csv.jsonl", AnnotateOptions(model=tiny_models["custom"]))
    assert rejected(tmp_path / "csv.rejects.jsonl") == [
        (3, "wrong column count: expected 3 fields, found 1"), (4, "empty text"),
        (8, "wrong column count: expected 3 fields, found 4")]
    assert summary.records == 3
    summary = annotate_file(inputs["txt"], tmp_path / "txt.jsonl", AnnotateOptions(model=tiny_models["custom"]))
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
    summary = annotate_file(path, tmp_path / "out.jsonl", AnnotateOptions(model=tiny_models["custom"]))
    assert summary.records == 1
    [(line, reason)] = rejected(tmp_path / "out.rejects.jsonl")
    assert line == 1 and reason == "undecodable bytes b'\\xe9' at column 4 (not valid utf-8; pass --encoding if the file uses another one)"
    assert text_problem("a\ud800b") == "unpaired surrogate U+D800 at character 1 (not valid Unicode)"
    assert text_problem("\x00\x07 \u202e \U0001F916") is None


def test_jsonl_output_is_prodigy_style_with_kb_id_and_meta_carried_over(inputs, tiny_models, tmp_path, label_map):
    annotate_file(inputs["jsonl"], tmp_path / "out.jsonl", AnnotateOptions(model=tiny_models["custom"]))
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
    summary = annotate_file(inputs["txt"], tmp_path / f"out.{suffix}", AnnotateOptions(model=tiny_models["custom"]))
    frame = pd.read_csv(tmp_path / "out.csv", keep_default_na=False) if suffix == "csv" else \
        pd.read_parquet(tmp_path / "out.parquet")
    assert list(frame.columns) == ["line", "start", "end", "label", "text", "kb_id", "score"]
    assert len(frame) == summary.entities == 7
    assert frame[frame.label == "TICKER"][["line", "text", "kb_id"]].values.tolist() == [
        [1, "AAPL", "NASDAQ:AAPL"], [3, "AMD", "NASDAQ:AMD"]]


def test_parquet_output_without_entities_is_a_valid_empty_table(write, tiny_models, tmp_path):
    annotate_file(write("none.txt", "Nothing here.\n"), tmp_path / "out.parquet", AnnotateOptions(model=tiny_models["custom"]))
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == 0


def test_two_worker_processes_write_the_same_output_as_one(write, tiny_models, tmp_path):
    path = write("many.txt", "\n".join(TINY_TEXTS[i % 3] + f" #{i}" for i in range(500)) + "\n")
    one = annotate_file(path, tmp_path / "one.jsonl", AnnotateOptions(model=tiny_models["custom"], batch_size=16))
    two = annotate_file(path, tmp_path / "two.jsonl", AnnotateOptions(model=tiny_models["custom"], batch_size=16, n_process=2))
    assert (one.records, one.entities, one.words) == (two.records, two.entities, two.words)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_trained_model_writes_the_same_bytes_for_any_process_count_and_batch_size(write, tiny_ner, tmp_path, suffix):
    # a statistical ner pads and groups texts by batch: its entities and confidences must not
    # depend on how the texts were batched or spread over processes
    texts = [TINY_TEXTS[i % 3] + (" Maria Lopez left IBM in Paris." if i % 2 else "") + f" #{i}" for i in range(300)]
    path = write("many.txt", "\n".join(texts) + "\n")
    outputs = {}
    for n_process in (1, 2):
        for batch_size in (1, 128):
            out = tmp_path / f"p{n_process}-b{batch_size}{suffix}"
            annotate_file(path, out, AnnotateOptions(model=tiny_ner, batch_size=batch_size, n_process=n_process))
            outputs[(n_process, batch_size)] = out.read_bytes()
    assert len(set(outputs.values())) == 1, sorted(outputs)
    assert b"PERSON" in outputs[(1, 1)] or b"ORG" in outputs[(1, 1)]


def test_a_failing_job_leaves_the_previous_output_untouched_and_can_be_resumed(write, tiny_models, tmp_path, monkeypatch):
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
        annotate_file(path, out, AnnotateOptions(model=tiny_models["custom"], batch_size=1, n_process=1))
    assert out.read_text() == "previous complete output\n"
    assert calls["chunks"] == 2
    # only the first chunk's records and their checkpoint are left beside it, for --resume
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.jsonl.checkpoint.json", ".out.jsonl.partial", "in", "out.jsonl"]
    summary = annotate_file(path, out, AnnotateOptions(model=tiny_models["custom"], batch_size=1, n_process=1, resume=True))
    assert summary.resumed_after == 4 and summary.records == 30
    annotate_file(path, tmp_path / "whole.jsonl", AnnotateOptions(model=tiny_models["custom"], batch_size=1))
    assert out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out.jsonl", "whole.jsonl"]


def test_resume_refuses_a_different_job_and_starts_afresh_without_a_checkpoint(write, tiny_models, tmp_path):
    path = write("in/texts.txt", "\n".join(TINY_TEXTS) + "\n")
    out = tmp_path / "out.jsonl"
    assert annotate_file(path, out, AnnotateOptions(model=tiny_models["custom"], resume=True)).resumed_after == 0  # nothing to resume
    (tmp_path / ".out.jsonl.checkpoint.json").write_text(json.dumps({"job": {"model": "other"}}))
    (tmp_path / ".out.jsonl.partial").write_text("")
    with pytest.raises(ConversionError, match=r"cannot resume: this is a different job \(.*model.*\)"):
        annotate_file(path, out, AnnotateOptions(model=tiny_models["custom"], resume=True))
    again = annotate_file(path, out, AnnotateOptions(model=tiny_models["custom"]))  # without --resume: start again, and say so
    assert again.records == 3 and again.discarded_partial
    parts = tmp_path / ".out.parquet.partial"
    parts.mkdir()
    (parts / "part-000000.parquet.tmp").write_bytes(b"half a part")  # as a kill mid-write leaves it
    (tmp_path / ".out.parquet.checkpoint.json").write_text("{}")
    assert annotate_file(path, tmp_path / "out.parquet", AnnotateOptions(model=tiny_models["custom"])).discarded_partial
    assert len(pd.read_parquet(tmp_path / "out.parquet")) > 0 and not parts.exists()


@pytest.mark.parametrize("suffix,n_process", [(".jsonl", 1), (".jsonl", 2), pytest.param(".csv", 2, marks=pytest.mark.slow),
                                              pytest.param(".parquet", 1, marks=pytest.mark.slow)])
def test_a_job_killed_part_way_resumes_to_the_bytes_of_an_uninterrupted_run(write, tiny_models, tmp_path, suffix,
                                                                                n_process):
    texts = [f"{TINY_TEXTS[i % 3]} number {i}" for i in range(15_000)]
    path = write("in/many.txt", "\n".join(texts) + "\n")
    whole, out = tmp_path / f"whole{suffix}", tmp_path / f"out{suffix}"
    command = [sys.executable, str(SCRIPT), str(path), str(out), "--model", tiny_models["custom"], "--batch-size", "32",
               "--n-process", str(n_process), "--no-progress"]
    checkpoint = tmp_path / f".out{suffix}.checkpoint.json"
    job = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while not checkpoint.exists() and time.time() < deadline:  # the first one comes after a second's work
        assert job.poll() is None, job.stderr.read()
        time.sleep(0.01)
    os.killpg(job.pid, signal.SIGKILL)  # the job and its worker processes, as a kill -9 or an OOM kill would
    job.wait()
    done = srsly.read_json(checkpoint)["records"]
    assert not out.exists() and 0 < done < len(texts)
    resumed = subprocess.run(command + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed after {done:,} texts" in resumed.stdout
    annotate_file(path, whole, AnnotateOptions(model=tiny_models["custom"], batch_size=32))
    assert out.read_bytes() == whole.read_bytes()
    assert not checkpoint.exists() and not (tmp_path / f".out{suffix}.partial").exists()


def test_unknown_model_and_formats_are_clear_errors(inputs, tmp_path):
    with pytest.raises(OSError, match="cannot load model 'no_such_model'.*project run install"):
        annotate_file(inputs["txt"], tmp_path / "o.jsonl", AnnotateOptions(model="no_such_model"))
    with pytest.raises(ConversionError, match=r"unknown output format 'xml'"):
        annotate_file(inputs["txt"], tmp_path / "o.xml", AnnotateOptions(model="no_such_model"))
    with pytest.raises(ConversionError, match="file not found"):
        annotate_file(tmp_path / "missing.txt", tmp_path / "o.jsonl", AnnotateOptions(model="no_such_model"))


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
        local = annotate_file(inputs[name], tmp_path / f"local-{name}.jsonl", AnnotateOptions(model=tiny_models["custom"]))
        spark = annotate_file(inputs[name], tmp_path / f"spark-{name}.jsonl", AnnotateOptions(model=tiny_models["custom"], engine="spark", master="local[2]", partitions=2))
        assert (tmp_path / f"local-{name}.jsonl").read_bytes() == (tmp_path / f"spark-{name}.jsonl").read_bytes()
        assert (tmp_path / f"local-{name}.rejects.jsonl").read_bytes() == \
            (tmp_path / f"spark-{name}.rejects.jsonl").read_bytes()
        assert (local.records, local.entities, local.words) == (spark.records, spark.entities, spark.words)
    annotate_file(inputs["csv"], tmp_path / "spark.parquet", AnnotateOptions(model=tiny_models["custom"], engine="spark", master="local[2]"))
    annotate_file(inputs["csv"], tmp_path / "local.parquet", AnnotateOptions(model=tiny_models["custom"]))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "spark.parquet"), pd.read_parquet(tmp_path / "local.parquet"))


@pytest.mark.slow
def test_a_loopback_standalone_cluster_writes_the_bytes_of_the_local_engine(inputs, tiny_models, tmp_path):
    """Master and two workers from pyspark's own launcher; the driver runs in another
    directory and names the model by a path relative to it, which the executors (in
    their own work directories) cannot see: they must get the model shipped."""
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (17): apt-get install openjdk-17-jre-headless")
    from custom_ner.apps.spark_cluster import loopback_cluster

    driver = tmp_path / "driver"
    shutil.copytree(tiny_models["custom"], driver / "models" / "custom")
    annotate_file(inputs["jsonl"], tmp_path / "local.jsonl", AnnotateOptions(model=tiny_models["custom"]))
    with loopback_cluster(workers=2, cores=1, memory="1g", work_dir=tmp_path / "cluster", timeout=180) as master:
        result = subprocess.run([sys.executable, str(SCRIPT), str(inputs["jsonl"]), str(tmp_path / "spark.jsonl"),
                                 "--model", "models/custom", "--engine", "spark", "--master", master, "--partitions", "4"],
                                cwd=driver, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        executors = [p for p in (tmp_path / "cluster").rglob("custom_ner_model.zip") if p.is_dir()]
    assert (tmp_path / "spark.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()
    assert (tmp_path / "spark.rejects.jsonl").read_bytes() == (tmp_path / "local.rejects.jsonl").read_bytes()
    assert executors, "the executors did not unpack the shipped model in their work directories"


def test_spark_engine_without_java_says_what_to_install(inputs, tiny_models, tmp_path, monkeypatch):
    import custom_ner.apps.spark as spark_engine

    monkeypatch.setattr(spark_engine.shutil, "which", lambda name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    with pytest.raises(OSError, match="needs Java 17.*openjdk-17-jre-headless"):
        annotate_file(inputs["txt"], tmp_path / "o.jsonl", AnnotateOptions(model=tiny_models["custom"], engine="spark"))
    assert not (tmp_path / "o.jsonl").exists()


def test_memory_zones_keep_the_string_store_from_growing(tiny_models):
    nlp = load_pipeline(tiny_models["custom"])
    before = len(nlp.vocab.strings)
    results = engines.annotate_texts(nlp, [f"qzx{i} met Tim Cook in London" for i in range(200)], 64)
    assert len(nlp.vocab.strings) == before
    assert [s["label"] for s in results[0].spans] == ["PERSON", "LOC"]


@pytest.mark.parametrize("background", [False, True])
def test_the_runner_reloads_the_pipeline_after_new_words_and_keeps_its_results(tiny_models, background):
    loads = []

    def load():
        loads.append(1)
        return load_pipeline(tiny_models["custom"])

    runner = engines.PipelineRunner(load, reload_after=50, background=background)
    texts = [f"word{i} other{i} Apple in London" for i in range(40)]
    first = runner(texts, 8)
    for _ in range(20):
        if runner.reloads:
            break
        runner(texts, 8)
        time.sleep(0.05)
    assert runner.reloads >= 1 and len(loads) >= 2
    assert [r.spans for r in runner(texts, 8)] == [r.spans for r in first]


def test_the_process_runner_answers_as_the_pipeline_does_and_swaps_in_a_fresh_worker(tiny_ner):
    texts = [f"Zqx{i} Maria Lopez left IBM for $AAPL in Paris." for i in range(40)]
    expected = engines.annotate_texts(load_pipeline(tiny_ner), texts, 8)
    runner = engines.ProcessRunner(tiny_ner, reload_after=30)
    try:
        first_pid = runner.worker.pid
        assert runner.info["pipeline"][-2:] == ["custom_ner_ticker_linker", "custom_ner_entity_confidence"]
        assert runner(texts, 8) == expected
        runner._load_next()  # what a grown worker triggers: the next one loads while the old one serves
        assert runner(texts, 8) == expected and runner.replaced == 1 and runner.worker.pid != first_pid
        assert not process_alive(first_pid)  # the old process exited: all its memory went back
    finally:
        runner.close()


def test_a_worker_is_replaced_when_its_floor_rises_not_at_the_peak_of_a_reload(tiny_models):
    runner = engines.PipelineRunner(lambda: load_pipeline(tiny_models["custom"]), reload_after=0)
    assert runner.growth() == 0.0  # no reload yet: nothing to compare
    runner.settled_mb = [600.0, 640.0, 618.0]  # RSS right after each reload, one pipeline held
    assert runner.growth() == pytest.approx(0.03)


def test_a_worker_that_dies_fails_its_batch_and_is_replaced_for_the_next(tiny_models):
    runner = engines.ProcessRunner(tiny_models["custom"], reload_after=0)
    try:
        victim = runner.worker.pid
        os.kill(victim, signal.SIGKILL)
        runner.worker.process.join(10)
        with pytest.raises(RuntimeError, match=f"worker process {victim} died"):
            runner.worker.run(["Tim Cook"], 8)  # what the batch in flight sees
        assert [s["label"] for s in runner(["Tim Cook in London"], 8)[0].spans] == ["PERSON", "LOC"]
        assert runner.worker.pid != victim
    finally:
        runner.close()


def test_a_model_the_worker_cannot_load_is_a_clear_error(tmp_path):
    with pytest.raises(OSError, match="cannot load model"):
        engines.ProcessRunner(str(tmp_path / "no-such-model"))


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/status") as status:  # a zombie not yet reaped counts as gone
        return "zombie" not in status.read()
