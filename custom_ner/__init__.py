"""Shared, importable logic of the en_custom_ner project.

Scripts in scripts/ and the tests both import from here, so IOB parsing, label
mapping, JSONL I/O and corpus statistics exist exactly once.
"""
from .errors import ConversionError, RecordError, Rejects
from .labels import LabelMap
from . import ticker_linker  # noqa: F401  registers the custom_ner_ticker_linker factory

__version__ = "1.0.0"
__all__ = ["ConversionError", "RecordError", "Rejects", "LabelMap", "__version__"]
