"""Train one configuration with several seeds and write the spread of its figures.

    python scripts/seeds.py configs/cpu.cfg training/seeds metrics/seeds.json --n-seeds 3 \
        --symbols corpus/symbols.json --data conll2003-test=corpus/test/conll-test.spacy \
        --external tweebank-dev=corpus/external/tweebank-dev.spacy --paths.train corpus/train ...

Each seed trains as scripts/train.py does (extra --section.key value options are config
overrides), gets the TICKER linker and is scored; metrics/seeds.json holds every seed's
figures and their mean, sd, min and max (custom_ner/evaluation/seeds.py).
"""
from pathlib import Path
from typing import List

import typer

from custom_ner.console import fail, msg
from custom_ner.data.labels import DEFAULT_LABEL_MAP, LabelMap
from custom_ner.evaluation.model_source import parse_named
from custom_ner.evaluation.seed_runs import SeedOptions, train_seeds
from custom_ner.evaluation.seeds import seeds_result, write_seeds
from custom_ner.machine import machine
from custom_ner.training.run import config_overrides

app = typer.Typer(add_completion=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    config: Path = typer.Argument(..., exists=True, dir_okay=False, help="Training config (.cfg)"),
    out_dir: Path = typer.Argument(..., help="Training directory: one s<seed>/ per seed"),
    output: Path = typer.Argument(..., help="The seeds JSON (metrics/seeds.json)"),
    n_seeds: int = typer.Option(3, min=2, help="Seeds 0..N-1 (two at least: one run has no spread)"),
    jobs: int = typer.Option(1, min=1, help="Seeds trained at a time, each in its own process"),
    symbols: Path = typer.Option(..., exists=True, help="Symbol table of the TICKER linker (corpus/symbols.json)"),
    data: List[str] = typer.Option([], "--data", help="NAME=DocBin scored with our labels (repeat)"),
    external: List[str] = typer.Option([], "--external", help="NAME=DocBin scored as the external scorecard does"),
    max_steps: int = typer.Option(0, min=0, help="Override training.max_steps (0: as in the config)"),
    eval_frequency: int = typer.Option(0, min=0, help="Override training.eval_frequency (0: as in the config)"),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP, help="Label map (configs/labels.json)"),
    mlflow_uri: str = typer.Option("", help="MLflow tracking store of the seeds' trainings (empty: none)"),
) -> None:
    try:
        labels = LabelMap.from_file(label_map)
        options = SeedOptions(config=config, out_dir=out_dir, symbols=symbols,
                              data={n: Path(p) for n, p in parse_named(data, "--data")},
                              external={n: Path(p) for n, p in parse_named(external, "--external")},
                              overrides=config_overrides(ctx.args, max_steps, eval_frequency),
                              mapping=labels.scheme("external"), labels=tuple(labels.labels), mlflow_uri=mlflow_uri)
        runs = train_seeds(options, list(range(n_seeds)), jobs)
    except (ValueError, OSError) as err:
        fail(err)
    result = seeds_result(config, runs, machine())
    write_seeds(output, result)
    for name, spread in result["spread"].items():
        f = spread["all"]["f"]
        msg.info(f"{name}: F {f['mean']:.4f} ± {f['sd']:.4f} (min {f['min']:.4f}, max {f['max']:.4f}, {f['n']} seeds)")
    msg.good(f"Saved {output}")


if __name__ == "__main__":
    app()
