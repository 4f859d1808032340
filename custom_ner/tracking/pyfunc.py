"""Log the packaged pipeline as an MLflow pyfunc model (ner_model.py is its code)."""
import zipfile
from pathlib import Path
from typing import Any, List, Sequence, Union

PathLike = Union[str, Path]
MODEL_CODE = Path(__file__).with_name("ner_model.py")
EXAMPLE_TEXTS = ["Apple ($AAPL) hired Tim Cook in Cupertino.", "Shares of Siemens fell in Frankfurt on Monday."]


def wheel_requirements(wheel: PathLike) -> List[str]:
    """The ``Requires-Dist`` lines of the wheel's METADATA: the model needs what the wheel needs."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(name).decode("utf8").splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:")]


def package_dir(package_root: PathLike) -> Path:
    """The importable package inside ``spacy package`` output (packages/NAME-VERSION/NAME)."""
    root = Path(package_root)
    found = [p.parent for p in root.glob("*/meta.json") if (p.parent / "__init__.py").exists()]
    if len(found) != 1:
        raise ValueError(f"{root}: expected one package directory with __init__.py and meta.json, found {found}")
    return found[0]


def log_ner_model(package_root: PathLike, wheel: PathLike, name: str = "model",
                  example_texts: Sequence[str] = tuple(EXAMPLE_TEXTS)) -> Any:
    """Log the pipeline of ``package_root`` to the active MLflow run as a pyfunc model
    with a signature, an input example and the wheel's requirements; returns ModelInfo."""
    import mlflow
    import pandas as pd
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema
    from mlflow.types.schema import Array, Object, Property

    from .ner_model import ENTITY_FIELDS

    package = package_dir(package_root)
    example = pd.DataFrame({"text": list(example_texts)})
    # in: one unnamed string column (a list of texts and a DataFrame with a text column both
    # pass); out: per text, the entities of ner_model.entities()
    entity = Object([Property(name, DataType[dtype]) for name, dtype in ENTITY_FIELDS])
    signature = ModelSignature(inputs=Schema([ColSpec(DataType.string)]), outputs=Schema([ColSpec(Array(entity))]),
                               params=ParamSchema([ParamSpec("batch_size", DataType.long, 64),
                                                   ParamSpec("output", DataType.string, "entities")]))
    requirements = [*wheel_requirements(wheel), f"mlflow=={mlflow.__version__}", f"pandas=={pd.__version__}"]
    return mlflow.pyfunc.log_model(name=name, python_model=str(MODEL_CODE), artifacts={"package": str(package)},
                                   signature=signature, input_example=example, pip_requirements=requirements)
