"""Building the pipelines: the weighted corpus reader (corpus.py), training runs and
their summary (run.py, logger.py), tok2vec weight transfer (transfer.py), transformer
helpers (transformer.py), the pretrained GloVe vectors the CPU pipeline reads (glove.py)
and the floret vectors of the lever study (vectors.py)."""
