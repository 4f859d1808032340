"""report.md, rendered from report.json's dict and nothing else: it computes nothing,
so every figure a reader sees can be found in report.json (a test checks it)."""
from typing import Any, Callable, Dict, List, Optional, Sequence

from .analysis import ERROR_KINDS
from .plots import slug

Report = Dict[str, Any]


# --- formatting: the only ways report.md writes numbers (tests rely on this list) ---
def pct(x: Optional[float]) -> str:
    return "—" if x is None else f"{x * 100:.2f}"


def num(x: Optional[float], digits: int = 0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def ratio(x: Optional[float]) -> str:
    return "—" if x is None else f"{x:.2f}×"


FORMATTERS: List[Callable[[float], str]] = [pct, num, lambda x: num(x, 1), lambda x: num(x, 2), lambda x: num(x, 4), ratio]


def spread(x: Optional[Dict[str, float]]) -> str:
    """A seed spread as 'mean ± sd' in percent."""
    return "—" if not x else f"{pct(x['mean'])} ± {pct(x['sd'])}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> List[str]:
    align = align or "l" + "r" * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines + [""]


def render_markdown(report: Report) -> str:
    sections = (header, models, seeds, accuracy, external, slices, confidence, errors, training, speed, compare)
    return "\n".join(line for section in sections for line in section(report))


def header(report: Report) -> List[str]:
    env = report["environment"]
    return [
        f"# {report['title']}",
        "",
        f"Written {env['date']}. Made with `{report['commands']['project']}`, which runs:",
        "",
        f"```\n{report['commands']['script']}\n```",
        "",
        f"Machine: {env['cpu']}, {env['cores']} cores, {env['platform']}, Python {env['python']}; {env['device']}.",
        f"Matrix kernels: {env.get('kernels', 'not recorded')} (figures repeat byte for byte on one machine; "
        "another CPU type lands within the seed spread: docs/reproducibility.md).",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v) + ".",
        "",
        "Every figure below is in `report.json`; plots are in `plots/`, the displaCy comparison in `compare.html`.",
        "",
    ]


def models(report: Report) -> List[str]:
    lines = ["## Models", ""]
    rows = []
    for name, m in report["models"].items():
        comps = ", ".join(m["components"]) + (f" (not run: {', '.join(m['components_not_run'])})" if m["components_not_run"] else "")
        mapping = "OntoNotes labels mapped to ours" if m["label_mapping"] else "own labels"
        rows.append([f"**{name}**", f"`{m['source']}`", m["kind"], f"{m['pipeline']} {m['version']}", comps, mapping])
    lines += table(["model", "source", "kind", "pipeline", "components", "labels"], rows, "llllll")
    for miss in report["missing_models"]:
        lines.append(f"- not found, so not in this report: **{miss['name']}** (`{miss['source']}`): {miss['reason']}")
    if report["missing_models"]:
        lines.append("")
    grouped: Dict[str, List[str]] = {}
    for source, target in report["label_scheme"]["mapping"].items():
        grouped.setdefault(target or "dropped", []).append(source)
    return lines + ["Base model label mapping: " + "; ".join(f"{'/'.join(v)} → {k}" for k, v in grouped.items())
                    + "; TICKER absent.", ""]


def seeds(report: Report) -> List[str]:
    """The seed spread of the CPU configuration (metrics/seeds.json), or how to get it."""
    lines = ["## Seed spread", ""]
    section = report.get("seeds")
    if not section:
        return lines + ["No seed spread measured yet: `python -m spacy project run seeds` trains the CPU "
                        "configuration with several seeds (`--vars.n_seeds`) and shows every headline figure "
                        "here as mean ± sd.", ""]
    n, labels = section["n_seeds"], report["labels"]
    if section["stale"]:
        lines += [f"**Stale:** {section['config']} has changed since these {n} seeds were trained; "
                  "rerun `python -m spacy project run seeds`.", ""]
    lines += [f"The CPU configuration (`{section['config']}`) trained with {n} seeds, each with the TICKER linker: "
              "mean ± sd (sample sd) over the seeds, in percent. A change smaller than about twice the sd "
              "is seed noise (`compare-metrics` says which moves are).", ""]
    rows = [[name, spread(by_label["all"]["f"]), *[spread(by_label.get(label, {}).get("f")) for label in labels],
             f"{pct(by_label['all']['f']['min'])}–{pct(by_label['all']['f']['max'])}"]
            for name, by_label in section["spread"].items()]
    lines += table(["set", "F1", *labels, "min–max"], rows)
    rows = [[name, spread(s["all"]["p"]), spread(s["all"]["r"]), spread(s["all"]["f"])]
            for name, s in section["spread"].items()]
    lines += table(["set", "P", "R", "F1"], rows)
    if (report.get("plots") or {}).get("seeds"):
        lines += [f"![F1 of each seed per label]({report['plots']['seeds']})", ""]
    return lines


