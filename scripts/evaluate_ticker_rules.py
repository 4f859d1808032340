"""Precision and recall of the rule-based TICKER annotator against gold TICKER spans.

    python scripts/evaluate_ticker_rules.py GOLD.jsonl --symbols corpus/symbols.json --output metrics/ticker-rules.json

Exact character-offset matches; reported overall and per pattern (cashtag,
exchange prefix, Reuters code, parenthesised symbol, hashtag), with the false
positives and misses written out for reading.
"""
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import srsly
import typer

from custom_ner.cli import fail, msg
from custom_ner.ticker_linker import TickerAnnotator
from custom_ner.tickers import load_table, score_spans


def evaluate_rules(records: List[Dict[str, Any]], annotator: TickerAnnotator, label: str = "TICKER") -> Dict[str, Any]:
    """Pooled exact-match scores of ``annotator`` on the ``label`` spans of ``records``."""
    predicted, gold, errors = [], [], []
    per_pattern: Counter = Counter()
    per_pattern_tp: Counter = Counter()
    for i, record in enumerate(records):
        text = record["text"]
        ref = {(i, s["start"], s["end"]) for s in record.get("spans", []) if s["label"] == label}
        for match in annotator.find(text):
            key = (i, match.start, match.end)
            predicted.append(key)
            per_pattern[match.pattern] += 1
            if key in ref:
                per_pattern_tp[match.pattern] += 1
            else:
                errors.append({"record": i + 1, "kind": "false positive", "pattern": match.pattern,
                               "text": text[match.start : match.end], "context": text[max(0, match.start - 30) : match.end + 10]})
        found = {(m.start, m.end) for m in annotator.find(text)}
        for _, start, end in sorted(ref):
            if (start, end) not in found:
                errors.append({"record": i + 1, "kind": "missed", "text": text[start:end],
                               "context": text[max(0, start - 30) : end + 10]})
        gold.extend(ref)
    result = score_spans(predicted, gold)
    result["patterns"] = {name: {"predicted": n, "correct": per_pattern_tp[name], "p": per_pattern_tp[name] / n}
                          for name, n in sorted(per_pattern.items())}
    result["errors"] = errors
    return result


def main(
    gold: Path = typer.Argument(..., help="Gold Prodigy JSONL with TICKER spans"),
    symbols: Path = typer.Option(..., help="Symbol table from scripts/build_symbols.py"),
    output: Path = typer.Option(Path("metrics/ticker-rules.json")),
) -> None:
    for path in (gold, symbols):
        if not path.exists():
            fail(f"{path}: not found")
    records = [r for r in srsly.read_jsonl(gold) if r.get("answer", "accept") == "accept"]
    if not records:
        fail(f"{gold}: no accepted records")
    result = evaluate_rules(records, TickerAnnotator(load_table(symbols)))
    result["gold_file"] = str(gold)
    output.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output, result)
    msg.table([[name, s["predicted"], s["correct"], f"{100 * s['p']:.2f}"] for name, s in result["patterns"].items()],
              header=["pattern", "predicted", "correct", "precision"], aligns=["l", "r", "r", "r"])
    msg.good(f"TICKER rules on {gold}: P {100 * result['p']:.2f} R {100 * result['r']:.2f} F {100 * result['f']:.2f} "
             f"({result['tp']} of {result['gold']} gold, {result['predicted']} predicted) -> {output}")


if __name__ == "__main__":
    typer.run(main)
