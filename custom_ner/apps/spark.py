"""The Spark engine of batch annotation: the same job as the local engine, on a cluster.

Texts go into a DataFrame with their position; a pandas UDF (Arrow batches) runs
``nlp.pipe`` and returns each text's token count and spans as JSON. The model is
loaded once per Python worker (executor) and cached there, not once per batch or
task. Results come back to the driver in input order and are written by the same
:class:`~custom_ner.apps.writers.OutputWriter` as the local engine, so both engines
write identical files.
"""
import json
import os
import shutil
import sys
from typing import Any, Dict, Iterator, List, Tuple

from ..data.texts import Record
from ..loading import load_pipeline
from .engines import Result, annotate_texts

_MODELS: Dict[str, Any] = {}


def cached_model(model: str) -> Any:
    """The executor's copy of ``model``: Spark reuses Python workers across tasks
    (spark.python.worker.reuse), so this loads once per worker process."""
    if model not in _MODELS:
        _MODELS[model] = load_pipeline(model)
    return _MODELS[model]


def make_udf(model: str, batch_size: int) -> Any:
    import pandas as pd
    from pyspark.sql.functions import pandas_udf

    def annotate(batches: Iterator[pd.Series]) -> Iterator[pd.Series]:
        nlp = cached_model(model)
        for texts in batches:
            results = annotate_texts(nlp, texts.tolist(), batch_size)
            yield pd.Series([json.dumps([r.n_words, r.spans], ensure_ascii=False) for r in results])

    return pandas_udf(annotate, "string")


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
              partitions: int = 0) -> Iterator[Tuple[List[Record], List[Result]]]:
    """Annotate ``records`` on Spark; yields one (records, results) batch in input order."""
    import pandas as pd

    if not records:
        yield [], []
        return
    spark = spark_session(master)
    try:
        # several tasks per core keep every worker busy to the end; the model is cached per worker
        partitions = partitions or max(1, min(len(records) // 1000, spark.sparkContext.defaultParallelism * 4))
        spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(max(batch_size, 1000)))
        frame = pd.DataFrame({"i": range(len(records)), "text": [r.text for r in records]})
        df = spark.createDataFrame(frame, schema="i long, text string").repartition(partitions)
        out = df.select("i", make_udf(model, batch_size)("text").alias("result")).toPandas()
    finally:
        spark.stop()
    by_position = dict(zip(out["i"].tolist(), out["result"].tolist()))
    if len(by_position) != len(records):
        raise RuntimeError(f"Spark returned {len(by_position)} results for {len(records)} texts")
    results = []
    for i in range(len(records)):
        n_words, spans = json.loads(by_position[i])
        results.append(Result(n_words, spans))
    yield records, results
