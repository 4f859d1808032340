"""REST service (custom_ner.service) with FastAPI's TestClient, and the load script."""
import json
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future

import pytest
import srsly
from fastapi.testclient import TestClient

import custom_ner.apps.service as service
from custom_ner.apps.engines import PipelineRunner, ProcessRunner, annotate_texts
from custom_ner.apps.servers import free_port, start_server
from custom_ner.apps.service import Combiner, Limits, create_app
from custom_ner.loading import load_pipeline

from conftest import ROOT, TINY_TEXTS, wait_ready

LIMITS = Limits(max_texts=4, max_chars=200, max_body_bytes=2_000, batch_size=8)
ODD_TEXTS = ["", " ", "\x00\x01\x07\x1b[31m", "\u202eAAPL\u202c", "\ufeffApple", "e\u0301\u0301\u0301",
             "\U0001F469\u200d\U0001F4BB $AMD \U0001F680", "\r\n\t\v\f", "\u2028London\u2029", "\U000E0001"]


@pytest.fixture(scope="module")
def client(tiny_models):
    with TestClient(create_app(tiny_models["custom"], LIMITS)) as c:
        wait_ready(c)
        yield c


def post(client, raw: bytes):
    return client.post("/ents", content=raw, headers={"content-type": "application/json"})


def test_ents_returns_entities_per_text_with_kb_id(client):
    response = client.post("/ents", json={"texts": TINY_TEXTS})
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "en_custom_ner_tiny"
    assert [r["text"] for r in body["results"]] == TINY_TEXTS
    assert {"text": "AAPL", "start": 15, "end": 19, "label": "TICKER", "kb_id": "NASDAQ:AAPL", "score": None} in body["results"][0]["ents"]
    assert {"text": "Tim Cook", "start": 35, "end": 43, "label": "PERSON", "kb_id": None, "score": None} in body["results"][0]["ents"]
    assert body["results"][2]["ents"] == []


def test_health_model_and_openapi_docs(client):
    assert client.get("/health").json() == {"status": "ok", "model": "en_custom_ner_tiny"}
    info = client.get("/model").json()
    assert info["name"] == "en_custom_ner_tiny" and info["version"] == "0.0.1"
    assert info["labels"] == ["LOC", "ORG", "PERSON", "TICKER"] and info["scores"] == {"ents_f": 0.5, "ents_p": 0.5, "ents_r": 0.5}
    assert info["pipeline"] == ["entity_ruler", "custom_ner_ticker_linker"]
    assert client.get("/docs").status_code == 200
    assert "/ents" in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_unicode_empty_and_control_characters_never_crash(client, text):
    response = client.post("/ents", json={"texts": [text]})
    assert response.status_code == 200
    result = response.json()["results"][0]
    assert result["text"] == text
    assert all(text[e["start"]:e["end"]] == e["text"] for e in result["ents"])
    assert client.get("/health").status_code == 200


def test_limits_give_413_or_422_with_a_json_error(client):
    too_many = client.post("/ents", json={"texts": ["a"] * 5})
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["msg"] == "List should have at most 4 items after validation, not 5"
    too_long = client.post("/ents", json={"texts": ["ok", "a" * 201]})
    assert too_long.status_code == 422
    assert too_long.json() == {"error": "invalid request", "detail": [
        {"loc": ["body", "texts", 1], "msg": "String should have at most 200 characters", "type": "string_too_long"}]}
    big = post(client, json.dumps({"texts": ["a" * 150] * 20}).encode())
    assert big.status_code == 413
    assert big.json()["error"] == "request body too large" and "2,000 bytes" in big.json()["detail"]
    chunked = client.post("/ents", content=(b"x" * 500 for _ in range(10)), headers={"content-type": "application/json"})
    assert chunked.status_code == 413


@pytest.mark.parametrize("raw, reason", [
    (b'{"texts": [', "json_invalid"), (b"\xff\xfe", "json_invalid"), (b'{"texts": "one"}', "list_type"),
    (b'{"texts": [1]}', "string_type"), (b'{"text": ["a"]}', "missing"), (b'{"texts": ["\\ud800"]}', "string_unicode"),
])
def test_invalid_json_and_bodies_are_422_naming_the_problem(client, raw, reason):
    response = post(client, raw)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid request"
    assert response.json()["detail"][0]["type"] == reason


