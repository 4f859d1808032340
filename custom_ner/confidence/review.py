"""The review queue: the texts whose entities the model is least sure of, as
Prodigy ``ner.manual`` tasks with the model's spans filled in.

Input: the batch annotator's JSONL (``scripts/annotate.py ... out.jsonl``: text, spans
with ``score``). Order: the lowest entity score of a text first (one doubtful entity
is enough to need a look); ties go to the text with the lower mean score, then to
input order. A text with no entity has nothing to doubt and comes last: the scores
say how sure the model is of what it found, not what it missed.

The corrected tasks come back through ``scripts/convert.py jsonl`` (or the workflow's
``--vars.corrections``) as training data; only ``answer: accept`` tasks are used.
"""
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple, Union

import spacy

from ..data.errors import ConversionError, RecordError, Rejects
from ..data.files import write_text
from ..formats.jsonl import read_jsonl


@dataclass(frozen=True)
class Prediction:
    line: int
    text: str
    spans: List[Dict[str, Any]]
    meta: Dict[str, Any]

    @property
    def uncertainty_key(self) -> Tuple[float, float, int]:
        scores = [s["score"] for s in self.spans]
        if not scores:
            return (2.0, 2.0, self.line)  # nothing found, nothing to doubt: last
        return (min(scores), sum(scores) / len(scores), self.line)


def read_predictions(path: Union[str, Path]) -> List[Prediction]:
    """The annotator's records; a record without text, or a span without a score, is
    an error naming the line (annotate with a model that has confidences)."""
    rejects = Rejects(path)
    out = []
    for obj in read_jsonl(path, rejects):
        record = obj.data
        try:
            if not isinstance(record.get("text"), str) or not isinstance(record.get("spans", []), list):
                raise RecordError(obj.number, "expected 'text' (a string) and 'spans' (a list), as scripts/annotate.py writes")
            for span in record.get("spans", []):
                if not isinstance(span, dict) or not isinstance(span.get("score"), (int, float)):
                    raise RecordError(obj.number, "a span without a numeric 'score': annotate with a model that has "
                                                  "confidences (en_custom_ner >= 1.0 with ent._.confidence)")
                if not (isinstance(span.get("start"), int) and isinstance(span.get("end"), int)
                        and 0 <= span["start"] < span["end"] <= len(record["text"]) and isinstance(span.get("label"), str)):
                    raise RecordError(obj.number, f"span {span.get('start')}-{span.get('end')}: needs a label and "
                                                  "character offsets inside the text")
        except RecordError as err:
            rejects.add(err, raw=obj.raw)
            continue
        out.append(Prediction(obj.number, record["text"], record.get("spans", []), record.get("meta") or {}))
    if not out:
        raise ConversionError(path, None, "no predictions found")
    return out


def stable_hash(*parts: str) -> int:
    """A signed 32-bit hash (Prodigy's ``_input_hash`` / ``_task_hash`` type), stable across runs."""
    value = int.from_bytes(hashlib.md5("\x00".join(parts).encode("utf8")).digest()[:4], "little")
    return value - (1 << 32) if value >= 1 << 31 else value


def to_task(prediction: Prediction, tokenizer: Any) -> Dict[str, Any]:
    """A ``ner.manual`` task: tokens, the model's spans on them, the scores in ``meta``."""
    doc = tokenizer(prediction.text)
    tokens = [{"text": t.text, "start": t.idx, "end": t.idx + len(t.text), "id": t.i, "ws": bool(t.whitespace_)}
              for t in doc]
    spans = []
    for s in prediction.spans:
        span = doc.char_span(s["start"], s["end"], alignment_mode="expand")  # offsets checked on reading
        spans.append({"start": span.start_char, "end": span.end_char, "label": s["label"], "token_start": span.start,
                      "token_end": span.end - 1, "score": s["score"]})
    input_hash = stable_hash(prediction.text)
    min_score = min((s["score"] for s in prediction.spans), default=None)
    return {"text": prediction.text, "tokens": tokens, "spans": spans,
            "meta": {**prediction.meta, "source_line": prediction.line, "min_score": min_score},
            "_input_hash": input_hash, "_task_hash": stable_hash(prediction.text, repr(sorted((s["start"], s["end"], s["label"]) for s in spans))),
            "_view_id": "ner_manual"}


def write_tasks(path: Union[str, Path], tasks: Sequence[Dict[str, Any]]) -> None:
    """Write ``tasks`` as JSONL atomically (a crash leaves no half-written queue)."""
    write_text(path, "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks))


def review_queue(predictions: Sequence[Prediction], n: int, lang: str = "en") -> List[Dict[str, Any]]:
    """The ``n`` least certain predictions as tasks, least certain first."""
    if n < 1:
        raise ValueError(f"--n {n}: must be at least 1")
    tokenizer = spacy.blank(lang).tokenizer
    chosen = sorted(predictions, key=lambda p: p.uncertainty_key)[:n]
    return [to_task(p, tokenizer) for p in chosen]
