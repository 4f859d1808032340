"""The en_custom_ner pipeline as an MLflow pyfunc model (a "model from code": MLflow
copies this file into the model; it imports no project code, like the wheel's linker).

``predict`` takes texts (a DataFrame's ``text`` column, a Series or a list) and returns,
per text, its entities: text, label, start and end characters, ``kb_id`` ("" where the
linker set none) and the calibrated ``confidence`` (None where the pipeline has none).
With ``params={"output": "json"}`` each text's entities come as one JSON string (what
``mlflow.pyfunc.spark_udf(..., result_type="string")`` needs; docs/mlflow.md).
The pipeline is the wheel's own package directory (artifact ``package``), imported as
``spacy.load("en_custom_ner")`` imports it, so the entities are the wheel's.
"""
import importlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import mlflow
from mlflow.pyfunc import PythonModel

TEXT_COLUMN = "text"


def input_texts(model_input: Any) -> List[str]:
    """The texts of a DataFrame (its ``text`` column, else its only column), a Series,
    a list, or a dict of lists (``{"text": [...]}``)."""
    if hasattr(model_input, "columns"):
        column = TEXT_COLUMN if TEXT_COLUMN in model_input.columns else model_input.columns[0]
        model_input = model_input[column]
    elif isinstance(model_input, dict):
        model_input = model_input.get(TEXT_COLUMN, next(iter(model_input.values()), []))
    texts = list(model_input.tolist() if hasattr(model_input, "tolist") else model_input)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise ValueError(f"every input must be a text; row {bad[0]} is {type(texts[bad[0]]).__name__}")
    return texts


def entities(doc: Any) -> List[Dict[str, Any]]:
    out = []
    for ent in doc.ents:
        score = ent._.confidence if ent.has_extension("confidence") else None
        out.append({"text": ent.text, "label": ent.label_, "start": ent.start_char, "end": ent.end_char,
                    "kb_id": ent.kb_id_, "confidence": None if score is None else float(score)})
    return out


class SpacyNer(PythonModel):
    """Entities of texts from the wheel's pipeline."""

    def load_context(self, context: Any) -> None:
        package = Path(context.artifacts["package"])
        sys.path.insert(0, str(package.parent))
        self.nlp = importlib.import_module(package.name).load()

    # no type hints: MLflow would read them as a (list-only) input schema and warn
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        params = params or {}
        found = [entities(doc) for doc in self.nlp.pipe(input_texts(model_input), batch_size=int(params.get("batch_size", 64)))]
        # spark_udf cannot type a batch whose every text has no entity: it asks for strings
        return [json.dumps(ents) for ents in found] if params.get("output") == "json" else found


mlflow.models.set_model(SpacyNer())
