"""PNG plots of the evaluation report, drawn only from report.json's dict."""
from pathlib import Path
from typing import Any, Dict, List

import matplotlib

matplotlib.use("Agg")  # no screen: files only
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..figures import save_figure


def slug(name: str) -> str:
    """A dataset name as a file name part: ``ner_gold-dev`` -> ``ner-gold-dev``."""
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def f1_bars(report: Dict[str, Any], dataset: str, path: Path) -> Path:
    """Per-label F1 per model (labels with gold support, then the micro average)."""
    by_model = report["accuracy"][dataset]
    models = list(by_model)
    first = next(iter(by_model.values()))["spacy"]["per_label"]
    labels = [label for label, v in first.items() if v["support"] > 0]
    groups = [*labels, "micro avg"]
    width = 0.8 / max(len(models), 1)
    fig, ax = plt.subplots(figsize=(max(6, 1.4 * len(groups) + 2), 4))
    x = np.arange(len(groups))
    for i, model in enumerate(models):
        r = by_model[model]["spacy"]
        values = [r["per_label"][label]["f"] * 100 for label in labels] + [r["f"] * 100]
        bars = ax.bar(x + (i - (len(models) - 1) / 2) * width, values, width, label=model)
        ax.bar_label(bars, fmt="%.1f", fontsize=7, padding=1)
    ax.set_xticks(x, groups)
    ax.set_ylim(0, 105)
    ax.set_ylabel("F1 (%)")
    ax.set_title(f"Per-label F1 on {dataset}")
    ax.legend(fontsize=8, loc="lower left")
    return save_figure(fig, path)


def seed_strips(report: Dict[str, Any], path: Path) -> Path:
    """F1 of every seed per label and set (one dot a seed), with the mean ± sd beside it."""
    section = report["seeds"]
    sets = list(section["spread"])
    fig, axes = plt.subplots(1, len(sets), figsize=(3.2 * len(sets) + 1, 3.6), squeeze=False)  # own scale: the spread shows
    for ax, name in zip(axes[0], sets):
        labels = ["all", *[label for label in report["labels"] if label in section["spread"][name]]]
        for x, label in enumerate(labels):
            values = [run["figures"][name][label]["f"] * 100 for run in section["seeds"]
                      if label in run["figures"].get(name, {})]
            ax.scatter([x] * len(values), values, s=14, alpha=0.7, color="tab:blue")
            f = section["spread"][name][label]["f"]
            ax.errorbar(x + 0.22, f["mean"] * 100, yerr=f["sd"] * 100, fmt="_", color="black", capsize=3)
        ax.set_xticks(range(len(labels)), labels, rotation=45, fontsize=8)
        ax.set_title(name, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("F1 (%)")
    fig.suptitle(f"F1 per seed ({section['n_seeds']} seeds; bars: mean ± sd)")
    return save_figure(fig, path)


def confusion(report: Dict[str, Any], dataset: str, path: Path) -> Path:
    """Label confusion heatmaps, one per model: gold (rows, + spurious) vs predicted (columns, + missed)."""
    by_model = report["accuracy"][dataset]
    models = list(by_model)
    fig, axes = plt.subplots(1, len(models), figsize=(4.6 * len(models), 4.4), squeeze=False)
    for ax, model in zip(axes[0], models):
        conf = by_model[model]["errors"]["confusion"]
        matrix = np.array(conf["matrix"], dtype=float)
        ax.imshow(np.log1p(matrix), cmap="Blues")
        for (i, j), value in np.ndenumerate(matrix):
            if value:
                ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=7,
                        color="white" if np.log1p(value) > np.log1p(matrix.max()) * 0.6 else "black")
        ax.set_xticks(range(len(conf["columns"])), conf["columns"], rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(conf["rows"])), conf["rows"], fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(model, fontsize=10)
    fig.suptitle(f"Entity confusion on {dataset} (colour: log count)")
    return save_figure(fig, path)


