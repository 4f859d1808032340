"""One reader per file format, used by every caller, and the converters on top:

jsonl.py, csvfile.py (records of JSON-lines and CSV files) · texts.py (texts of
.txt/.csv/.jsonl files) · iob.py, gmb.py, nemo.py, prodigy.py (annotated formats) ·
convert.py (the converters) · stats.py (corpus statistics) · unlabelled.py (text for
word vectors, and the gold texts to leave out) · sampling.py (the one seeded sample).
"""
