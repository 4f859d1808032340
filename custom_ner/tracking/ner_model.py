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
import hashlib
import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

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


# the keys of entities() with their MLflow types: the model's output schema (pyfunc.py)
ENTITY_FIELDS = (("text", "string"), ("label", "string"), ("start", "long"), ("end", "long"), ("kb_id", "string"),
                 ("confidence", "double"))


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
        # imported from this artifact under a name of its own: by its plain name, a copy
        # imported earlier in the process (an installed wheel, or MLflow's validation copy
        # in a temporary directory since deleted) would be the one that loads
        name = f"_mlflow_{package.name}_{hashlib.md5(str(package.resolve()).encode()).hexdigest()[:12]}"
        spec = importlib.util.spec_from_file_location(name, package / "__init__.py",
                                                      submodule_search_locations=[str(package)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # its relative imports (linker, entity_confidence) resolve inside it
        spec.loader.exec_module(module)
        self.nlp = module.load()

    # no type hints: MLflow would read them as a (list-only) input schema and warn
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        params = params or {}
        found = [entities(doc) for doc in self.nlp.pipe(input_texts(model_input), batch_size=int(params.get("batch_size", 64)))]
        # spark_udf cannot type a batch whose every text has no entity: it asks for strings
        return [json.dumps(ents) for ents in found] if params.get("output") == "json" else found


mlflow.models.set_model(SpacyNer())
