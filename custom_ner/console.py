"""How the scripts print: wasabi for tables and info, single unwrapped lines for
paths and ``FILE:LINE`` references (wasabi wraps every message at 80 columns)."""
import sys
from typing import NoReturn

from wasabi import msg  # noqa: F401  (re-exported: tables, info and progress lines)

GOOD, BAD = "\u2714", "\u2718"


def line(ok: bool, text: object) -> None:
    """One unwrapped status line: paths and FILE:LINE references stay whole and greppable."""
    print(f"{GOOD if ok else BAD} {text}", flush=True)


def fail(message: object, code: int = 1) -> NoReturn:
    """Print one unwrapped error line to stderr and exit with ``code``."""
    print(f"{BAD} {message}", file=sys.stderr, flush=True)
    sys.exit(code)
