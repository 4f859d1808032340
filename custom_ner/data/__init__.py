"""Reading and writing the data: one reader per format, used by every caller.

errors.py (FILE:LINE errors, lenient rejects) · lines.py (decoded lines with their
numbers) · jsonl.py, csvfile.py (records of JSON-lines and CSV files) · texts.py
(texts of .txt/.csv/.jsonl files) · iob.py, gmb.py, nemo.py, prodigy.py (annotated
formats) · tags.py (IOB1/IOB2 -> spans) · labels.py (the label map) · docs.py
(DocBins) · stats.py · convert.py (the converters) · unlabelled.py (text for word
vectors) · sampling.py (the one seeded sample).
"""
