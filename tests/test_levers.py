"""The lever study's bookkeeping (studies/levers/lever_study.py): runs grouped into
rows with the mean of their seeds, words/s timed in one sitting, the zipped size."""
import zipfile

import spacy
import srsly
from spacy.tokens import DocBin

from lever_study import lever_rows, lever_table, measure_runs_speed, read_runs, zipped_mb


def run(lever, seed, f, words_per_second=None, mb=None):
    scores = {"conll-test": {"f": f, "per_label": {"ORG": f - 0.05}}, "gold-dev": {"f": f + 0.01, "per_label": {}}}
    out = {"lever": lever, "seed": seed, "model": "m", "scores": scores, "train_seconds": 600.0 * (seed + 1)}
    if words_per_second is not None:
        out["speed"] = {"words_per_second": words_per_second}
    if mb is not None:
        out["zipped_mb"] = mb
    return out


def test_a_row_is_the_mean_of_its_seeds_with_every_run_beside_it():
    rows = lever_rows([run("glove", 0, 0.86, 9000, 30.0), run("glove", 1, 0.88, 11000, 30.0), run("floret", 0, 0.84)])
    assert [r["lever"] for r in rows] == ["glove", "floret"]
    glove = rows[0]
    assert glove["CoNLL test"] == {"mean": 0.87, "runs": [0.86, 0.88]} and glove["words_per_second"] == 10000
    assert glove["Tweebank dev"] == {"mean": None, "runs": [None, None]}
    table = lever_table(rows)
    assert "| lever | seeds | CoNLL test |" in table and "| words/s | wheel MB | train min |" in table
    assert "| glove | 0, 1 | **87.0** (86.0 / 88.0) |" in table and "| 10,000 | 30.0 | 15.0 |" in table
    assert table.splitlines()[-1].endswith("| — | — | 10.0 |")  # not timed, not sized


def test_read_runs_puts_the_named_levers_first(tmp_path):
    for name, r in {"a": run("zeta", 0, 0.8), "b": run("alpha", 0, 0.8), "c": run("zeta", 1, 0.8)}.items():
        srsly.write_json(tmp_path / f"{name}.json", r)
    assert [(r["lever"], r["seed"]) for r in read_runs(tmp_path, ["zeta"])] == [("zeta", 0), ("zeta", 1), ("alpha", 0)]


def test_the_zipped_size_is_what_a_zip_of_the_directory_holds(tmp_path):
    (tmp_path / "model" / "vocab").mkdir(parents=True)
    (tmp_path / "model" / "vocab" / "vectors").write_bytes(bytes(range(256)) * 4000)
    (tmp_path / "model" / "meta.json").write_text("{}")
    with zipfile.ZipFile(tmp_path / "m.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.write(tmp_path / "model" / "meta.json", "meta.json")
        z.write(tmp_path / "model" / "vocab" / "vectors", "vocab/vectors")
    assert abs(zipped_mb(tmp_path / "model") - (tmp_path / "m.zip").stat().st_size / 1e6) < 1e-4


def test_speed_times_every_run_in_each_round_and_records_the_median(tmp_path):
    nlp = spacy.blank("en")
    nlp.to_disk(tmp_path / "model")
    DocBin(docs=[nlp("Dell Inc. shares rose, Michael Dell said.")] * 30).to_disk(tmp_path / "texts.spacy")
    runs = tmp_path / "runs"
    runs.mkdir()
    for seed in (0, 1):
        srsly.write_json(runs / f"blank-s{seed}.json", {**run("blank", seed, 0.5), "model": str(tmp_path / "model")})
    rates = measure_runs_speed(runs, tmp_path / "texts.spacy", repeats=3, batch_size=8)
    assert len(rates) == 2
    timed = srsly.read_json(runs / "blank-s0.json")["speed"]
    assert len(timed["runs"]) == 3 and sorted(timed["runs"])[1] == timed["words_per_second"] > 0
