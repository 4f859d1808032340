"""REST service (custom_ner.service) with FastAPI's TestClient, and the load script."""
import json
import subprocess
import sys
import threading

import pytest
import srsly
from fastapi.testclient import TestClient

from custom_ner.loading import load_pipeline
from custom_ner.apps.service import Combiner, Limits, create_app

from conftest import ROOT, TINY_TEXTS

LIMITS = Limits(max_texts=4, max_chars=200, max_body_bytes=2_000, batch_size=8)
ODD_TEXTS = ["", " ", "\x00\x01\x07\x1b[31m", "\u202eAAPL\u202c", "\ufeffApple", "e\u0301\u0301\u0301",
             "\U0001F469\u200d\U0001F4BB $AMD \U0001F680", "\r\n\t\v\f", "\u2028London\u2029", "\U000E0001"]


@pytest.fixture(scope="module")
def client(tiny_models):
    with TestClient(create_app(tiny_models["custom"], LIMITS)) as c:
        yield c


def post(client, raw: bytes):
    return client.post("/ents", content=raw, headers={"content-type": "application/json"})


def test_ents_returns_entities_per_text_with_kb_id(client):
    response = client.post("/ents", json={"texts": TINY_TEXTS})
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "en_custom_ner_tiny"
    assert [r["text"] for r in body["results"]] == TINY_TEXTS
    assert {"text": "AAPL", "start": 15, "end": 19, "label": "TICKER", "kb_id": "NASDAQ:AAPL"} in body["results"][0]["ents"]
    assert {"text": "Tim Cook", "start": 35, "end": 43, "label": "PERSON", "kb_id": None} in body["results"][0]["ents"]
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
    combine = Combiner(nlp, batch_size=4)
    texts = [[TINY_TEXTS[i % 3] + " x" * (i % 5)] * (1 + i % 3) for i in range(64)]
    expected = [[[(s["start"], s["label"]) for s in spans] for spans in combine(t)] for t in texts]
    got = [None] * len(texts)

    def call(i):
        got[i] = [[(s["start"], s["label"]) for s in spans] for spans in combine(texts[i])]

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_a_failing_text_fails_only_its_own_request(tiny_models):
    nlp = load_pipeline(tiny_models["custom"])

    class Flaky:
        def pipe(self, texts, batch_size):
            if "boom" in texts:
                raise RuntimeError("bad text")
            return nlp.pipe(texts, batch_size=batch_size)

    items = [{"texts": ["boom"], "done": threading.Event()}, {"texts": ["London"], "done": threading.Event()}]
    Combiner(Flaky(), 8)._run(items)  # both were queued together, as by two threads
    assert isinstance(items[0]["error"], RuntimeError) and "spans" not in items[0]
    assert items[1]["spans"][0][0]["label"] == "LOC"
    assert all(it["done"].is_set() for it in items)


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
