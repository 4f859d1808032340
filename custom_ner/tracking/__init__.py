"""MLflow: every run tracked, every model registered (docs/mlflow.md).

figures.py (the report's figures as metric names) · pyfunc.py (the NER
pipeline as an MLflow pyfunc model) · registry.py (versions, and the ``champion``
alias behind a gate) · run.py (the ``track`` step: figures, tags, artifacts, model).
Training curves are logged while training runs, by ``custom_ner.MLflowLogger.v1``
(../training/mlflow_logger.py, which also holds the store): editing this package does
not retrain anything.
"""