def training(report: Dict[str, Any], path: Path) -> Path:
    """Dev score and loss per component against the training step, per model."""
    fig, (ax_score, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
    for model, log in report["training"].items():
        ax_score.plot(log["steps"], log["dev_score"], marker=".", label=model)
        for component, losses in log["losses"].items():
            points = [(s, v) for s, v in zip(log["steps"], losses) if v is not None and s > 0]
            if points:
                ax_loss.plot(*zip(*points), marker=".", label=f"{model}: {component}")
    ax_score.set_xlabel("step")
    ax_score.set_ylabel("dev score (ents_f)")
    ax_score.set_title("Dev score")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss since the previous evaluation")
    ax_loss.set_yscale("log")
    ax_loss.set_title("Training loss")
    for ax in (ax_score, ax_loss):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return save_figure(fig, path)


def speed(report: Dict[str, Any], path: Path) -> Path:
    """Words/s per process count, load time and size on disk, per model."""
    models = list(report["speed"])
    n_procs: List[str] = [str(n) for n in report["settings"]["n_process"]]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    x = np.arange(len(models))
    width = 0.8 / max(len(n_procs), 1)
    for i, n in enumerate(n_procs):
        values = [report["speed"][m]["by_n_process"][n]["words_per_second_median"] for m in models]
        bars = axes[0].bar(x + (i - (len(n_procs) - 1) / 2) * width, values, width, label=f"n_process={n}")
        axes[0].bar_label(bars, fmt="%.0f", fontsize=7)
    axes[0].set_ylabel("words/s (median)")
    axes[0].legend(fontsize=8)
    for ax, key, label in ((axes[1], "load_seconds_median", "spacy.load seconds"), (axes[2], "size_on_disk_mb", "size on disk (MB)")):
        bars = ax.bar(x, [report["speed"][m][key] for m in models], color="tab:gray")
        ax.bar_label(bars, fmt="%.1f", fontsize=7)
        ax.set_ylabel(label)
    for ax in axes:
        ax.set_xticks(x, models, rotation=20, ha="right")
    fig.suptitle(f"Speed and size ({report['environment']['cores']} cores, batch {report['settings']['batch_size']})")
    return save_figure(fig, path)


def reliability(report: Dict[str, Any], model: str, path: Path) -> Path:
    """Reliability diagrams of ``model``, one per dataset: accuracy against mean score
    per bin, before (raw) and after calibration, with the entities per bin below."""
    datasets = [d for d, by_model in report["calibration"].items() if model in by_model]
    fig, axes = plt.subplots(2, len(datasets), figsize=(5 * len(datasets), 6.2), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1]})
    for col, dataset in enumerate(datasets):
        summary = report["calibration"][dataset][model]
        ax, ax_n = axes[0][col], axes[1][col]
        ax.plot([0, 1], [0, 1], color="gray", linestyle=":", label="perfect")
        for key, style in (("raw", "o--"), ("calibrated", "s-")):
            points = [(b["mean_score"], b["accuracy"]) for b in summary[key]["bins"] if b["n"]]
            if points:
                ax.plot(*zip(*points), style, label=f"{key} (ECE {summary[key]['ece']:.3f})")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("mean score in bin")
        ax.set_ylabel("share of entities right")
        ax.set_title(f"{model} on {dataset}", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
        ax.grid(alpha=0.3)
        bins = summary["calibrated"]["bins"]
        ax_n.bar([b["lower"] + 0.05 for b in bins], [b["n"] for b in bins], width=0.09, color="tab:orange")
        ax_n.set_yscale("log")
        ax_n.set_xlim(0, 1)
        ax_n.set_xlabel("calibrated score (10 bins)")
        ax_n.set_ylabel("entities")
    fig.suptitle("Reliability of ent._.confidence (an entity is right when span and label match the gold)")
    return save_figure(fig, path)


def thresholds(report: Dict[str, Any], model: str, dataset: str, path: Path) -> Path:
    """Precision (solid) and recall (dashed) per label against the confidence threshold."""
    curves = report["calibration"][dataset][model]["thresholds"]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, (label, c) in enumerate(curves.items()):
        color = "black" if label == "ALL" else f"C{i}"
        for key, style in (("precision", "-"), ("recall", "--")):
            points = [(t, v) for t, v in zip(c["threshold"], c[key]) if v is not None]
            if points:
                ax.plot(*zip(*points), style, color=color, label=f"{label} {key[0].upper()}")
    ax.set_xlabel("threshold (entities scored below it are dropped)")
    ax.set_ylabel("precision / recall")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=3)
    ax.set_title(f"{model} on {dataset}: precision and recall by threshold")
    return save_figure(fig, path)


