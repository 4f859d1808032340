"""compare.html: displaCy entity renders of every model on the same sample texts,
and a headless-Chromium screenshot that proves the page renders.

The colours are fixed per label so that the same colour means the same type in
every model's render (the base model's OntoNotes labels are mapped to ours first).
"""
import html
import random
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from spacy import displacy
from spacy.tokens import Doc

COLORS = {
    "PERSON": "#aa9cfc",
    "ORG": "#7aecec",
    "LOC": "#feca74",
    "MISC": "#c887fb",
    "TICKER": "#ff8197",
}
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
)


def render_doc(doc: Doc) -> str:
    """One doc's entities as displaCy markup (TICKER kb_id shown as its link text)."""
    with warnings.catch_warnings():  # a text without entities is a valid render, not a problem
        warnings.filterwarnings("ignore", message=r"\[W006\]")
        return displacy.render(doc, style="ent", page=False, jupyter=False,
                               options={"ents": list(COLORS), "colors": COLORS})


def sample_texts(texts: Sequence[str], n: int, seed: int = 0) -> List[int]:
    """Indices of a fixed sample: the same ``n`` texts on every run (seeded)."""
    indices = list(range(len(texts)))
    random.Random(seed).shuffle(indices)
    return sorted(indices[:n])


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }}
.text {{ border-top: 2px solid #ddd; padding: 0.6em 0; }}
.render {{ display: grid; grid-template-columns: 14em 1fr; gap: 0.4em; align-items: start; margin: 0.2em 0; }}
.model {{ font-weight: 600; font-size: 0.9em; padding-top: 0.6em; }}
.legend span {{ padding: 0.2em 0.5em; margin-right: 0.4em; border-radius: 0.3em; }}
.entities {{ line-height: 2.3 !important; }}
</style></head><body>
<h1>{title}</h1>
<p>{intro}</p>
<p class="legend">{legend}</p>
{sections}
</body></html>
"""


def compare_page(
    renders: Dict[str, Dict[str, List[str]]],
    groups: Dict[str, List[str]],
    gold: Optional[Dict[str, List[str]]] = None,
    title: str = "en_custom_ner: base vs custom, displaCy",
    intro: str = "",
) -> str:
    """The HTML page: for every sample text, the gold render (where there is one)
    and one render per model, in the order of ``renders``."""
    legend = "".join(f'<span style="background:{c}">{label}</span>' for label, c in COLORS.items())
    sections = []
    for group, texts in groups.items():
        sections.append(f"<h2>{html.escape(group)}</h2>")
        for i in range(len(texts)):
            rows = []
            if gold and group in gold:
                rows.append(("gold", gold[group][i]))
            rows += [(model, by_group[group][i]) for model, by_group in renders.items()]
            body = "".join(f'<div class="render"><div class="model">{html.escape(m)}</div><div>{r}</div></div>' for m, r in rows)
            sections.append(f'<div class="text" id="{html.escape(group)}-{i}">{body}</div>')
    return PAGE.format(title=html.escape(title), intro=intro, legend=legend, sections="\n".join(sections))


def find_browser() -> Optional[str]:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def require_browser(browser: Optional[str] = None) -> str:
    """``browser`` or the Chromium found on PATH; a clear error naming the package if none."""
    browser = browser or find_browser()
    if browser is None:
        raise FileNotFoundError(f"no Chromium found (looked for {', '.join(BROWSERS)}); on Debian: apt-get install chromium")
    return browser


def browser_version(browser: str) -> str:
    result = subprocess.run([browser, "--version"], capture_output=True, text=True, timeout=60)
    return result.stdout.strip() or browser


def screenshot(page: Path, png: Path, browser: Optional[str] = None, width: int = 1400, height: int = 2400,
               timeout: int = 120) -> Path:
    """Open ``page`` in headless Chromium and save a PNG of the window."""
    browser = require_browser(browser)
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
               f"--screenshot={png.resolve()}", page.resolve().as_uri()]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0 or not png.exists():
        raise RuntimeError(f"{browser} could not screenshot {page} (exit {result.returncode}):\n{result.stderr[-2000:]}")
    return png


def screenshot_when_ready(url: str, png: Path, ready_js: str, browser: Optional[str] = None, width: int = 1400,
                          height: int = 1400, timeout: float = 120) -> Path:
    """Screenshot a page that renders after it loads (a Streamlit app talks to its
    server over a websocket, which ``--screenshot`` does not wait for): drive headless
    Chromium over the DevTools protocol and capture once ``ready_js`` is true."""
    import base64
    import json
    import time
    import urllib.request

    from websockets.sync.client import connect

    browser = require_browser(browser)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        proc = subprocess.Popen([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                                 "--remote-debugging-port=0", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + timeout
            port_file = Path(profile) / "DevToolsActivePort"
            while not port_file.exists() or not port_file.read_text().strip():
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{browser} did not open its DevTools port (exit {proc.poll()})")
                time.sleep(0.2)
            port = port_file.read_text().split()[0]
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
                target = next(t for t in json.load(response) if t["type"] == "page")
            with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as ws:
                ids = iter(range(1, 1_000_000))

                def call(method: str, **params: Any) -> Dict[str, Any]:
                    msg_id = next(ids)
                    ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
                    while True:
                        reply = json.loads(ws.recv(timeout=max(1.0, deadline - time.time())))
                        if reply.get("id") == msg_id:
                            if "error" in reply:
                                raise RuntimeError(f"{method}: {reply['error']}")
                            return reply.get("result", {})

                call("Page.navigate", url=url)
                while not call("Runtime.evaluate", expression=f"Boolean({ready_js})", returnByValue=True)["result"].get("value"):
                    if time.time() > deadline:
                        raise TimeoutError(f"{url} was not ready ({ready_js}) within {timeout:.0f} s")
                    time.sleep(0.5)
                time.sleep(1.0)  # let the last render paint
                data = call("Page.captureScreenshot", format="png")["data"]
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    png.parent.mkdir(parents=True, exist_ok=True)
    png.write_bytes(base64.b64decode(data))
    return png


def label_pixels(png: Path, colors: Dict[str, str] = COLORS, tolerance: float = 2 / 255) -> Dict[str, int]:
    """How many pixels of the screenshot have each label's colour: entity marks that
    were drawn, so a blank or unstyled page is told apart from a rendered one."""
    import matplotlib.image as mpimg
    import numpy as np

    image = mpimg.imread(str(png))[..., :3]
    counts = {}
    for label, color in colors.items():
        rgb = np.array([int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        counts[label] = int((np.abs(image - rgb) <= tolerance).all(axis=-1).sum())
    return counts


def write_compare(
    out_dir: Path,
    renders: Dict[str, Dict[str, List[str]]],
    groups: Dict[str, List[str]],
    gold: Optional[Dict[str, List[str]]] = None,
    intro: str = "",
    take_screenshot: bool = True,
) -> Dict[str, Any]:
    """Write compare.html (and plots/compare.png when Chromium is there); returns the
    report's ``compare`` entry. No Chromium is reported, never silently ignored."""
    path = out_dir / "compare.html"
    path.write_text(compare_page(renders, groups, gold, intro=intro), encoding="utf8")
    entry: Dict[str, Any] = {"path": path.name, "texts": sum(len(t) for t in groups.values()), "groups": list(groups),
                             "models": list(renders), "screenshot": None, "browser": None, "screenshot_note": None}
    browser = find_browser()
    if not take_screenshot:
        entry["screenshot_note"] = "screenshot switched off (--no-screenshot)"
    elif browser is None:
        entry["screenshot_note"] = "no Chromium on this machine (apt-get install chromium)"
    else:
        png = screenshot(path, out_dir / "plots" / "compare.png", browser)
        entry.update(screenshot=str(png.relative_to(out_dir)), browser=browser_version(browser),
                     label_pixels=label_pixels(png))
    return entry
