"""Outputs are written whole or not at all (custom_ner/data/files.py)."""
import pytest
import srsly

from custom_ner.data.files import write_json, write_jsonl, write_text


def test_each_writer_makes_the_parents_and_reads_back(tmp_path):
    out = tmp_path / "a" / "b"
    assert srsly.read_json(write_json(out / "x.json", {"f": 0.5})) == {"f": 0.5}
    assert list(srsly.read_jsonl(write_jsonl(out / "x.jsonl", ({"n": i} for i in range(3))))) == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert write_text(out / "x.md", "Müller\n").read_text(encoding="utf8") == "Müller\n"
    assert sorted(p.name for p in out.iterdir()) == ["x.json", "x.jsonl", "x.md"]


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = write_jsonl(tmp_path / "tasks.jsonl", [{"n": 1}])

    def records():
        yield {"n": 2}
        raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError, match="killed halfway"):
        write_jsonl(path, records())
    assert list(srsly.read_jsonl(path)) == [{"n": 1}]
    assert [p.name for p in tmp_path.iterdir()] == ["tasks.jsonl"]
