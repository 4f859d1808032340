"""TICKER rules and linking: the patterns, the symbol table, canonical ids and the
``custom_ner_ticker_linker`` pipeline component.

Self-contained on purpose (standard library + spaCy only): ``spacy package --code``
copies this one file into the wheel, where the rest of ``custom_ner`` does not exist.
The rules live here, not elsewhere, because the shipped component applies them.

Patterns (PATTERNS, after ner_gold/GUIDELINES.md: the "$" of a cashtag and the
exchange prefix are outside the span, a Reuters suffix is inside): cashtag, exchange
prefix, Reuters instrument code (with a Toronto preferred-share or unit class:
"GWO-PRI.TO", "REI-UN.TO"), a Reuters index code (".DJI", ".SPX", its dot inside the
span), a listed symbol in parentheses after a name that is not its initials, a listed
symbol as a hashtag; and a listed symbol written just before its company's name
("UNF Unifirst Corp. Bid Size", as stock bots post). :class:`TickerAnnotator` applies them.

Canonical forms (``ent.kb_id_``):
- ``EXCHANGE:SYMBOL`` when the exchange is known: from an exchange prefix in the text
  ("NYSE: IBM" -> ``NYSE:IBM``), a Reuters instrument code ("DELL.O" -> ``NASDAQ:DELL``),
  or the symbol directory ("$AAPL" -> ``NASDAQ:AAPL``);
- the bare upper-case symbol otherwise ("$BTC" -> ``BTC``).
The company name the directory gives for the symbol is ``ent._.company`` (None if unknown).
"""
import re
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple, Union

import catalogue
import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

#: Exchange names as written in text (upper-cased, spaces removed) -> canonical code.
EXCHANGE_ALIASES: Dict[str, str] = {
    "NASDAQ": "NASDAQ", "NASDAQGS": "NASDAQ", "NASDAQGM": "NASDAQ", "NASDAQCM": "NASDAQ", "NMS": "NASDAQ",
    "NYSE": "NYSE", "NEWYORKSTOCKEXCHANGE": "NYSE",
    "AMEX": "NYSEAMERICAN", "NYSEAMERICAN": "NYSEAMERICAN", "NYSEMKT": "NYSEAMERICAN", "NYSEAMEX": "NYSEAMERICAN",
    "NYSEARCA": "NYSEARCA", "ARCA": "NYSEARCA",
    "BATS": "CBOE", "CBOE": "CBOE", "CBOEBZX": "CBOE",
    "IEX": "IEX",
    "OTC": "OTC", "OTCMKTS": "OTC", "OTCQB": "OTC", "OTCQX": "OTC", "OTCBB": "OTC", "PINK": "OTC",
    "TSX": "TSX", "TSE": "TSX", "TSXV": "TSXV", "CSE": "CSE",
    "LSE": "LSE", "LON": "LSE", "AIM": "LSE",
    "ASX": "ASX", "FRA": "FRA", "ETR": "XETRA", "XETRA": "XETRA", "EPA": "EPA", "AMS": "AMS", "EBR": "EBR",
    "BIT": "BIT", "BME": "BME", "STO": "STO", "HEL": "HEL", "CPH": "CPH", "SWX": "SIX", "SIX": "SIX",
    "HKEX": "HKEX", "HKG": "HKEX", "TYO": "TYO", "NSE": "NSE", "BSE": "BSE", "SGX": "SGX", "KRX": "KRX",
}

