"""Building the pipelines: the weighted corpus reader (corpus.py), training runs and
their summary (run.py, logger.py), tok2vec weight transfer (transfer.py), transformer
helpers (transformer.py) and floret word vectors (vectors.py)."""
