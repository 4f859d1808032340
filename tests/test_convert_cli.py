"""The command line as users call it: python scripts/convert.py FORMAT INPUT OUTPUT.spacy."""
import subprocess
import sys

import srsly

from conftest import FIXTURE_DATA, FIXTURES, ROOT


def convert(*args):
    """Run the script from another directory, as a user with their own paths would."""
    label_map = [] if args[0] == "to-jsonl" else ["--label-map", str(ROOT / "configs" / "labels.json")]
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "convert.py"), *map(str, args), *label_map],
        cwd=FIXTURES, capture_output=True, text=True,
    )


def test_strict_mode_exits_non_zero_naming_file_and_line(tmp_path):
    bad = tmp_path / "bad.iob"
    bad.write_text("EU NNP I-NP I-ORG\nrejects VBZ I-VP\n")
    result = convert("iob", bad, tmp_path / "out.spacy")
    assert result.returncode == 1
    assert f"{bad}:2: wrong column count" in result.stderr
    assert not (tmp_path / "out.spacy").exists()


def test_lenient_mode_reports_and_writes_rejects(tmp_path):
    bad = tmp_path / "bad.iob"
    bad.write_text("EU I-ORG\n\nrejects\n\nParis I-LOC\n")
    result = convert("iob", bad, tmp_path / "out.spacy", "--lenient")
    assert result.returncode == 0, result.stderr
    assert "1 bad record(s) skipped" in result.stdout
    assert len(list(srsly.read_jsonl(tmp_path / "out.rejects.jsonl"))) == 1


def test_every_conversion_adds_its_label_counts_to_stats_json(tmp_path):
    stats = tmp_path / "corpus" / "stats.json"
    for args in (
        ("iob", FIXTURE_DATA / "conll2003" / "train.iob", tmp_path / "corpus" / "conll.spacy"),
        ("csv", FIXTURE_DATA / "gmb" / "ner_dataset.csv", tmp_path / "corpus" / "gmb.spacy"),
        ("jsonl", FIXTURE_DATA / "ner_gold" / "train.jsonl", tmp_path / "corpus" / "gold.spacy"),
        ("nemo", FIXTURES / "nemo", tmp_path / "corpus" / "nemo.spacy", "--split", "train"),
    ):
        result = convert(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "TICKER" in result.stdout  # the printed table lists every label
    data = srsly.read_json(stats)
    assert sorted(data) == [str(tmp_path / "corpus" / f"{n}.spacy") for n in ("conll", "gmb", "gold", "nemo")]
    gold = data[str(tmp_path / "corpus" / "gold.spacy")]
    assert gold["format"] == "jsonl" and gold["skipped"] == {"answer=reject": 1}
    assert set(gold) >= {"docs", "sentences", "tokens", "entities", "entities_per_label", "rejected"}
    assert gold["entities_per_label"]["TICKER"] > 0
    assert data[str(tmp_path / "corpus" / "conll.spacy")]["tag_scheme"] == "iob1"
    assert data[str(tmp_path / "corpus" / "gmb.spacy")]["dropped_by_label_map"]["tim"] > 0


def test_docbin_exports_to_nemo_and_prodigy_jsonl(tmp_path):
    spacy_file = tmp_path / "train.spacy"
    assert convert("jsonl", FIXTURE_DATA / "ner_gold" / "train.jsonl", spacy_file).returncode == 0
    result = convert("to-nemo", spacy_file, tmp_path / "nemo")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "nemo").iterdir()) == ["label_ids.csv", "labels_train.txt", "text_train.txt"]
    assert convert("to-jsonl", spacy_file, tmp_path / "out.jsonl").returncode == 0
    records = list(srsly.read_jsonl(tmp_path / "out.jsonl"))
    assert len(records) == 36 and any(s["label"] == "TICKER" for r in records for s in r["spans"])


def test_missing_input_is_a_clear_error(tmp_path):
    result = convert("jsonl", tmp_path / "nope.jsonl", tmp_path / "out.spacy")
    assert result.returncode == 1 and f"{tmp_path / 'nope.jsonl'}: file not found" in result.stderr
