"""Headless Chromium: screenshots that prove a page renders, and the pixels of each
label colour on them (entity marks that were drawn tell a rendered page from a blank one).

Used by the evaluation report (compare.html) and the Streamlit demo. Debian's
Chromium (``apt-get install chromium``) is found on PATH; without it callers say so.
"""
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# the flags keep a headless browser off the network this machine does not have
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
)


def find_browser() -> Optional[str]:
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def require_browser(browser: Optional[str] = None) -> str:
    """``browser`` or the Chromium found on PATH; a clear error naming the package if none."""
    browser = browser or find_browser()
    if browser is None:
        raise FileNotFoundError(f"no Chromium found (looked for {', '.join(BROWSERS)}); on Debian: apt-get install chromium")
    return browser


@contextlib.contextmanager
def browser_profile(settle_s: float = 10.0) -> Iterator[str]:
    """A throw-away ``--user-data-dir``. Chromium's helper processes (crash handler,
    zygote) can still write into it for a moment after the browser exits, so removal
    retries until it sticks; a profile that will not go is left in the temp dir rather
    than failing a screenshot that was already taken (CI failed on exactly that:
    'Directory not empty: Default')."""
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        yield profile
    finally:
        deadline = time.monotonic() + settle_s
        while True:
            try:
                shutil.rmtree(profile)
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)


def browser_version(browser: str) -> str:
    result = subprocess.run([browser, "--version"], capture_output=True, text=True, timeout=60)
    return result.stdout.strip() or browser


def screenshot(page: Path, png: Path, browser: Optional[str] = None, width: int = 1400, height: int = 2400,
               timeout: int = 120) -> Path:
    """Open ``page`` in headless Chromium and save a PNG of the window."""
    browser = require_browser(browser)
    png.parent.mkdir(parents=True, exist_ok=True)
    with browser_profile() as profile:
        cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
               f"--screenshot={png.resolve()}", page.resolve().as_uri()]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0 or not png.exists():
        raise RuntimeError(f"{browser} could not screenshot {page} (exit {result.returncode}):\n{result.stderr[-2000:]}")
    return png


def screenshot_when_ready(url: str, png: Path, ready_js: str, browser: Optional[str] = None, *, width: int = 1400,
                          height: int = 1400, timeout: float = 120) -> Path:
    """Screenshot a page that renders after it loads (a Streamlit app talks to its
    server over a websocket, which ``--screenshot`` does not wait for): drive headless
    Chromium over the DevTools protocol and capture once ``ready_js`` is true."""
    import base64
    import json
    import urllib.request

    from websockets.sync.client import connect

    browser = require_browser(browser)
    with browser_profile() as profile:
        # its own session, so that stopping it stops its helper processes too
        proc = subprocess.Popen([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
                                 "--remote-debugging-port=0", "about:blank"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
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
            stop_process_group(proc)
    png.parent.mkdir(parents=True, exist_ok=True)
    png.write_bytes(base64.b64decode(data))
    return png


def stop_process_group(proc: subprocess.Popen, timeout: float = 30) -> None:
    """Terminate a process started with ``start_new_session=True`` and everything it
    spawned; kill what is still there after ``timeout`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


def label_pixels(png: Path, colors: Dict[str, str], tolerance: float = 2 / 255) -> Dict[str, int]:
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