def seed_line(report: Report, dataset: str) -> List[str]:
    """The headline figures of ``dataset`` over the seeds, where the seed spread has them."""
    section = report.get("seeds") or {}
    figures = (section.get("spread") or {}).get(dataset)
    if not figures:
        return []
    stale = " (stale: the config has changed since)" if section["stale"] else ""
    return [f"CPU configuration over {section['n_seeds']} seeds{stale}: F1 **{spread(figures['all']['f'])}**, "
            f"P {spread(figures['all']['p'])}, R {spread(figures['all']['r'])} (mean ± sd).", ""]


def accuracy(report: Report) -> List[str]:
    lines = ["## Accuracy", ""]
    for dataset, by_model in report["accuracy"].items():
        info = report["datasets"][dataset]
        lines += [f"### {dataset}", "", f"`{info['path']}`: {num(info['docs'])} docs, {num(info['words'])} words, "
                  f"{num(info['entities'])} gold entities.", ""]
        rows = [[f"**{m}**", pct(r["spacy"]["p"]), pct(r["spacy"]["r"]), f"**{pct(r['spacy']['f'])}**",
                 pct(r["seqeval"]["p"]), pct(r["seqeval"]["r"]), pct(r["seqeval"]["f"]), num(r["f_difference"], 4)]
                for m, r in by_model.items()]
        lines += table(["model", "P", "R", "F1", "seqeval P", "seqeval R", "seqeval F1", "|ΔF1|"], rows)
        lines += [f"![per-label F1 on {dataset}](plots/f1-{slug(dataset)}.png)", ""]
        lines += seed_line(report, dataset)
        for m, r in by_model.items():
            scores = r["spacy"]
            rows = [[label, pct(v["p"]), pct(v["r"]), pct(v["f"]), num(v["support"]), num(v["predicted"])]
                    for label, v in scores["per_label"].items()]
            rows.append(["**micro avg**", pct(scores["p"]), pct(scores["r"]), pct(scores["f"]),
                         num(scores["support"]), num(scores["predicted"])])
            lines += [f"**{m}** on {dataset}:", ""] + table(["label", "precision", "recall", "F1", "support", "predicted"], rows)
    check = report["checks"]
    return lines + [
        "Cross-check: seqeval (IOB2, strict, micro) on the same predictions "
        + ("agrees with spaCy's scorer" if check["all_agree"] else "**disagrees** with spaCy's scorer")
        + f" within {num(check['seqeval_tolerance'], 4)} F1 for every model and dataset (column |ΔF1|).",
        "",
    ]


def external(report: Report) -> List[str]:
    """The external scorecard: public test sets none of the models is tuned on."""
    ext = report.get("external") or {}
    if not ext.get("sets"):
        return []
    mapping = ", ".join(f"{k}→{v}" for k, v in ext["mapping"].items() if k != v)
    lines = ["## External test sets", "",
             f"Public test sets none of the models was tuned on (configs/external.json). {ext['note']} "
             f"Predicted labels scored as: {mapping or 'unchanged'} (label map scheme `{ext['label_scheme']}`).", ""]
    if (report.get("plots") or {}).get("external"):
        lines += [f"![F1 on the external test sets]({report['plots']['external']})", ""]
    for name, s in ext["sets"].items():
        lines += [f"### {name}", "", f"{s['description']}. `{s['path']}`: {num(s['docs'])} docs, {num(s['words'])} words, "
                  f"{num(s['entities'])} gold entities, tags {s['tag_scheme'].upper()}"
                  + (" (adjacent predicted entities of one label merged, as IO gold merges them)" if s["tag_scheme"] == "io" else "")
                  + ".", ""]
        labels = [label for label, v in next(iter(s["models"].values()))["spacy"]["per_label"].items()
                  if v["support"] > 0] if s["models"] else []
        has_slices = any("slices" in r for r in s["models"].values())
        header = ["model", "P", "R", "F1", *[f"F1 {label}" for label in labels]]
        header += ["F1 seen", "F1 unseen"] if has_slices else []
        rows = []
        for m, r in s["models"].items():
            sp = r["spacy"]
            row = [f"**{m}**", pct(sp["p"]), pct(sp["r"]), f"**{pct(sp['f'])}**",
                   *[pct(sp["per_label"][label]["f"]) for label in labels]]
            if has_slices:
                row += [pct(r["slices"][part]["f"]) if "slices" in r else "—" for part in ("seen", "unseen")]
            rows.append(row)
        width = len(header) - 4
        rows += [[f"*{ref['system']}* ({ref['note']})", "—", "—", pct(ref["f"]), *["—"] * width] for ref in s["references"]]
        lines += table(header, rows)
        if s["roles"]:
            role_rows = [[f"**{m}**", pct(r["spacy"]["per_label"]["PERSON"]["f"]),
                          pct(r["without_roles"]["per_label"]["PERSON"]["f"] if r["without_roles"]["per_label"]["PERSON"]["support"] else None),
                          num(r["without_roles"]["per_label"]["PERSON"]["support"]),
                          pct(r["spacy"]["f"]), pct(r["without_roles"]["f"])] for m, r in s["models"].items()]
            first = next(iter(s["models"].values()), None)
            n = first["without_roles"]["roles_unannotated"] if first else 0
            lines += [f"Roles: {num(n)} gold PERSON mentions are the words {', '.join(s['roles'])}; our guidelines "
                      "say roles are not names. Without them (those mentions unannotated: a prediction on them "
                      "counts neither right nor wrong):", ""]
            lines += table(["model", "F1 PERSON", "F1 PERSON without roles", "PERSON without roles",
                            "F1", "F1 without roles"], role_rows)
    return lines


