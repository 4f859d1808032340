"""Side-by-side F1 of the CPU pipeline without silver data, with it, and with the linker.

    python scripts/compare_silver.py METRICS_DIR [--output metrics/silver-comparison.md] [--max-conll-loss 0.5]

Reads METRICS_DIR/cpu-base-*.json (trained without silver docs), cpu-nolinker-*.json
(trained with them) and cpu-*.json (the same + the TICKER linker: what ships) for
CoNLL-2003 test and ner_gold dev, writes a Markdown table and the same rows as JSON
(OUTPUT with .json), and says whether the final model loses at most
``--max-conll-loss`` F1 points on CoNLL test and gains on TICKER (ner_gold dev).
"""
from pathlib import Path
from typing import Any, Dict, List

import srsly
import typer

from custom_ner.cli import fail, msg
from custom_ner.evaluation import compare_runs
from custom_ner.labels import DEFAULT_LABEL_MAP, LabelMap

RUNS = {"without silver": "cpu-base", "with silver": "cpu-nolinker", "with silver + linker": "cpu"}
SETS = {"CoNLL-2003 test": "conll-test", "ner_gold dev": "gold-dev"}


def _cell(value: Any) -> str:
    return "—" if value is None else f"{value * 100:.2f}"


def markdown(tables: Dict[str, List[Dict[str, Any]]]) -> str:
    names = list(RUNS)
    lines = []
    for title, rows in tables.items():
        lines += [f"### {title}", "", f"| label | support | {' | '.join(names)} | Δ final − without |",
                  "| --- | ---: |" + " ---: |" * (len(names) + 1)]
        for row in rows:
            first, last = row[names[0]], row[names[-1]]
            delta = "—" if first is None or last is None else f"{(last - first) * 100:+.2f}"
            lines.append(f"| {row['label']} | {row['support']} | {' | '.join(_cell(row[n]) for n in names)} | {delta} |")
        spurious = [row.get(f"{n} predicted", 0) for n in names for row in rows if row["label"] == "TICKER" and not row["support"]]
        if spurious:
            lines.append(f"TICKER predicted where the gold data has none ({', '.join(names)}): {', '.join(map(str, spurious))}")
        lines.append("")
    return "\n".join(lines)


def main(
    metrics_dir: Path = typer.Argument(..., help="Directory with the evaluate-cpu(-base) JSON files"),
    output: Path = typer.Option(Path("metrics/silver-comparison.md"), help="Markdown table; rows also as .json"),
    max_conll_loss: float = typer.Option(0.5, help="Allowed CoNLL test F1 loss, in points"),
    label_map: Path = typer.Option(DEFAULT_LABEL_MAP, help="Label map JSON (label order)"),
) -> None:
    labels = LabelMap.from_file(label_map).labels
    tables = {}
    for title, dataset in SETS.items():
        runs = {}
        for name, prefix in RUNS.items():
            path = metrics_dir / f"{prefix}-{dataset}.json"
            if not path.exists():
                fail(f"{path}: not found (run evaluate-cpu-base and evaluate-cpu first)")
            runs[name] = srsly.read_json(path)
        tables[title] = compare_runs(runs, labels)
    first, last = list(RUNS)[0], list(RUNS)[-1]
    conll, gold = (tables[t][-1] for t in SETS)
    ticker = next(r for r in tables["ner_gold dev"] if r["label"] == "TICKER")
    conll_change = (conll[last] - conll[first]) * 100
    ticker_change = ((ticker[last] or 0.0) - (ticker[first] or 0.0)) * 100
    checks = {
        "conll_test_change": round(conll_change, 2),
        "conll_test_within_limit": conll_change >= -max_conll_loss,
        "gold_dev_ticker_change": round(ticker_change, 2),
        "gold_dev_ticker_better": ticker_change > 0,
        "gold_dev_ticker_f": ticker[last],
    }
    text = markdown(tables) + (
        f"CoNLL-2003 test F1 change: {conll_change:+.2f} points (limit −{max_conll_loss}); "
        f"ner_gold dev TICKER F1 change: {ticker_change:+.2f} points.\n"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf8")
    srsly.write_json(output.with_suffix(".json"), {"tables": tables, "checks": checks})
    print(text)
    for key, good in (("conll_test_within_limit", "CoNLL test loss within the limit"),
                      ("gold_dev_ticker_better", "TICKER better on ner_gold dev")):
        (msg.good if checks[key] else msg.warn)(f"{good}: {checks[key]}")
    msg.good(f"Saved {output} and {output.with_suffix('.json')}")


if __name__ == "__main__":
    typer.run(main)
