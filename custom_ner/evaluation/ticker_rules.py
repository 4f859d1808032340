"""Precision and recall of the TICKER rules against the gold TICKER spans.

Exact character-offset matches; reported overall and per pattern (cashtag, exchange
prefix, Reuters code, index code, parenthesised symbol, hashtag, symbol before its
company's name), with the false positives and
misses written out for reading. The gold file is read by the project's Prodigy reader.
"""
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Union

import spacy
from spacy.tokens import Doc

from ..data.errors import Rejects
from ..data.files import write_json
from ..data.labels import LabelMap
from ..formats.prodigy import read_prodigy
from ..ticker.linker import TickerAnnotator
from ..ticker.symbols import load_table
from .scoring import score_spans


def evaluate_rules(docs: List[Doc], annotator: TickerAnnotator, label: str = "TICKER") -> Dict[str, Any]:
    """Pooled exact-match scores of ``annotator`` on the ``label`` spans of the gold ``docs``."""
    predicted, gold, errors = [], [], []
    per_pattern: Counter = Counter()
    per_pattern_tp: Counter = Counter()
    for i, doc in enumerate(docs):
        text = doc.text
        ref = {(i, e.start_char, e.end_char) for e in doc.ents if e.label_ == label}
        matches = annotator.find(text)
        for match in matches:
            key = (i, match.start, match.end)
            predicted.append(key)
            per_pattern[match.pattern] += 1
            if key in ref:
                per_pattern_tp[match.pattern] += 1
            else:
                errors.append({"record": i + 1, "kind": "false positive", "pattern": match.pattern,
                               "text": text[match.start : match.end], "context": text[max(0, match.start - 30) : match.end + 10]})
        found = {(m.start, m.end) for m in matches}
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


def evaluate_rules_file(gold: Union[str, Path], symbols: Union[str, Path], output: Union[str, Path],
                        label_map: Union[str, Path]) -> Dict[str, Any]:
    """The rules with the symbol table ``symbols`` on the accepted records of the gold
    Prodigy JSONL ``gold``; the result (with every error) goes to ``output``."""
    docs = read_prodigy(gold, Rejects(gold), LabelMap.from_file(label_map), spacy.blank("en").tokenizer)
    result = evaluate_rules(docs, TickerAnnotator(load_table(symbols)))
    result["gold_file"] = str(gold)
    write_json(output, result)
    return result
