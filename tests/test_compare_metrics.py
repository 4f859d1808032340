"""Comparing two runs' metrics: timings are left out, every other figure must agree."""
import pytest
import srsly

from custom_ner.evaluation.compare_metrics import compare_metrics, differences


def run(root, ents_f, speed, per_type_f=0.9):
    (root / "metrics").mkdir(parents=True)
    srsly.write_json(root / "metrics" / "cpu-conll-test.json",
                     {"ents_f": ents_f, "speed": speed, "ents_per_type": {"ORG": {"p": 0.9, "r": 0.9, "f": per_type_f}}})
    srsly.write_json(root / "metrics" / "report.json", {"environment": {"date": str(speed)}, "accuracy": {"f": ents_f}})
    return root


def test_runs_that_differ_only_in_timings_have_no_differences(tmp_path):
    first, second = run(tmp_path / "a", 0.84, 10000.0), run(tmp_path / "b", 0.84, 12345.0)
    assert compare_metrics(first, second) == {"metrics/cpu-conll-test.json": [], "metrics/report.json": []}


def test_a_changed_figure_is_named_with_its_path_and_values(tmp_path):
    first, second = run(tmp_path / "a", 0.84, 1.0), run(tmp_path / "b", 0.84, 1.0, per_type_f=0.8)
    assert compare_metrics(first, second)["metrics/cpu-conll-test.json"] == ["/ents_per_type/ORG/f: 0.9 -> 0.8"]
    assert differences({"a": [1, 2]}, {"a": [1, 2, 3]}) == ["/a: [1, 2] -> [1, 2, 3]"]
    assert differences({"a": 1}, {"b": 1}) == ["/a: only in the first run", "/b: only in the second run"]
    assert differences({"notes": "F 84.1\nspeed: 9000 words/s"}, {"notes": "F 84.2\nspeed: 9500 words/s"}) == [
        "/notes line 1: 'F 84.1' -> 'F 84.2'"]


def test_a_missing_file_and_the_same_directory_are_reported(tmp_path):
    first = run(tmp_path / "a", 0.84, 1.0)
    (tmp_path / "b" / "metrics").mkdir(parents=True)
    assert compare_metrics(first, tmp_path / "b")["metrics/report.json"] == ["missing in the second run"]
    with pytest.raises(ValueError, match="another run"):
        compare_metrics(first, first)
