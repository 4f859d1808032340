"""compare.html: displaCy entity renders of every model on the same sample texts,
screenshotted in headless Chromium (custom_ner/browser.py) to prove the page renders.

The colours are fixed per label (``LABEL_COLORS``) so that the same colour means the
same type in every model's render (the base model's OntoNotes labels are mapped to
ours first).
"""
import html
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from spacy import displacy
from spacy.tokens import Doc

from ..browser import browser_version, find_browser, label_pixels, screenshot
from ..data.files import write_text
from ..data.labels import LABEL_COLORS
from ..formats.sampling import sample


def render_doc(doc: Doc) -> str:
    """One doc's entities as displaCy markup (TICKER kb_id shown as its link text)."""
    with warnings.catch_warnings():  # a text without entities is a valid render, not a problem
        warnings.filterwarnings("ignore", message=r"\[W006\]")
        return displacy.render(doc, style="ent", page=False, jupyter=False,
                               options={"ents": list(LABEL_COLORS), "colors": LABEL_COLORS})


def sample_indices(texts: Sequence[str], n: int, seed: int = 0) -> List[int]:
    """Indices of a fixed sample in text order: the same ``n`` texts on every run (seeded)."""
    return sorted(sample(range(len(texts)), n, seed)) if n else []


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
    legend = "".join(f'<span style="background:{c}">{label}</span>' for label, c in LABEL_COLORS.items())
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
    write_text(path, compare_page(renders, groups, gold, intro=intro))
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
                     label_pixels=label_pixels(png, LABEL_COLORS))
    return entry