def slices(report: Report) -> List[str]:
    """F1 on entities whose text the training data has (seen) and on the others."""
    by_dataset = {d: m for d, m in (report.get("slices") or {}).items() if m}
    by_dataset.update({d: {m: r["slices"] for m, r in s["models"].items() if "slices" in r}
                       for d, s in ((report.get("external") or {}).get("sets") or {}).items()})
    by_dataset = {d: m for d, m in by_dataset.items() if m}
    if not by_dataset:
        return []
    lines = ["## Seen and unseen entities", "",
             "An entity is *seen* when its exact text is a gold entity of the training data"
             + (f" ({num(report['external']['seen_entity_texts'])} distinct texts)"
                if (report.get("external") or {}).get("seen_entity_texts") is not None else "")
             + ", *unseen* otherwise; gold and predicted entities each fall into one slice. "
             "A model that memorises does well on seen and badly on unseen entities.", ""]
    rows = [[d, f"**{m}**", pct(s["seen"]["f"]), num(s["seen"]["support"]), pct(s["unseen"]["f"]), num(s["unseen"]["support"])]
            for d, by_model in by_dataset.items() for m, s in by_model.items()]
    return lines + table(["dataset", "model", "F1 seen", "seen gold", "F1 unseen", "unseen gold"], rows, align="llrrrr")


CUTS = (0.0, 0.5, 0.8, 0.9)


def confidence(report: Report) -> List[str]:
    """ECE and reliability of ``ent._.confidence`` per model that has it."""
    calibration = report.get("calibration") or {}
    if not any(calibration.values()):
        return []
    lines = [
        "## Confidence",
        "",
        "`ent._.confidence`: a calibrated score per entity (docs/confidence.md). Expected calibration error (ECE) "
        "over ten equal-width bins; an entity is right when its span and label match a gold entity exactly. "
        "*raw* is the model's own probability for the entity's actions, before calibration. "
        "The calibrate step fitted the maps on the CoNLL dev set and ner_gold train, never on the sets below.",
        "",
    ]
    for dataset, by_model in calibration.items():
        if not by_model:
            continue
        labels = sorted({label for s in by_model.values() for label in s["per_label_ece"]})
        rows = [[f"**{m}**", num(s["calibrated"]["n"]), num(s["calibrated"]["ece"], 4), num(s["raw"]["ece"], 4),
                 *[num(s["per_label_ece"].get(label), 4) for label in labels]] for m, s in by_model.items()]
        lines += [f"### {dataset}", ""] + table(["model", "entities", "ECE", "ECE raw", *[f"ECE {l}" for l in labels]], rows)
        rows = []
        for m, s in by_model.items():
            curve = s["thresholds"]["ALL"]
            at = [curve["threshold"].index(t) for t in CUTS if t in curve["threshold"]]
            rows.append([f"**{m}**", *[f"{pct(curve['precision'][i])} / {pct(curve['recall'][i])}" for i in at]])
        lines += table(["model", *[f"P / R at ≥ {t:.1f}" for t in CUTS]], rows)
    for m, path in (report.get("plots") or {}).get("reliability", {}).items():
        lines += [f"![reliability of {m}]({path})", ""]
        for dataset, tpath in report["plots"]["thresholds"].get(m, {}).items():
            lines += [f"![precision and recall by threshold, {m} on {dataset}]({tpath})", ""]
    off = [(m, s["without_confidence"]) for m, s in report["speed"].items() if "without_confidence" in s]
    if off:
        lines += ["Cost of the scores (same texts, same run, n_process=1):", ""]
        lines += table(["model", "words/s with", "words/s without", "with / without"],
                       [[f"**{m}**", num(report["speed"][m]["by_n_process"].get("1", {}).get("words_per_second_median")),
                         num(o["words_per_second_median"]), ratio(o["ratio_with_to_without"])] for m, o in off])
    return lines