#: Reuters instrument code suffix -> canonical exchange code.
RIC_SUFFIXES: Dict[str, str] = {
    "O": "NASDAQ", "OQ": "NASDAQ", "OB": "OTC", "PK": "OTC",
    "N": "NYSE", "K": "NYSE", "A": "NYSEAMERICAN", "P": "NYSEARCA", "Z": "CBOE",
    "TO": "TSX", "V": "TSXV", "L": "LSE", "PA": "EPA", "DE": "XETRA", "F": "FRA", "AS": "AMS",
    "BR": "EBR", "MI": "BIT", "MC": "BME", "ST": "STO", "HE": "HEL", "CO": "CPH", "OL": "OSL",
    "VX": "SIX", "S": "SIX", "AX": "ASX", "NZ": "NZX", "HK": "HKEX", "T": "TYO", "OS": "OSA",
    "SS": "SSE", "SZ": "SZSE", "KS": "KRX", "TW": "TWSE", "SI": "SGX", "BO": "BSE", "NS": "NSE",
    "SA": "B3", "MX": "BMV", "JO": "JSE", "J": "JSE", "AU": "ASX",
}

# a Toronto preferred share or trust unit: GWO-PRI.TO, REI-UN.TO (normalized GWO.PRI.TO)
_TSX_CLASS = r"PR[A-Z]{0,2}|UN"
_RIC = re.compile(r"^(?P<base>[A-Z0-9]{1,6}[a-z]?(?:\.(?:[A-Z]|" + _TSX_CLASS + r"))?)\.(?P<suffix>[A-Z]{1,2})$")
_PREFIX = re.compile(r"(?P<exchange>[A-Za-z][A-Za-z ]{1,24}?)\s*:\s*$")

#: Upper-case abbreviations that are not trading symbols where the text does not mark
#: them as one (GUIDELINES.md: EPS, CEO, IPO, ETF, SEC, FDA are never TICKER).
NON_TICKERS: Set[str] = set(
    """A I AI AM AP BBC CEO CFO CIO COO CTO CNBC CNN DJIA DOJ EBIT EBITDA EPS ESG ET EST ETF EU
    EV FBI FCC FDA FED FOMC FTC FX FY GAAP GDP GMT HQ IMF IPO IRS IT LLC LP M&A NFL NBA NYSE
    NASDAQ OK OTC PC PDT PE PM PR PST Q QE REIT ROI RSI SEC SPAC TV UAE UK UN US USA USD UTC
    VP WSJ WHO YOY YTD ATH CPI PPI ECB OPEC NATO EDT DOW""".split()
)

_NOT_INDEXES = "|".join("""NET COM ORG GOV EDU MIL EXE DLL BAT TXT PDF DOC DOCX XLS XLSX PPT PPTX CSV XML JSON
    HTML HTM JPG JPEG PNG GIF SVG ZIP RAR MP3 MP4 WAV AVI MOV MKV ISO APK DMG BIN DAT LOG INI CFG""".split())

_EXCHANGE_WORDS = sorted({*EXCHANGE_ALIASES, "Nasdaq", "NasdaqGS", "NasdaqGM", "NasdaqCM", "NYSE American",
                          "NYSE Arca", "NYSE MKT", "Symbol", "Ticker", "ticker", "symbol"}, key=len, reverse=True)
_SYMBOL = r"[A-Z][A-Z0-9]{0,5}(?:-(?:" + _TSX_CLASS + r"))?(?:[.\-][A-Z]{1,2})?"
_RIC_SUFFIX = "|".join(sorted(RIC_SUFFIXES, key=len, reverse=True))

