"""OFX/QFX statements: ofxparse reads them, this module first repairs the bytes real banks send (see
shared/formats/ofx.md: SGML headers, bodies in windows-1252 or latin-1, UTF-8 under a 1252 header, raw `&`,
empty dates) and then takes what ofxparse gets wrong from the raw text (booking dates without a time-zone shift,
FITIDs a bank repeats).

It stays one small module of the web app rather than an adapter because it parses nothing itself: ofxparse does,
and the repairs are a dozen regular expressions tied to that one library's weaknesses."""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from webapp.errors import DomainError

CENT = Decimal("0.01")
_HEADER_LINE = re.compile(rb"^\s*([A-Z]+):(.*?)\s*$")
# A `&` that does not start a character reference: a raw ampersand in a name (« M & MME »).
_RAW_AMP = re.compile(r"&(?!#\d+;|#x[0-9a-fA-F]+;|[a-zA-Z]+;)")
# Optional leaves a bank leaves empty: ofxparse refuses an empty name or date, so they go.
_EMPTY_LEAF = re.compile(r"<(DTUSER|DTAVAIL|DTSTART|DTEND|DTASOF|NAME|MEMO|CHECKNUM)>[ \t]*(?=\n|<)", re.I)
_EMPTY_POSTED = re.compile(r"<DTPOSTED>[ \t]*(?=\n|<)", re.I)
NO_FITID = "SANS-FITID"
_BLOCK = re.compile(r"<STMTTRN>(.*?)(?=</?STMTTRN>|</BANKTRANLIST>)", re.I | re.S)


def _leaf(block: str, tag: str) -> str:
    """A leaf element's raw text, closed or not."""
    match = re.search(rf"<{tag}>([^<\r\n]*)", block, re.I)
    return match.group(1).strip() if match else ""


def _decode(data: bytes) -> str:
    """The real encoding, whatever the header claims: UTF-8 if it decodes strictly, else windows-1252, else
    latin-1 (the bytes windows-1252 leaves undefined)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _day(raw: str, what: str, fitid: str) -> date | None:
    """The date as the bank wrote it: the first 8 digits, the time and its zone ignored."""
    if not raw:
        return None
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise DomainError(f"Relevé OFX : {what} « {raw[:30]} » illisible (opération {fitid or 'sans FITID'}).",
                          "file") from None


def _repaired(match: re.Match[str]) -> str:
    """A movement without a FITID gets a mark ofxparse accepts (its identity is then its content); one without a
    booking date takes its operation date (DTUSER), and without either it is refused."""
    block = match.group(0)
    if not _leaf(block, "FITID"):
        block = re.sub(r"(?i)<FITID>[ \t]*(</FITID>)?", "", block)
        block = f"<STMTTRN>\n<FITID>{NO_FITID}" + block[len("<STMTTRN>"):]
    if not _EMPTY_POSTED.search(block) and _leaf(block, "DTPOSTED"):
        return block
    user_date = _leaf(block, "DTUSER")
    if not user_date:
        raise DomainError(f"Relevé OFX : l'opération {_leaf(block, 'FITID') or 'sans FITID'} n'a pas de date.",
                          "file")
    block = _EMPTY_POSTED.sub("", block)
    return f"<STMTTRN>\n<DTPOSTED>{user_date}" + block[len("<STMTTRN>"):]


def normalise(data: bytes) -> tuple[bytes, list[str]]:
    """Bytes ofxparse reads right, and each movement's raw text (for its dates and FITID)."""
    text = _decode(data).replace("\r\n", "\n").replace("\r", "\n")
    start = text.upper().find("<OFX>")
    if start < 0:
        raise DomainError("Relevé OFX illisible : la balise <OFX> manque.", "file")
    body = _RAW_AMP.sub("&amp;", text[start:])
    body = _BLOCK.sub(_repaired, body)
    body = _EMPTY_LEAF.sub("", body)
    blocks = _BLOCK.findall(body)
    # Always an SGML header in UTF-8 (ofxparse then ignores CHARSET, and reads XML bodies as well), and the body
    # written with character references for anything beyond ASCII, which both its parsers restore.
    header = ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:UTF-8\nCHARSET:NONE\n"
              "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n")
    return (header + body).encode("ascii", "xmlcharrefreplace"), blocks


@dataclass(frozen=True)
class OfxTransaction:
    identity: str
    fitid: str
    type: str
    booked_on: date
    user_date: date | None
    amount: Decimal
    name: str
    text: str


@dataclass(frozen=True)
class OfxStatement:
    account: str
    currency: str
    balance: Decimal | None
    balance_date: date | None
    transactions: list[OfxTransaction]


def _identity(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def read(data: bytes) -> list[OfxStatement]:
    """The bank statements of an OFX or QFX file, booking dates as the bank wrote them."""
    import ofxparse
    from bs4 import XMLParsedAsHTMLWarning

    fixed, blocks = normalise(data)
    try:
        with warnings.catch_warnings():  # ofxparse's BeautifulSoup warns on XML bodies and its own findAll
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            parsed = ofxparse.OfxParser.parse(io.BytesIO(fixed))
    except (ofxparse.OfxParserException, ValueError, TypeError, AttributeError, IndexError, KeyError,
            InvalidOperation) as error:
        raise DomainError(f"Relevé OFX illisible : {str(error)[:200] or type(error).__name__}.", "file") from None
    statements = []
    for account in parsed.accounts:
        statement = getattr(account, "statement", None)
        if statement is None or not hasattr(statement, "transactions"):
            continue
        number = "".join(filter(None, [account.routing_number, account.branch_id, account.account_id]))
        statements.append(_statement(number, statement, blocks[:len(statement.transactions)]))
        blocks = blocks[len(statement.transactions):]
    if not statements:
        raise DomainError("Relevé OFX sans relevé de compte bancaire (BANKMSGSRSV1).", "file")
    return statements


def _statement(number: str, statement: object, blocks: list[str]) -> OfxStatement:
    transactions = statement.transactions  # type: ignore[attr-defined]
    fitids = Counter(_leaf(block, "FITID") for block in blocks)
    seen: Counter[tuple[object, ...]] = Counter()
    result = []
    for transaction, block in zip(transactions, blocks, strict=True):
        fitid = "" if _leaf(block, "FITID") == NO_FITID else _leaf(block, "FITID")
        booked = _day(_leaf(block, "DTPOSTED"), "date d'opération", fitid)
        user_date = _day(_leaf(block, "DTUSER"), "date de valeur", fitid)
        booked = booked or user_date
        if booked is None:
            raise DomainError(f"Relevé OFX : l'opération {fitid or 'sans FITID'} n'a pas de date.", "file")
        amount = Decimal(transaction.amount).quantize(CENT)
        name, memo = (transaction.payee or "").strip(), (transaction.memo or "").strip()
        text = " ".join(part for part in (name, memo) if part)
        if fitid and fitids[fitid] == 1:
            identity = _identity(number, fitid)
        else:  # a bank that repeats FITIDs (or gives none): the movement's own content, and its rank among twins
            key = (booked, amount, name, memo)
            seen[key] += 1
            identity = _identity(number, *key, seen[key])
        result.append(OfxTransaction(identity, fitid, (transaction.type or "").lower(), booked, user_date, amount,
                                     name, text))
    balance = getattr(statement, "balance", None)
    balance_date = getattr(statement, "balance_date", None)
    return OfxStatement(number, (getattr(statement, "currency", "") or "EUR").upper(),
                        None if balance is None else Decimal(balance).quantize(CENT),
                        balance_date.date() if balance_date else None, result)
