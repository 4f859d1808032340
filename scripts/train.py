"""Train a pipeline from a config and record how long it took.

    python scripts/train.py CONFIG OUTPUT_DIR [--gpu-id 0] [--training.max_steps 200 ...]

Extra ``--section.key value`` options override the config, as with
``spacy train``; ``--max-steps``/``--eval-frequency`` are shortcuts (0 keeps
the config's value) that project.yml variables feed. Writes OUTPUT_DIR/model-best, model-last and
train_summary.json (seconds, steps, words, words/s).
"""
from pathlib import Path

import typer
from spacy.cli._util import parse_config_overrides
from custom_ner.cli import fail, msg

from custom_ner.training import choose_device, train

app = typer.Typer(add_completion=False)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def main(
    ctx: typer.Context,
    config_path: Path = typer.Argument(..., exists=True, dir_okay=False, help="Training config (.cfg)"),
    output_dir: Path = typer.Argument(..., help="Output directory for model-best/model-last"),
    gpu_id: int = typer.Option(-1, "--gpu-id", "-g", help="GPU id, -1 for CPU"),
    max_steps: int = typer.Option(0, help="Override training.max_steps (0: as in the config)"),
    eval_frequency: int = typer.Option(0, help="Override training.eval_frequency (0: as in the config)"),
) -> None:
    if max_steps < 0 or eval_frequency < 0:
        fail("--max-steps and --eval-frequency must be >= 0 (0 keeps the config's value)")
    overrides = parse_config_overrides(ctx.args)
    if max_steps:
        overrides["training.max_steps"] = max_steps
    if eval_frequency:
        overrides["training.eval_frequency"] = eval_frequency
    device = choose_device(gpu_id)
    if device != gpu_id:
        msg.warn(f"GPU {gpu_id} is not available (no GPU or no cupy); training on CPU")
    summary = train(config_path, output_dir, use_gpu=device, overrides=overrides)
    msg.good(
        f"Trained {summary['steps']} steps ({summary['words']} words) in {summary['seconds']:.0f} s: "
        f"{summary['words_per_second']:.0f} words/s; best dev score {summary['best_dev_score']}"
    )


if __name__ == "__main__":
    app()