# (name, regex with a group "sym", needs the symbol table to confirm a bare symbol)
PATTERNS: List[Tuple[str, "re.Pattern[str]", bool]] = [
    ("cashtag", re.compile(r"(?<![\w$])\$(?P<sym>[A-Za-z]{1,6}(?:[._\-][A-Za-z]{1,3})?)(?![\w$])"), False),
    ("exchange", re.compile(r"\b(?:" + "|".join(re.escape(w) for w in _EXCHANGE_WORDS)
                            + r")\s*:\s*(?P<sym>" + _SYMBOL + r")(?![\w])"), False),
    ("ric", re.compile(r"(?<![\w.$])(?P<sym>[A-Z0-9]{1,6}[a-z]?(?:-(?:" + _TSX_CLASS + r"))?(?:\.[A-Z])?\.(?:"
                       + _RIC_SUFFIX + r"))(?![\w.])"), False),
    # Reuters news writes the code of an index after its name: "the S&P 500 .SPX rose";
    # file types and .NET, written the same way in other text, are not indexes
    ("index", re.compile(r"(?<![\w.$/])(?P<sym>\.(?!(?:" + _NOT_INDEXES + r")(?!\w))[A-Z][A-Z0-9]{2,7})(?!\w|\.\w)"), False),
    ("paren", re.compile(r"[A-Za-z.,'&]\s\((?P<sym>[A-Z]{1,5}(?:\.[A-Z])?)\)"), True),
    ("hashtag", re.compile(r"(?<![\w#])#(?P<sym>[A-Z]{2,5})(?![\w])"), True),
]
# a symbol and the word after it, for the symbol-before-its-company's-name rule
_BEFORE_NAME = re.compile(r"(?<![\w$#.&-])(?P<sym>[A-Z][A-Z0-9]{0,4})(?=\s+(?P<next>[A-Za-z][\w'&-]*))")


@dataclass(frozen=True)
class TickerMatch:
    start: int
    end: int
    pattern: str

    @property
    def offsets(self) -> Tuple[int, int]:
        return self.start, self.end


Entry = Tuple[str, str]  # (canonical exchange code or "", company name or "")


class SymbolTable:
    """Symbol -> (exchange, company). Plain dicts, so it serializes as JSON."""

    def __init__(self, entries: Optional[Dict[str, Entry]] = None) -> None:
        self.entries: Dict[str, Entry] = {k.upper(): (e, c) for k, (e, c) in (entries or {}).items()}

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, symbol: str) -> bool:
        return normalize_symbol(symbol) in self.entries

    def get(self, symbol: str) -> Optional[Entry]:
        return self.entries.get(normalize_symbol(symbol))

    def add(self, symbol: str, exchange: str = "", company: str = "", overwrite: bool = False) -> None:
        key = normalize_symbol(symbol)
        if overwrite or key not in self.entries:
            self.entries[key] = (exchange, company)

    def to_bytes(self) -> bytes:
        return srsly.json_dumps({k: list(v) for k, v in sorted(self.entries.items())}).encode("utf8")

    @classmethod
    def from_bytes(cls, data: bytes) -> "SymbolTable":
        return cls({k: (v[0], v[1]) for k, v in srsly.json_loads(data.decode("utf8")).items()})


def normalize_symbol(symbol: str) -> str:
    """Share classes are written BRK.B, BRK-B, BRK/B or BRK_B; the table uses BRK.B."""
    symbol = symbol.strip().lstrip("$#")
    ric = re.match(r"^([A-Z0-9]{1,6})([a-z])(\.[A-Z]{1,2})$", symbol)  # Reuters share class: BASFn.DE
    if ric:
        return ric.group(1) + ric.group(3)
    return re.sub(r"[-/_]", ".", symbol.upper())


def exchange_code(name: str) -> Optional[str]:
    """The canonical code of an exchange as written in text ("Nasdaq", "NYSE American"), or None."""
    return EXCHANGE_ALIASES.get(re.sub(r"[\s.]", "", name).upper())


def canonicalize(surface: str, table: SymbolTable, prefix: str = "") -> Tuple[str, Optional[str]]:
    """(canonical id, company name or None) of a TICKER written ``surface``.

    ``prefix`` is the text just before the span: an exchange named there ("NYSE:")
    wins over the directory; a Reuters suffix names the exchange unless the whole
    surface is itself a listed share-class symbol (BF.A is Brown-Forman class A, not
    BF on NYSE American).
    """
    symbol = normalize_symbol(surface)
    match = _PREFIX.search(prefix)
    named = exchange_code(match.group("exchange")) if match else None
    entry = table.get(symbol)
    ric = _RIC.match(symbol)
    if entry is None and ric and ric.group("suffix") in RIC_SUFFIXES:
        base = ric.group("base")
        base_entry = table.get(base)
        company = base_entry[1] if base_entry and base_entry[1] else None
        return f"{named or RIC_SUFFIXES[ric.group('suffix')]}:{base}", company
    company = entry[1] if entry and entry[1] else None
    exchange = named or (entry[0] if entry else "")
    return (f"{exchange}:{symbol}" if exchange else symbol), company


