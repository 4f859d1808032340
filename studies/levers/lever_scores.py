"""Score one lever run, or draw the lever table from all of them.

    python studies/levers/lever_scores.py score training/levers/social-s0/model-best metrics/levers \
        --lever "+ Tweebank and WNUT-17 train" --seed 0 \
        --data conll-test=corpus/test/conll-test.spacy --data gold-dev=corpus/dev/gold-dev.spacy \
        --external tweebank-dev=corpus/external/tweebank-dev.spacy --external wnut17-dev=corpus/external/wnut17-dev.spacy
    python studies/levers/lever_scores.py speed metrics/levers corpus/test/conll-test.spacy --repeats 3
    python studies/levers/lever_scores.py table metrics/levers --output metrics/levers.md

Each run is one JSON (lever, seed, training seconds from the run's train_summary.json,
scores, zipped size; words/s once `speed` has timed every run in one sitting); the
table is the mean of the seeds with every run beside it (lever_study.py).
"""
from pathlib import Path
from typing import List, Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.data.files import write_text
from custom_ner.data.labels import DEFAULT_LABEL_MAP, LabelMap
from custom_ner.evaluation.model_source import parse_named
from lever_study import lever_rows, lever_table, measure_runs_speed, read_runs, save_run, score_model

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.command("score")
def score_cli(
    model: Path = typer.Argument(..., exists=True, help="The trained pipeline (RUN/model-best)"),
    out_dir: Path = typer.Argument(..., help="Directory of the run JSONs"),
    lever: str = typer.Option(..., help="The lever's row name"),
    seed: int = typer.Option(..., help="The seed the run was trained with"),
    data: List[str] = typer.Option([], "--data", help="NAME=DocBin scored with our labels (repeat)"),
    external: List[str] = typer.Option([], "--external", help="NAME=DocBin scored as the external scorecard does"),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP, help="Label map (configs/labels.json)"),
    scheme: str = typer.Option("external", help="Label map scheme for the external sets (configs/external.json's)"),
) -> None:
    try:
        labels = LabelMap.from_file(label_map)
        sets = {n: Path(p) for n, p in parse_named(data, "--data")}
        ext = {n: Path(p) for n, p in parse_named(external, "--external")}
        scores = score_model(model, sets, ext, labels.scheme(scheme), labels.labels)
    except (ValueError, OSError) as err:
        fail(err)
    out = save_run(model, out_dir, lever, seed, scores)
    msg.good(f"{lever} (seed {seed}): " + ", ".join(f"{n} {s['f']:.4f}" for n, s in scores.items()) + f" -> {out}")


@app.command("speed")
def speed_cli(
    runs_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Directory of the run JSONs"),
    data: Path = typer.Argument(..., exists=True, dir_okay=False, help="DocBin whose texts are timed"),
    repeats: int = typer.Option(3, min=1, help="Rounds; each times every model once (median kept)"),
) -> None:
    try:
        rates = measure_runs_speed(runs_dir, data, repeats)
    except (ValueError, OSError) as err:
        fail(err)
    for run, rate in rates.items():
        msg.info(f"{run}: {rate:,.0f} words/s")
    msg.good(f"Timed {len(rates)} runs on {data} ({repeats} rounds, one sitting)")


@app.command("table")
def table_cli(
    runs_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="Directory of the run JSONs"),
    output: Optional[Path] = typer.Option(None, help="Write the markdown table here too"),
    order: List[str] = typer.Option([], "--lever", help="Levers in the table's order (repeat; others follow)"),
) -> None:
    text = lever_table(lever_rows(read_runs(runs_dir, order)))
    print(text)
    if output is not None:
        write_text(output, text)
        msg.good(f"Saved {output}")


if __name__ == "__main__":
    app()