def test_unknown_routes_and_methods_are_json_errors(client):
    assert client.get("/nope").json() == {"error": "Not Found", "detail": None}
    assert client.get("/ents").status_code == 405


def test_concurrent_requests_get_their_own_results(tiny_models):
    nlp = load_pipeline(tiny_models["custom"])
    combine = Combiner(PipelineRunner(lambda: nlp, 0, nlp=nlp), batch_size=4)
    texts = [[TINY_TEXTS[i % 3] + " x" * (i % 5)] * (1 + i % 3) for i in range(64)]
    expected = [[[(s["start"], s["label"]) for s in r.spans] for r in combine(t)] for t in texts]
    got = [None] * len(texts)

    def call(i):
        got[i] = [[(s["start"], s["label"]) for s in r.spans] for r in combine(texts[i])]

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_a_failing_text_fails_only_its_own_request(tiny_models):
    nlp = load_pipeline(tiny_models["custom"])

    def flaky(texts, batch_size):
        if "boom" in texts:
            raise RuntimeError("bad text")
        return annotate_texts(nlp, texts, batch_size)

    combine = Combiner(flaky, 8)
    items = [{"texts": ["boom"], "future": Future(), "queued": 0.0}, {"texts": ["London"], "future": Future(), "queued": 0.0}]
    combine._run(items)  # both were queued together, as by two requests
    with pytest.raises(RuntimeError, match="bad text"):
        items[0]["future"].result(timeout=0)
    assert items[1]["future"].result(timeout=0)[0].spans[0]["label"] == "LOC"
    assert set(items[1]["future"].timing) == {"queue", "infer"}
    combine.close()