class TickerAnnotator:
    """Finds TICKER character spans in a text with PATTERNS, confirmed by a symbol table."""

    def __init__(self, table: SymbolTable, non_tickers: Iterable[str] = NON_TICKERS) -> None:
        self.table = table
        self.non_tickers = {s.upper() for s in non_tickers}

    def accept(self, symbol: str, needs_table: bool, before: str = "") -> bool:
        key = normalize_symbol(symbol)
        if needs_table:
            return key not in self.non_tickers and key in self.table and not is_abbreviation(key, before)
        return True

    def find(self, text: str) -> List[TickerMatch]:
        """Non-overlapping matches, earlier patterns first (a cashtag beats a hashtag)."""
        found: List[TickerMatch] = []
        taken: Set[int] = set()
        for name, pattern, needs_table in PATTERNS:
            for m in pattern.finditer(text):
                start, end = m.span("sym")
                before = text[max(0, start - 80) : start]
                if taken.intersection(range(start, end)) or not self.accept(m.group("sym"), needs_table, before):
                    continue
                found.append(TickerMatch(start, end, name))
                taken.update(range(start, end))
        for m in _BEFORE_NAME.finditer(text):
            start, end = m.span("sym")
            if not taken.intersection(range(start, end)) and self.names_its_company(m.group("sym"), m.group("next")):
                found.append(TickerMatch(start, end, "name"))
                taken.update(range(start, end))
        return sorted(found, key=lambda t: t.start)

    def names_its_company(self, symbol: str, next_word: str) -> bool:
        """True when ``next_word`` begins the name of the company listed as ``symbol`` and
        that name does not begin with the symbol itself ("BP p.l.c.", "PBF Energy": there
        the symbol is the name)."""
        entry = self.table.get(symbol)
        if symbol in self.non_tickers or entry is None or not entry[1]:
            return False
        first = company_short_name(entry[1]).split()[0].strip(",.").lower()
        return first != symbol.lower() and first == next_word.lower()

    def aligned(self, doc: Doc, label: str = "TICKER") -> Tuple[List[Tuple[Span, TickerMatch]], List[TickerMatch]]:
        """TICKER spans on ``doc``'s tokens with the match each came from, and the
        matches that are not on token boundaries."""
        found, unaligned = [], []
        for match in self.find(doc.text):
            span = doc.char_span(match.start, match.end, label=label)
            if span is None:
                unaligned.append(match)
            else:
                found.append((span, match))
        return found, unaligned

    def spans(self, doc: Doc, label: str = "TICKER") -> Tuple[List[Span], List[TickerMatch]]:
        """TICKER spans on ``doc``'s tokens, and the matches that are not on token boundaries."""
        found, unaligned = self.aligned(doc, label)
        return [span for span, _ in found], unaligned


_MINOR_WORDS = {"of", "and", "the", "for", "&", "de", "du", "la", "on", "in"}


def is_abbreviation(symbol: str, before: str) -> bool:
    """True when ``symbol`` spells the initials of the words before it, as in
    "World Trade Organization (WTO)": an abbreviation introduced in the text, not a symbol."""
    words = [w for w in re.findall(r"[A-Za-z][\w'-]*|&", before) if w.lower() not in _MINOR_WORDS]
    letters = symbol.replace(".", "")
    if len(words) < len(letters):
        return False
    initials = "".join(w[0] for w in words[-len(letters):]).upper()
    return initials == letters


# a company name's legal and descriptive tail: "Coinbase Global, Inc." is "Coinbase" in text
_COMPANY_SUFFIX = re.compile(
    r"[,.]?\s+(?:Inc|Incorporated|Corp|Corporation|Co|Company|Ltd|Limited|plc|PLC|LLC|L\.P|LP|N\.V|S\.A|AG|SE"
    r"|Holdings?|Group|Global|International|Technologies|Enterprises|Trust|Bancorp|Financial|Brands|Industries"
    r"|Partners|Class\s+\w+)\b.*$")
