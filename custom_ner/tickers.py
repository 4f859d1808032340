"""Rule-based TICKER annotation from patterns and symbol directories.

Used to measure how far rules get against the gold TICKER spans and to make silver
training data from the unannotated financial texts (scripts/annotate_tickers.py,
scripts/make_silver.py). Patterns follow ner_gold/GUIDELINES.md: the "$" of a
cashtag and the exchange prefix are outside the span, a Reuters suffix is inside.
"""
import re
from pathlib import Path
from typing import Dict, Iterable, Optional, Sequence, Tuple, Union


from .errors import ConversionError
from .ticker_linker import EXCHANGE_ALIASES, NON_TICKERS, PATTERNS, SymbolTable, TickerAnnotator, TickerMatch  # noqa: F401

#: NASDAQ Trader "otherlisted" exchange letters -> canonical exchange code.
OTHERLISTED_EXCHANGES = {"A": "NYSEAMERICAN", "N": "NYSE", "P": "NYSEARCA", "Z": "CBOE", "V": "IEX", "M": "NYSECHICAGO"}

def read_nasdaq_directory(path: Union[str, Path]) -> SymbolTable:
    """A NASDAQ Trader symbol directory file (nasdaqlisted.txt or otherlisted.txt).

    Test issues are skipped; the company name is the security name up to its
    " - " or share description, which is what a reader recognises.
    """
    path = Path(path)
    table = SymbolTable()
    lines = path.read_text(encoding="ascii", errors="strict").splitlines()
    if not lines:
        raise ConversionError(path, 1, "empty symbol directory")
    header = lines[0].split("|")
    if header[0] not in ("Symbol", "ACT Symbol") or "Security Name" not in header:
        raise ConversionError(path, 1, f"not a NASDAQ Trader symbol directory (header {lines[0][:60]!r})")
    col = {name: i for i, name in enumerate(header)}
    for line_no, line in enumerate(lines[1:], 2):
        if line.startswith("File Creation Time") or not line.strip():
            continue
        fields = line.split("|")
        if len(fields) != len(header):
            raise ConversionError(path, line_no, f"expected {len(header)} fields, found {len(fields)}")
        if fields[col["Test Issue"]] == "Y":
            continue
        if "Exchange" in col:
            exchange = OTHERLISTED_EXCHANGES.get(fields[col["Exchange"]], "")
        else:
            exchange = "NASDAQ"
        symbol = fields[0].replace("$", ".P")  # preferred shares: BFH$A
        table.add(symbol, exchange, company_name(fields[col["Security Name"]]))
    return table


def company_name(security_name: str) -> str:
    """'Dell Technologies Inc. Class C Common Stock' -> 'Dell Technologies Inc.'"""
    name = security_name.split(" - ")[0]
    name = re.split(r"\s+(?:Class [A-Z]\b|Common Stock|Common Shares|Ordinary Shares|American Depositary|"
                    r"Depositary Shares|Units?\b|Warrants?\b|Rights?\b|Series [A-Z]\b|\d)", name)[0]
    return re.sub(r"\s+New$", "", name.strip(" ,"))


def pytickersymbols_table() -> SymbolTable:
    """Index constituents worldwide from the ``pytickersymbols`` package (Yahoo/Google codes)."""
    from pytickersymbols import PyTickerSymbols

    table = SymbolTable()
    for stock in PyTickerSymbols().get_all_stocks():
        for codes in stock.get("symbols", []):
            google = codes.get("google") or ""
            exchange, _, symbol = google.partition(":")
            canonical = EXCHANGE_ALIASES.get(exchange.upper(), exchange.upper())
            if symbol:
                table.add(symbol, canonical, stock.get("name", ""))
            yahoo = codes.get("yahoo") or ""
            if yahoo:
                table.add(yahoo, canonical, stock.get("name", ""))
    return table


def build_symbol_table(directory_files: Sequence[Union[str, Path]], use_pytickersymbols: bool = True) -> SymbolTable:
    """US listings from the NASDAQ Trader files first, then pytickersymbols for the rest."""
    table = SymbolTable()
    for path in directory_files:
        for symbol, (exchange, company) in read_nasdaq_directory(path).entries.items():
            table.add(symbol, exchange, company)
    if use_pytickersymbols:
        for symbol, (exchange, company) in pytickersymbols_table().entries.items():
            table.add(symbol, exchange, company)
    return table


def score_spans(predicted: Iterable[Tuple[int, int]], gold: Iterable[Tuple[int, int]]) -> Dict[str, float]:
    """Exact-match precision/recall/F of character spans (one text or pooled with offsets)."""
    pred, ref = set(predicted), set(gold)
    tp = len(pred & ref)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(ref) if ref else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "predicted": len(pred), "gold": len(ref)}


def load_table(path: Optional[Union[str, Path]]) -> SymbolTable:
    """A table written by scripts/build_symbols.py (JSON), or an empty one for None."""
    if path is None:
        return SymbolTable()
    return SymbolTable.from_bytes(Path(path).read_bytes())