def errors(report: Report) -> List[str]:
    lines = [
        "## Errors",
        "",
        "Outcome of every gold and predicted entity (exact match first, then the largest overlap): "
        "*type* = same span, other label; *boundary* = overlapping span, same label; "
        "*boundary+type* = overlapping span, other label; *missed* = no overlapping prediction; "
        "*spurious* = prediction overlapping no gold entity.",
        "",
    ]
    for dataset, by_model in report["accuracy"].items():
        rows = [[f"**{m}**", *[num(r["errors"]["counts"][k]) for k in ERROR_KINDS]] for m, r in by_model.items()]
        lines += [f"### {dataset}", ""] + table(["model", *ERROR_KINDS], rows)
        lines += [f"![confusion matrices on {dataset}](plots/confusion-{slug(dataset)}.png)", ""]
        for m, r in by_model.items():
            lines += [f"<details><summary>{m}: most frequent errors per label on {dataset}</summary>", ""]
            for label, errs in r["errors"]["top_errors"].items():
                if errs:
                    text = "; ".join(f"`{e['text']}` ×{num(e['count'])} ({', '.join(e['kinds'])})" for e in errs)
                    lines += [f"- **{label}**: {text}"]
            lines += ["", "</details>", ""]
    return lines


def training(report: Report) -> List[str]:
    if not report["training"]:
        return ["## Training curves", "", "No training log found next to any model directory.", ""]
    lines = ["## Training curves", ""]
    for m, log in report["training"].items():
        if log["steps"]:
            best = max(range(len(log["steps"])), key=lambda i: log["dev_score"][i])
            lines.append(f"- **{m}** (`{log['path']}`): {num(len(log['steps']))} evaluations, best dev score "
                         f"{num(log['dev_score'][best], 4)} at step {num(log['steps'][best])}.")
    return lines + ["", "![training curves](plots/training.png)", ""]


def speed(report: Report) -> List[str]:
    settings = report["settings"]
    lines = [
        "## Speed and size",
        "",
        f"Same {num(settings['speed_texts'])} texts of {settings['speed_dataset']} for every model, "
        f"`nlp.pipe` batch size {num(settings['batch_size'])}, median of {num(settings['repeats'])} runs after a warm-up, "
        "each model and process count in a fresh interpreter (with n_process > 1, PyTorch runs one thread per "
        "worker: its thread pool does not survive the fork); "
        f"load time: `spacy.load` in a fresh interpreter, median of {num(settings['load_repeats'])}.",
        "",
    ]
    n_procs = [str(n) for n in settings["n_process"]]
    rows = [[f"**{m}**", *[num(s["by_n_process"][n]["words_per_second_median"]) for n in n_procs],
             num(s["load_seconds_median"], 2), num(s["size_on_disk_mb"], 1), num(s["wheel_mb"], 1)]
            for m, s in report["speed"].items()]
    lines += table(["model", *[f"words/s, n_process={n}" for n in n_procs], "load s", "size on disk MB", "wheel MB"], rows)
    r = report["ratios"]
    if r.get("base"):
        lines += [f"Against the base model **{r['base']}** (its NER components only; >1× = faster / slower to load / bigger):", ""]
        rows = [[f"**{m}**", *[ratio(v.get(f"words_per_second_n{n}")) for n in n_procs], ratio(v["load_seconds"]),
                 ratio(v["size_on_disk"])] for m, v in r["models"].items()]
        lines += table(["model", *[f"speed n_process={n}" for n in n_procs], "load time", "size on disk"], rows)
    return lines + ["![speed](plots/speed.png)", ""]


def compare(report: Report) -> List[str]:
    entry = report.get("compare")
    if not entry:
        return []
    lines = ["## displaCy comparison", "", f"`{entry['path']}`: {num(entry['texts'])} texts "
             f"({', '.join(entry['groups'])}), one render per model and the gold annotation where there is one."]
    if entry.get("screenshot"):
        lines += ["", f"Rendered in headless Chromium ({entry['browser']}), screenshot: "
                  f"![compare.html screenshot]({entry['screenshot']})"]
    else:
        lines += ["", f"Not screenshotted: {entry.get('screenshot_note')}."]
    return lines + [""]