_URL = re.compile(r"^(?:[a-z][a-z+.-]*://|www\.)", re.IGNORECASE)
# words that make a text one about companies and markets
_MARKET_WORDS = re.compile(
    r"\b(?:shares?|stocks?|earnings|revenue|quarter|investors?|analysts?|NYSE|Nasdaq|dividend|valuation|IPO"
    r"|market cap|per share)\b|\$[A-Z]", re.IGNORECASE)


def company_short_name(company: str) -> str:
    """The name a text uses for a listed company: its legal tail stripped."""
    previous = None
    while previous != company:
        previous, company = company, _COMPANY_SUFFIX.sub("", company).strip(" ,.")
    return company


class TickerLinker:
    """Sets ``kb_id_`` and ``_.company`` of every TICKER entity from a symbol table.

    With ``add_matches`` it first makes every pattern match (PATTERNS and the symbol
    before its company's name) a TICKER, taking its tokens from any entity it overlaps:
    on ner_gold dev the patterns are more precise than the statistical model on these
    forms, and the model still finds the bare symbols. The overlapped entity keeps what
    lies outside the match ("UNF Unifirst Corp." read as one ORG: "UNF" becomes the
    TICKER, "Unifirst Corp." stays ORG).

    A TICKER the model made on a link ("https://t.co/..."; tweets end with them) is dropped.

    With ``unlisted_label`` (the TICKER guard), a TICKER the model made on a symbol the
    table does not list, and no pattern confirms, gets that label instead: on CoNLL-2003
    such all-caps words (SLORC, NATS, BJP, NTT) are organisations, not symbols
    (docs/history.md has what it gains and costs).

    With ``company_label`` (the company guard), a PERSON entity whose text is the short
    name of a listed company ("Coinbase", "Carvana", "DuPont") gets that label, in a
    text about markets (a TICKER, or words such as shares, earnings, Nasdaq) and unless
    the text names a person ending in it: the model's most frequent PERSON error on the
    financial gold sets is a company name (docs/history.md).
    """

    def __init__(self, nlp: Language, name: str, label: str = "TICKER", prefix_chars: int = 24,
                 add_matches: bool = True, *, unlisted_label: Optional[str] = None,
                 company_label: Optional[str] = None) -> None:
        self.name = name
        self.company_label = company_label
        self.label = label
        self.prefix_chars = prefix_chars
        self.add_matches = add_matches
        self.unlisted_label = unlisted_label
        self.set_table(SymbolTable())
        for extension in ("company", "ticker_rule"):
            if not Span.has_extension(extension):
                Span.set_extension(extension, default=None)

    def __call__(self, doc: Doc) -> Doc:
        ents = list(doc.ents)
        rules: Dict[Tuple[int, int], str] = {}
        if self.add_matches:
            found, _ = self.annotator.aligned(doc, self.label)
            matches = [span for span, _ in found]
            rules = {(span.start, span.end): match.pattern for span, match in found}
            covered = {i for span in matches for i in range(span.start, span.end)}
            ents = sorted([piece for e in ents for piece in outside(e, covered)] + matches, key=lambda span: span.start)
        linked = []
        extras = []
        for ent in ents:
            if ent.label_ != self.label:
                linked.append(ent)
                continue
            if _URL.match(ent.text):  # a link is never a symbol: no entity at all
                continue
            if self.unlisted_label and (ent.start, ent.end) not in rules and ent.text not in self.table:
                linked.append(Span(doc, ent.start, ent.end, label=self.unlisted_label))
                continue
            prefix = doc.text[max(0, ent.start_char - self.prefix_chars) : ent.start_char]
            kb_id, company = canonicalize(ent.text, self.table, prefix)
            span = Span(doc, ent.start, ent.end, label=ent.label, kb_id=kb_id)
            linked.append(span)
            extras.append((span, company, rules.get((span.start, span.end))))
        if self.company_label and self.company_names:
            linked = self.relabel_companies(doc, linked)
        doc.ents = linked
        for span, company, rule in extras:
            span._.company = company
            # which pattern made this TICKER (None: the statistical model): the
            # confidence component gives rule matches the rule's measured precision
            span._.ticker_rule = rule
        return doc

    def relabel_companies(self, doc: Doc, ents: List[Span]) -> List[Span]:
        """The company guard (see the class docstring) applied to ``ents``. It runs on
        every doc: the set lookup comes first, the text search only for a candidate."""
        people = [e for e in ents if e.label_ == "PERSON"]
        candidates = {(e.start, e.end) for e in people if e.text in self.company_names}
        if not candidates or not (any(e.label_ == self.label for e in ents) or _MARKET_WORDS.search(doc.text)):
            return ents
        out = []
        for ent in ents:
            if (ent.start, ent.end) in candidates and not any(
                    len(p) > len(ent) and p[-len(ent):].text == ent.text for p in people):  # a person named in full
                ent = Span(doc, ent.start, ent.end, label=self.company_label, kb_id=ent.kb_id_)
            out.append(ent)
        return out

    def set_table(self, table: SymbolTable) -> None:
        self.table = table
        self.annotator = TickerAnnotator(table)  # built once per table, not once per doc
        self.company_names: Set[str] = {name for name in (company_short_name(company) for _, company in table.entries.values()
                                                if company) if len(name) > 2}

    def initialize(self, get_examples: Optional[Callable] = None, *, nlp: Optional[Language] = None,
                   table: Optional[Union[SymbolTable, Dict[str, Any]]] = None) -> None:
        if table is not None:
            self.set_table(table if isinstance(table, SymbolTable) else SymbolTable(table))

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        return self.table.to_bytes()

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = tuple()) -> "TickerLinker":
        self.set_table(SymbolTable.from_bytes(data))
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "symbols.json").write_bytes(self.table.to_bytes())

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> "TickerLinker":
        self.set_table(SymbolTable.from_bytes((Path(path) / "symbols.json").read_bytes()))
        return self


