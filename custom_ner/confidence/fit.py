"""The calibrate step: add the confidence component to a pipeline and fit its maps.

The maps are fitted on data the scores are never measured on: CoNLL-2003 dev for
the model's raw scores, ner_gold *train* for the precision of each TICKER pattern
(the patterns are rules, not trained, so train is unseen by them). The scores are
measured on CoNLL-2003 test and ner_gold dev (evaluate, report).
"""
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from spacy.tokens import Doc

from ..data.docs import read_docbin
from ..data.files import write_json
from ..loading import load_pipeline
from ..ticker.linker import FACTORY as LINKER, TickerAnnotator
from .calibration import confidence_summary, fit_maps, scored_entities, seen_texts
from .entity_confidence import FACTORY


def rule_precision(annotator: TickerAnnotator, gold: Sequence[Doc], label: str = "TICKER") -> Dict[str, Dict[str, Any]]:
    """Per pattern: matches, how many are gold TICKERs, and the smoothed precision
    (right + 1) / (matches + 2), so a pattern seen twice is not scored 1.0."""
    counts: Dict[str, List[int]] = {}
    for doc in gold:
        truth = {(e.start_char, e.end_char) for e in doc.ents if e.label_ == label}
        for match in annotator.find(doc.text):
            row = counts.setdefault(match.pattern, [0, 0])
            row[0] += 1
            row[1] += (match.start, match.end) in truth
    return {p: {"matches": n, "right": k, "precision": (k + 1) / (n + 2)} for p, (n, k) in sorted(counts.items())}


def calibrate(model: Union[str, Path], output: Union[str, Path], fit_data: Sequence[Path], rules_data: Path,
              *, train_data: Sequence[Path] = (), min_count: int = 100, batch_size: int = 128,
              summary_path: Optional[Path] = None) -> Dict[str, Any]:
    """Load ``model``, add the confidence component last, fit it, save to ``output``.
    ``train_data``: the human-annotated training data, whose entity texts are *seen*.
    Returns what was fitted and the fit data's calibration before and after (also
    written to ``summary_path`` as JSON)."""
    nlp = load_pipeline(model)
    if FACTORY in nlp.pipe_names:
        nlp.remove_pipe(FACTORY)
    component = nlp.add_pipe(FACTORY, last=True)
    seen = seen_texts(doc for path in train_data for doc in read_docbin(path, nlp.vocab))
    component.set_calibration({"seen": seen})
    gold = [doc for path in fit_data for doc in read_docbin(path, nlp.vocab)]
    predicted = list(nlp.pipe([doc.text for doc in gold], batch_size=batch_size))
    entities = scored_entities(predicted, gold, component.group)
    maps = fit_maps(entities, min_count=min_count)
    rules: Dict[str, Dict[str, Any]] = {}
    if LINKER in nlp.pipe_names and rules_data:
        rules = rule_precision(TickerAnnotator(nlp.get_pipe(LINKER).table), read_docbin(rules_data, nlp.vocab))
    component.set_calibration({"labels": maps["labels"], "pooled": maps["pooled"], "seen": seen,
                               "rules": {p: r["precision"] for p, r in rules.items()}})
    for doc in predicted:  # the raw scores stay what they were: only the maps changed
        component.apply_calibration(doc)
    nlp.to_disk(output)
    summary = confidence_summary(predicted, gold)
    result = {
        "model": str(model), "output": str(output), "fit_data": [str(p) for p in fit_data],
        "rules_data": str(rules_data), "train_data": [str(p) for p in train_data],
        "seen_texts": {label: len(texts) for label, texts in seen.items()},
        "fitted_on": maps["fitted_on"], "min_count": min_count,
        "per_label_maps": sorted(maps["labels"]), "rules": rules,
        "fit_ece": {"raw": summary["raw"]["ece"], "calibrated": summary["calibrated"]["ece"]},
    }
    if summary_path is not None:
        write_json(summary_path, result)
    return result
