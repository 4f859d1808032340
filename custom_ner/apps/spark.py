"""The Spark engine of batch annotation: the same job as the local engine, on a cluster.

Texts go into a DataFrame with their position; a pandas UDF (Arrow batches) runs
``nlp.pipe`` and returns each text's token count and spans as JSON. Results come back
to the driver in input order and are written by the same
:class:`~custom_ner.apps.writers.OutputWriter` as the local engine, so both engines
write identical files.

Executors do not see the driver's files. The driver ships what they need the way
Spark users do: the pipeline as an archive (``SparkContext.addArchive``, unpacked on
every executor; an installed package such as en_custom_ner is shipped as its
pipeline directory) and this project's code as a zip on the Python path
(``addPyFile``, like ``spark-submit --py-files``). The executors' Python must have the
requirements installed (spaCy, pandas, pyarrow; see docs/apps.md). The model is
loaded once per Python worker and cached there, not once per batch or task.
"""
import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from ..formats.texts import Record
from ..loading import load_pipeline
from .engines import RELOAD_AFTER, PipelineRunner, Result

_MODELS: Dict[str, PipelineRunner] = {}
PACKAGE = Path(__file__).resolve().parents[1]  # custom_ner/


def cached_model(archive: str, reload_after: int) -> PipelineRunner:
    """The executor's copy of the shipped pipeline: Spark reuses Python workers across
    tasks (spark.python.worker.reuse), so this loads once per worker process."""
    if archive not in _MODELS:
        from pyspark import SparkFiles

        path = SparkFiles.get(archive)  # where the executor unpacked it
        _MODELS[archive] = PipelineRunner(lambda: load_pipeline(path), reload_after)
    return _MODELS[archive]


def make_udf(archive: str, batch_size: int, reload_after: int) -> Any:
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    def annotate(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
        runner = cached_model(archive, reload_after)
        for texts in batches:
            results = runner(texts.tolist(), batch_size)
            yield pd.Series([json.dumps([r.n_words, r.spans], ensure_ascii=False) for r in results])

    return pandas_udf(annotate, "string")


def pipeline_dir(model: str) -> Path:
    """The pipeline directory of ``model``: a directory as given, or the data directory
    inside an installed package (where its __init__.py loads it from)."""
    if Path(model).is_dir():
        return Path(model)
    import srsly
    from spacy.util import get_package_path, is_package

    if not is_package(model):
        load_pipeline(model)  # raises the project's message for an unknown model
    package = get_package_path(model)
    meta = srsly.read_json(package / "meta.json")
    return package / f"{meta['lang']}_{meta['name']}-{meta['version']}"


def zip_tree(source: Path, target: Path, prefix: str = "", suffixes: Tuple[str, ...] = ()) -> Path:
    """Zip ``source`` (files ending in ``suffixes`` only, if given) under ``prefix``;
    stored, not compressed: model weights do not compress and speed matters."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and (not suffixes or path.suffix in suffixes):
                zf.write(path, str(Path(prefix) / path.relative_to(source)))
    return target


def ship(spark: Any, model: str, workdir: Path) -> str:
    """Ship the pipeline and the project's code to the executors; the archive's name."""
    archive = zip_tree(pipeline_dir(model), workdir / "custom_ner_model.zip")
    spark.sparkContext.addArchive(str(archive))
    spark.sparkContext.addPyFile(str(zip_tree(PACKAGE, workdir / "custom_ner.zip", "custom_ner", (".py",))))
    return archive.name


def spark_session(master: str, app_name: str = "custom_ner.annotate") -> Any:
    """A session whose Python workers run this interpreter (the one with spaCy and
    the model installed), with Arrow transfers on and the web UI off."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        raise OSError("the Spark engine needs Java 17 (java not found on PATH, JAVA_HOME not set): "
                      "apt-get install openjdk-17-jre-headless, or use --engine local")
    try:
        import pyspark  # noqa: F401
    except ImportError as err:
        raise OSError(f"the Spark engine needs pyspark ({err}): pip install -r requirements.txt") from err
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master).appName(app_name)
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "true")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.python.worker.reuse", "true")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run_spark(records: List[Record], model: str, batch_size: int, master: str = "local[*]",
              partitions: int = 0, reload_after: int = RELOAD_AFTER) -> Iterator[Tuple[List[Record], List[Result]]]:
    """Annotate ``records`` on Spark; yields one (records, results) batch in input order."""
    import pandas as pd

    if not records:
        yield [], []
        return
    spark = spark_session(master)
    workdir = Path(tempfile.mkdtemp(prefix="custom_ner-spark-"))
    try:
        archive = ship(spark, model, workdir)
        # several tasks per core keep every worker busy to the end; the model is cached per worker
        partitions = partitions or max(1, min(len(records) // 1000, spark.sparkContext.defaultParallelism * 4))
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(max(batch_size, 1000)))
        frame = pd.DataFrame({"i": range(len(records)), "text": [r.text for r in records]})
        df = spark.createDataFrame(frame, schema="i long, text string").repartition(partitions)
        out = df.select("i", make_udf(archive, batch_size, reload_after)("text").alias("result")).toPandas()
    finally:
        spark.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    by_position = dict(zip(out["i"].tolist(), out["result"].tolist()))
    if len(by_position) != len(records):
        raise RuntimeError(f"Spark returned {len(by_position)} results for {len(records)} texts")
    results = []
    for i in range(len(records)):
        n_words, spans = json.loads(by_position[i])
        results.append(Result(n_words, spans))
    yield records, results