def test_load_script_reports_throughput_and_latency_with_no_errors(tiny_models, tmp_path, write):
    texts = write("texts.txt", "\n".join(TINY_TEXTS) + "\n")
    result = subprocess.run([sys.executable, "scripts/load_test.py", str(tmp_path / "load"), "--model", tiny_models["custom"],
                             "--texts", str(texts), "--requests", "40", "--concurrency", "1", "--concurrency", "8",
                             "--time-limit", "60", "--warmup", "2"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    report = srsly.read_json(tmp_path / "load" / "load.json")
    assert [(lv["concurrency"], lv["ok"], lv["errors"]) for lv in report["levels"]] == [(1, 40, 0), (8, 40, 0)]
    assert all(lv["requests_per_s"] > 0 and lv["p99_ms"] >= lv["p50_ms"] for lv in report["levels"])
    assert (tmp_path / "load" / "load.png").exists() and "| 8 | 40 | 0 |" in (tmp_path / "load" / "load.md").read_text()


def test_load_script_refuses_addresses_that_are_not_loopback(tmp_path, write):
    texts = write("texts.txt", "a\n")
    result = subprocess.run([sys.executable, "scripts/load_test.py", str(tmp_path), "--url", "http://10.0.0.1:8000",
                             "--texts", str(texts)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "only loopback addresses" in result.stderr


def test_ents_reports_queue_and_inference_time_in_server_timing(client):
    response = client.post("/ents", json={"texts": ["Apple in London"]})
    parts = dict(p.strip().split(";dur=") for p in response.headers["server-timing"].split(","))
    assert set(parts) == {"queue", "infer", "total"} and float(parts["total"]) >= float(parts["infer"]) >= 0


def test_health_answers_while_the_model_loads_and_ready_waits_for_it(tiny_models, monkeypatch):
    release = threading.Event()

    def slow_runner(*args):  # the worker process loads the model: hold its start back
        release.wait(30)
        return ProcessRunner(*args)

    monkeypatch.setattr(service, "ProcessRunner", slow_runner)
    with TestClient(create_app(tiny_models["custom"], LIMITS)) as c:
        assert c.get("/health").json() == {"status": "ok", "model": None}
        for path in ("/ready", "/model"):
            assert c.get(path).status_code == 503 and c.get(path).json()["detail"] == "the model is still loading"
        assert c.post("/ents", json={"texts": ["London"]}).status_code == 503
        release.set()
        wait_ready(c)
        assert c.post("/ents", json={"texts": ["London"]}).json()["results"][0]["ents"][0]["label"] == "LOC"


def test_a_model_that_cannot_load_fails_health_and_ready(tmp_path):
    with TestClient(create_app(str(tmp_path / "missing"), LIMITS)) as c:
        deadline = time.time() + 30
        while c.get("/health").status_code == 200 and time.time() < deadline:
            time.sleep(0.05)
        assert c.get("/health").status_code == 500 and "cannot load model" in c.get("/health").json()["detail"]
        assert c.get("/ready").status_code == 503


def test_serve_exits_1_when_the_model_cannot_load(tmp_path):
    result = subprocess.run([sys.executable, "scripts/serve.py", "--model", str(tmp_path / "missing"), "--port",
                             str(free_port())], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1 and "cannot load model" in result.stderr


SLOW_SERVER = """
import sys, time
import spacy
from spacy.language import Language
from custom_ner.apps.service import create_app, run_server

@Language.component("slow_test_component")
def slow(doc):
    time.sleep(2.0 if "slow" in doc.text else 0)
    return doc

nlp = spacy.blank("en")
nlp.add_pipe("slow_test_component")
sys.exit(run_server(create_app("slow", nlp=nlp), port=int(sys.argv[1]), log_level="warning", drain_timeout=20))
"""


def test_sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_0(tmp_path):
    import httpx

    script = tmp_path / "slow_server.py"
    script.write_text(SLOW_SERVER, encoding="utf-8")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server([sys.executable, str(script), str(port)], f"{url}/ready", timeout=120)
    try:
        in_flight = {}
        thread = threading.Thread(target=lambda: in_flight.update(
            response=httpx.post(f"{url}/ents", json={"texts": ["a slow text"]}, timeout=30)))
        thread.start()
        time.sleep(0.5)  # the slow request is being processed
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        refused = httpx.post(f"{url}/ents", json={"texts": ["new"]}, timeout=10)
        assert refused.status_code == 503 and refused.json()["error"] == "shutting down"
        assert httpx.get(f"{url}/ready", timeout=10).status_code == 503
        assert httpx.get(f"{url}/health", timeout=10).status_code == 200
        thread.join(30)
        assert in_flight["response"].status_code == 200
        assert in_flight["response"].json()["results"] == [{"text": "a slow text", "ents": []}]
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()


def test_soak_script_records_the_server_rss_over_time(tiny_models, tmp_path):
    result = subprocess.run([sys.executable, "scripts/soak_test.py", str(tmp_path / "soak"), "--model",
                             tiny_models["custom"], "--texts", "400", "--warmup", "40", "--every", "0.2"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    report = srsly.read_json(tmp_path / "soak" / "soak.json")
    assert (report["texts"], report["warmup_texts"], report["errors"]) == (400, 40, 0)
    assert report["rss_after_warmup_mb"] > 0 and report["samples"][-1]["texts"] == 440
    assert (tmp_path / "soak" / "soak.png").exists() and "growth after warm-up" in (tmp_path / "soak" / "soak.md").read_text()


def test_soak_trace_gives_each_tenth_its_floor_and_peak_and_the_floors_slope():
    from custom_ner.apps.soak import SoakOptions, random_texts, slope_pct, tenths

    # a reload every 5 texts: a peak of +100 MB for one sample, the floor rising 1 MB a tenth
    samples = [{"texts": n, "rss_mb": 500 + n // 10 + (100 if n % 5 == 0 else 0)} for n in range(1, 101)]
    trace = tenths(samples, 0, 100)
    assert [t["floor_mb"] for t in trace] == [500 + k for k in range(10)]
    assert trace[0]["peak_mb"] == 601 and trace[-1]["texts"] == 100
    assert slope_pct(trace[4:], per_texts=10) == 0.198  # +1 MB per 10 texts on a 504 MB floor
    texts = random_texts(random.Random(0), 3, 12, "mixed")
    assert all(w[0].isupper() == (i % 3 == 0) and 4 <= len(w) <= 12 for t in texts for i, w in enumerate(t.split()))
    with pytest.raises(ValueError, match="--case"):
        SoakOptions(case="title").check()


def test_soak_script_refuses_addresses_that_are_not_loopback(tmp_path):
    result = subprocess.run([sys.executable, "scripts/soak_test.py", str(tmp_path), "--url", "http://10.0.0.1:8000",
                             "--pid", "1"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "only loopback addresses" in result.stderr