def external(report: Dict[str, Any], path: Path) -> Path:
    """F1 per model on each external test set, published reference points as dashed lines."""
    sets = report["external"]["sets"]
    models = sorted({m for s in sets.values() for m in s["models"]}, key=lambda m: list(report["models"]).index(m))
    width = 0.8 / max(len(models), 1)
    fig, axes = plt.subplots(1, len(sets), figsize=(3.2 * len(sets) + 1, 4), squeeze=False)
    for ax, (name, s) in zip(axes[0], sets.items()):
        for i, model in enumerate(models):
            value = s["models"].get(model, {}).get("spacy", {}).get("f")
            if value is not None:
                bars = ax.bar((i - (len(models) - 1) / 2) * width, value * 100, width, label=model)
                ax.bar_label(bars, fmt="%.1f", fontsize=7, padding=1)
        for ref in s["references"]:
            ax.axhline(ref["f"] * 100, linestyle="--", linewidth=0.8, color="grey")
            ax.text(0.42, ref["f"] * 100 + 0.8, ref["system"].split(" trained")[0].split(" (")[0], fontsize=6,
                    ha="right", color="dimgrey")
        ax.set_xticks([])
        ax.set_ylim(0, 100)
        ax.set_title(name, fontsize=9)
    axes[0][0].set_ylabel("entity F1 (%)")
    axes[0][-1].legend(fontsize=7, loc="upper right")
    fig.suptitle("External test sets (dashed: published systems trained on the set)", fontsize=9)
    return save_figure(fig, path)


def draw_all(report: Dict[str, Any], out_dir: Path) -> Dict[str, Any]:
    """Every plot of the report; returns their paths relative to ``out_dir``."""
    plots: Dict[str, Any] = {"f1": {}, "confusion": {}}
    for dataset in report["accuracy"]:
        if report["accuracy"][dataset]:
            name = slug(dataset)
            plots["f1"][dataset] = str(f1_bars(report, dataset, out_dir / "plots" / f"f1-{name}.png").relative_to(out_dir))
            plots["confusion"][dataset] = str(confusion(report, dataset, out_dir / "plots" / f"confusion-{name}.png").relative_to(out_dir))
    plots["training"] = str(training(report, out_dir / "plots" / "training.png").relative_to(out_dir)) if report["training"] else None
    plots["speed"] = str(speed(report, out_dir / "plots" / "speed.png").relative_to(out_dir)) if report["speed"] else None
    plots["external"] = (str(external(report, out_dir / "plots" / "external.png").relative_to(out_dir))
                         if (report.get("external") or {}).get("sets") else None)
    plots["seeds"] = (str(seed_strips(report, out_dir / "plots" / "seeds.png").relative_to(out_dir))
                      if report.get("seeds") else None)
    plots["reliability"], plots["thresholds"] = {}, {}
    for model in sorted({m for by_model in report.get("calibration", {}).values() for m in by_model}):
        plots["reliability"][model] = str(reliability(report, model, out_dir / "plots" / f"reliability-{slug(model)}.png")
                                          .relative_to(out_dir))
        for dataset, by_model in report["calibration"].items():
            if model in by_model:
                path = out_dir / "plots" / f"thresholds-{slug(model)}-{slug(dataset)}.png"
                plots["thresholds"].setdefault(model, {})[dataset] = str(thresholds(report, model, dataset, path)
                                                                         .relative_to(out_dir))
    return plots
