"""The seed spread (custom_ner/evaluation/seeds.py) and how compare-metrics judges a
moved figure against it."""
import pytest
import srsly

from custom_ner.evaluation.compare_metrics import CHANGED, NOISE, compare_metrics, figure_of
from custom_ner.evaluation.seeds import read_spread, seed_spread, seeds_result, stats, within_noise, write_seeds


def runs(fs):
    return [{"seed": i, "figures": {"conll2003-test": {"all": {"p": f, "r": f, "f": f},
                                                        "ORG": {"p": f, "r": f, "f": f - 0.05}}}}
            for i, f in enumerate(fs)]


def test_the_spread_is_mean_sample_sd_min_and_max_per_set_label_and_metric():
    spread = seed_spread(runs([0.86, 0.87, 0.88]))
    f = spread["conll2003-test"]["all"]["f"]
    assert f["n"] == 3 and f["mean"] == pytest.approx(0.87) and f["sd"] == pytest.approx(0.01)
    assert (f["min"], f["max"]) == (0.86, 0.88)
    assert spread["conll2003-test"]["ORG"]["f"]["mean"] == pytest.approx(0.82)
    assert stats([0.5]) == {"mean": 0.5, "sd": 0.0, "min": 0.5, "max": 0.5, "n": 1}


def test_a_move_within_twice_the_sd_is_noise():
    spread = {"sd": 0.005}
    assert within_noise(0.870, 0.879, spread) and not within_noise(0.870, 0.881, spread)


def test_the_seeds_file_is_written_whole_and_read_back(tmp_path):
    config = tmp_path / "cpu.cfg"
    config.write_text("[x]\n")
    write_seeds(tmp_path / "m" / "seeds.json", seeds_result(config, runs([0.8, 0.9]), {"cpu": "test"}))
    data = read_spread(tmp_path / "m" / "seeds.json")
    assert data["n_seeds"] == 2 and len(data["config_sha256"]) == 64 and data["machine"] == {"cpu": "test"}
    assert read_spread(tmp_path / "missing.json") is None
    srsly.write_json(tmp_path / "bad.json", {"seeds": []})
    with pytest.raises(ValueError, match="bad.json"):
        read_spread(tmp_path / "bad.json")


def test_figures_of_metrics_files_and_the_report_are_found_in_the_spread():
    sets = ["conll2003-test", "ner_gold-dev"]
    assert figure_of("metrics/cpu-conll-test.json", "/ents_f", sets) == ("conll2003-test", "all", "f")
    assert figure_of("metrics/cpu-gold-dev.json", "/ents_per_type/ORG/p", sets) == ("ner_gold-dev", "ORG", "p")
    assert figure_of("metrics/report.json", "/accuracy/conll2003-test/cpu/spacy/per_label/LOC/r", sets) == (
        "conll2003-test", "LOC", "r")
    assert figure_of("metrics/cpu-conll-test.json", "/n_words", sets) is None
    assert figure_of("metrics/ticker-rules.json", "/f", sets) is None


def test_compare_metrics_says_which_moves_are_seed_noise_and_which_are_changes(tmp_path):
    for name, f, org in (("a", 0.870, 0.82), ("b", 0.874, 0.85)):
        (tmp_path / name / "metrics").mkdir(parents=True)
        srsly.write_json(tmp_path / name / "metrics" / "cpu-conll-test.json",
                         {"ents_f": f, "ents_per_type": {"ORG": {"f": org}}, "speed": 1.0})
    seeds = {"spread": seed_spread(runs([0.866, 0.870, 0.874]))}  # sd 0.004
    diffs = compare_metrics(tmp_path / "a", tmp_path / "b", seeds=seeds)["metrics/cpu-conll-test.json"]
    assert diffs[0].startswith("/ents_f: 0.87 -> 0.874") and f"({NOISE}:" in diffs[0]
    assert diffs[1].startswith("/ents_per_type/ORG/f: 0.82") and f"({CHANGED}:" in diffs[1]
    plain = compare_metrics(tmp_path / "a", tmp_path / "b")["metrics/cpu-conll-test.json"]
    assert len(plain) == 2 and not any("(" in d for d in plain)  # no spread: no verdict