FACTORY = "custom_ner_ticker_linker"


def outside(ent: Span, covered: Set[int]) -> List[Span]:
    """The parts of ``ent`` outside the ``covered`` token indices, with the same label,
    without the punctuation and symbols at their edges (GUIDELINES.md: spans hold none)."""
    if not covered.intersection(range(ent.start, ent.end)):
        return [ent]
    parts = []
    for is_covered, run in groupby(range(ent.start, ent.end), key=covered.__contains__):
        if is_covered:
            continue
        wordy = [i for i in run if any(ch.isalnum() for ch in ent.doc[i].text)]
        if wordy:  # from the first to the last token with a letter or digit
            parts.append(Span(ent.doc, wordy[0], wordy[-1] + 1, label=ent.label, kb_id=ent.kb_id))
    return parts


def make_ticker_linker(nlp: Language, name: str, *, label: str, prefix_chars: int, add_matches: bool,
                       unlisted_label: Optional[str], company_label: Optional[str]) -> TickerLinker:
    return TickerLinker(nlp, name, label=label, prefix_chars=prefix_chars, add_matches=add_matches,
                        unlisted_label=unlisted_label, company_label=company_label)


# This file exists twice in a process that imports the project's code and also loads
# the en_custom_ner wheel (which carries its own copy); spaCy refuses a second,
# different function under one factory name (E004), so the first copy registers.
if not catalogue.check_exists(*registry.factories.namespace, FACTORY):  # in memory only, no entry points
    Language.factory(
        FACTORY,
        default_config={"label": "TICKER", "prefix_chars": 24, "add_matches": True, "unlisted_label": None,
                        "company_label": None},
        requires=["doc.ents"],
        assigns=["doc.ents", "token.ent_kb_id"],
    )(make_ticker_linker)
