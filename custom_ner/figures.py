"""Saving matplotlib figures as PNG, the one way every plot of the project is written
(the evaluation report's and the apps' benchmarks'); headless, files only."""
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen: files only
import matplotlib.pyplot as plt  # noqa: E402


def save_figure(fig: Any, path: Path) -> Path:
    """Lay out, save as PNG and close ``fig``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
