"""The annotated Doc and its pieces, used by every step that trains or scores:

errors.py (FILE:LINE errors, lenient rejects) · lines.py (decoded lines with their
numbers) · labels.py (the label map) · tags.py (IOB1/IOB2 -> spans) · docs.py
(DocBins) · case.py (lower/upper-cased copies of a corpus) · files.py (JSON written
whole or not at all).

The readers of each file format live in ../formats; keeping them apart means editing a
reader reruns the conversions, not the trainings (project.yml lists code by directory).
"""
