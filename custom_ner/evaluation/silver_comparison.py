"""Side-by-side F1 of the CPU pipeline without silver data, with it, and with the linker.

Reads METRICS_DIR/cpu-base-*.json (trained without silver docs), cpu-nolinker-*.json
(trained with them) and cpu-*.json (the same + the TICKER linker: what ships) for
CoNLL-2003 test and ner_gold dev, and says whether the final model loses at most
``max_conll_loss`` F1 points on CoNLL test and gains on TICKER (ner_gold dev).
"""
from pathlib import Path
from typing import Any, Dict, List, Sequence, Union

import srsly

from ..data.errors import ConversionError
from ..data.files import write_json, write_text
from .scoring import compare_runs

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


def compare_silver(metrics_dir: Union[str, Path], output: Union[str, Path], labels: Sequence[str],
                   max_conll_loss: float = 0.5) -> Dict[str, Any]:
    """Write the Markdown table to ``output`` and its rows and checks to OUTPUT with .json;
    returns ``{"tables", "checks", "text"}``."""
    tables = {}
    for title, dataset in SETS.items():
        runs = {}
        for name, prefix in RUNS.items():
            path = Path(metrics_dir) / f"{prefix}-{dataset}.json"
            if not path.exists():
                raise ConversionError(path, None, "not found (run evaluate-cpu-base and evaluate-cpu first)")
            runs[name] = srsly.read_json(path)
        tables[title] = compare_runs(runs, labels)
    first, last = list(RUNS)[0], list(RUNS)[-1]
    conll = tables["CoNLL-2003 test"][-1]
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
    output = Path(output)
    write_text(output, text)
    write_json(output.with_suffix(".json"), {"tables": tables, "checks": checks})
    return {"tables": tables, "checks": checks, "text": text}
