"""What ships: a trained pipeline plus the TICKER linker with its symbol table inside.

The linker goes after ``ner``: pattern matches become TICKER (unless ``add_matches``
is off), and every TICKER gets ``kb_id_`` (NASDAQ:AAPL, NYSE:IBM, ...) and
``_.company``. Its symbol table is saved with the pipeline, so the packaged wheel
(``spacy package --code custom_ner/ticker/linker.py``) needs no data directory.
"""
from pathlib import Path
from typing import Optional, Union

from ..loading import load_pipeline
from .linker import FACTORY, TickerLinker
from .symbols import load_table


def add_linker(model: Union[str, Path], output: Union[str, Path], symbols: Union[str, Path],
               add_matches: bool = True, *, unlisted_label: Optional[str] = None,
               company_label: Optional[str] = "ORG") -> TickerLinker:
    """Load ``model``, append the linker initialized with the table ``symbols``, save to ``output``.
    ``unlisted_label``: the TICKER guard's label for model-made TICKERs on unlisted symbols;
    ``company_label``: the company guard's label for PERSON entities that are listed
    companies' names in market text (None: off)."""
    nlp = load_pipeline(model)
    if FACTORY in nlp.pipe_names:
        nlp.remove_pipe(FACTORY)
    linker = nlp.add_pipe(FACTORY, config={"add_matches": add_matches, "unlisted_label": unlisted_label,
                                           "company_label": company_label}, last=True)
    linker.initialize(table=load_table(symbols))
    nlp.to_disk(output)
    return linker
