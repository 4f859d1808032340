"""Train a pipeline from a config and record how long it took.

    python scripts/train.py CONFIG OUTPUT_DIR [--gpu-id 0] [--training.max_steps 200 ...]

Extra ``--section.key value`` options override the config, as with ``spacy train``;
``--max-steps``/``--eval-frequency`` are shortcuts (0 keeps the config's value) and
``--overrides "section.key=value ..."`` takes overrides from a project variable. Writes OUTPUT_DIR/model-best, model-last and
train_summary.json (steps, words, seconds, words/s; custom_ner/training/run.py).
"""
from pathlib import Path

import typer

from custom_ner.console import msg
from custom_ner.training.run import config_overrides, train

app = typer.Typer(add_completion=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    config_path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Training config (.cfg)"),
    output_dir: Path = typer.Argument(..., help="Output directory for model-best/model-last"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, -1 for CPU (also where the GPU is missing)"),
    max_steps: int = typer.Option(0, min=0, help="Override training.max_steps (0: as in the config)"),
    eval_frequency: int = typer.Option(0, min=0, help="Override training.eval_frequency (0: as in the config)"),
    overrides: str = typer.Option("", help="More overrides as space-separated section.key=value pairs"),
    mlflow_uri: str = typer.Option("", help="MLflow tracking store (project variable mlflow_uri; empty: $MLFLOW_TRACKING_URI or none)"),
) -> None:
    summary = train(config_path, output_dir, gpu_id, config_overrides(ctx.args, max_steps, eval_frequency, overrides),
                    mlflow_uri=mlflow_uri)
    if summary["gpu_id"] != gpu_id:
        msg.warn(f"GPU {gpu_id} is not available (no GPU or no cupy); trained on CPU")
    msg.good(f"Trained {summary['steps']} steps ({summary['words']} words) in {summary['seconds']:.0f} s: "
             f"{summary['words_per_second']:.0f} words/s; best dev score {summary['best_dev_score']}")


if __name__ == "__main__":
    app()
