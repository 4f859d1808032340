"""The symbol table behind the TICKER rules and the linker: which symbols exist, on
which exchange, for which company.

US listings come from the NASDAQ Trader symbol directories (every US-listed symbol
with its exchange; test issues skipped), index constituents worldwide from the
``pytickersymbols`` package. The table is written as JSON by the ``symbols`` step and
saved inside the linker component of the packaged pipeline.
"""
import re
from pathlib import Path
from typing import Optional, Sequence, Union

from ..data.errors import ConversionError
from ..data.lines import read_lines
from .linker import EXCHANGE_ALIASES, SymbolTable

#: NASDAQ Trader "otherlisted" exchange letters -> canonical exchange code.
OTHERLISTED_EXCHANGES = {"A": "NYSEAMERICAN", "N": "NYSE", "P": "NYSEARCA", "Z": "CBOE", "V": "IEX", "M": "NYSECHICAGO"}


def read_nasdaq_directory(path: Union[str, Path]) -> SymbolTable:
    """A NASDAQ Trader symbol directory file (nasdaqlisted.txt or otherlisted.txt).

    Test issues are skipped; the company name is the security name up to its
    " - " or share description, which is what a reader recognises.
    """
    table = SymbolTable()
    lines = read_lines(path, "ascii")
    if lines[0].error:
        raise ConversionError(path, 1, lines[0].error)
    header = lines[0].text.split("|")
    if header[0] not in ("Symbol", "ACT Symbol") or "Security Name" not in header:
        raise ConversionError(path, 1, f"not a NASDAQ Trader symbol directory (header {lines[0].text[:60]!r})")
    col = {name: i for i, name in enumerate(header)}
    for ln in lines[1:]:
        if ln.error:
            raise ConversionError(path, ln.number, ln.error)
        if ln.text.startswith("File Creation Time") or ln.blank:
            continue
        fields = ln.text.split("|")
        if len(fields) != len(header):
            raise ConversionError(path, ln.number, f"expected {len(header)} fields, found {len(fields)}")
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


def load_table(path: Optional[Union[str, Path]]) -> SymbolTable:
    """A table written by :func:`write_symbol_table` (JSON), or an empty one for None."""
    if path is None:
        return SymbolTable()
    if not Path(path).is_file():
        raise ConversionError(path, None, "symbol table not found (run the 'symbols' step)")
    return SymbolTable.from_bytes(Path(path).read_bytes())


def write_symbol_table(directory_files: Sequence[Union[str, Path]], output: Union[str, Path],
                       use_pytickersymbols: bool = True) -> SymbolTable:
    """Build the table (``build_symbol_table``) and save it as JSON for the other steps."""
    table = build_symbol_table(directory_files, use_pytickersymbols)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(table.to_bytes())
    return table
