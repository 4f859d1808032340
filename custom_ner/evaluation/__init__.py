"""Measuring models: the one scoring module (scoring.py), error analysis
(analysis.py), speed (speed.py), the evaluation report (report.py, plots.py,
displacy.py, model_source.py + worker.py for fresh interpreters), the silver
comparison, the TICKER rules, the update-sm evaluation and the package's meta.json."""
