"""ROLMRE, the legacy 500-character roll (« fichier de liaison recettes sur rôles »).

Specification: arrêté of 4 January 2010 (DEVO1000634A), JORF of 2 March 2010,
annex (layout), annexes 1 and 2 (keys). Obsolete for titles since 1 January 2015
(arrêté of 27 June 2007, art. 8): kept for treasuries and tools that still take it.
One record per debt; amounts in cents on 12 digits; text left-aligned and padded
with spaces. :data:`LAYOUT` is the only description of the positions: writing
and reading both follow it.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import BinaryIO, Literal

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from . import keys, shapes
from .errors import FieldError, FileFormatError
from .records import Piece, RibAccount, Roll, RolmreArticle

RECORD_LENGTH = 500
UTF8_BOM = b"\xef\xbb\xbf"  # what a text editor saving in UTF-8 may put first
Kind = Literal["digits", "text", "amount", "date"]


@dataclass(frozen=True)
class Zone:
    """One zone of the record: 1-based start, length, and how it is padded."""

    name: str
    start: int
    length: int
    kind: Kind

    @property
    def slice(self) -> slice:
        return slice(self.start - 1, self.start - 1 + self.length)


LAYOUT: tuple[Zone, ...] = tuple(
    Zone(*row)
    for row in (
        ("ROLMVT", 1, 1, "digits"),
        ("ROLCOL", 2, 2, "digits"),
        ("ROLNAT", 4, 2, "digits"),
        ("ROLEX", 6, 4, "digits"),
        ("ROLPER", 10, 1, "digits"),
        ("ROLDET", 11, 13, "digits"),
        ("ROLCLE1", 24, 1, "digits"),
        ("ROLNUL", 25, 1, "digits"),
        ("ROLCLE2", 26, 1, "text"),
        ("ROLREC", 27, 2, "text"),
        ("ROLDAT", 29, 8, "date"),
        ("ROLROL", 37, 2, "digits"),
        ("ROLEAU", 39, 12, "amount"),
        ("ROLASS", 51, 12, "amount"),
        ("ROLTVE", 63, 12, "amount"),
        ("ROLTVA", 75, 12, "amount"),
        ("ROLTOT", 87, 12, "amount"),
        ("ROLNMAJ", 99, 12, "amount"),
        ("ROLNOM", 111, 32, "text"),
        ("ROLCNM", 143, 32, "text"),
        ("ROLDIS", 175, 32, "text"),
        ("ROLADR", 207, 32, "text"),
        ("ROLCVI", 239, 32, "text"),
        ("ROLCP", 271, 5, "text"),
        ("ROLLOC", 276, 27, "text"),
        ("ROLORU", 303, 32, "text"),
        ("ROLOVI", 335, 32, "text"),
        ("ROLPRE", 367, 1, "text"),
        ("ROLRET", 368, 5, "text"),
        ("ROLRGU", 373, 5, "text"),
        ("ROLRCO", 378, 11, "text"),
        ("ROLRCL", 389, 2, "text"),
        ("ROLTIT", 391, 24, "text"),
        ("ROLCLI", 415, 20, "text"),
        ("ROLSCH", 435, 10, "text"),
        ("ROLART", 445, 20, "text"),
        ("ROLMONNAIE", 465, 1, "text"),
        ("ROLHOM", 466, 1, "text"),
        ("ROLDEB", 467, 2, "text"),
        ("FILLER", 469, 30, "text"),
        ("ROLTPR", 499, 1, "text"),
        ("ROLVER", 500, 1, "text"),
    )
)

#: Zones whose content the layout fixes.
CONSTANTS = {"ROLNUL": "0", "ROLMONNAIE": "E", "ROLHOM": "", "FILLER": "", "ROLVER": "2"}
_COMPUTED = frozenset({"ROLCLE1", "ROLCLE2", "ROLTOT", *CONSTANTS})
MOVEMENTS = frozenset("1234")
REVENUE_TYPES = frozenset({"0", "1", "2", ""})  # "" (a space): what Noethys writes
_REVENUE_CODE = re.compile(r"[A-Z]{2}")
_POSTCODE = re.compile(r"[0-9]{5}")
_RIB = re.compile(r"[0-9]{10}[0-9A-Z]{11}[0-9]{2}")
_MAX_CENTS = 10**12


def _cents(value: Decimal, zone: str, line: int, *, positive: bool) -> str:
    exponent = value.as_tuple().exponent if isinstance(value, Decimal) else None
    if not isinstance(exponent, int) or exponent < -2:
        raise FieldError("montant décimal à deux décimales au plus attendu", line=line, field=zone, value=value)
    cents = int(value * 100)
    if cents < 0 or (positive and cents == 0) or cents >= _MAX_CENTS:
        sign = "strictement positif" if positive else "positif ou nul"
        raise FieldError(f"montant {sign} de moins de 10 milliards attendu", line=line, field=zone,
                           value=str(value))
    return str(cents)


def _account_zones(account: RibAccount | None, line: int) -> dict[str, str]:
    if account is None:
        return {"ROLRET": "", "ROLRGU": "", "ROLRCO": "", "ROLRCL": "", "ROLTIT": ""}
    bban = account.bank_code + account.branch_code + account.account_number + account.key
    if not _RIB.fullmatch(bban):
        raise FieldError("RIB attendu : banque et guichet de 5 chiffres, compte de 11 caractères, clé de 2 chiffres",
                           line=line, field="ROLRCO", value=bban)
    try:
        IBAN(str(IBAN.from_bban("FR", bban)), validate_bban=True)
    except SchwiftyException as e:
        raise FieldError(f"RIB invalide ({e})", line=line, field="ROLRCL", value=bban) from e
    return {
        "ROLRET": account.bank_code,
        "ROLRGU": account.branch_code,
        "ROLRCO": account.account_number,
        "ROLRCL": account.key,
        "ROLTIT": account.holder,
    }


def from_roll(roll: Roll, basis: keys.Cle1Basis, revenue_code: str) -> list[RolmreArticle]:
    """The ROLMRE articles of the same roll a PES ORMC file is written from: one model, two writers.

    ROLMRE's ``ROLCOL`` and ``ROLNAT`` are exactly the inputs of the ORMC ``Cle1``
    (``basis``); ``ROLREC`` (``revenue_code``, 2 letters) is the one code PES has no
    place for. Each piece becomes one article: its total, its debtor's name and
    address (cut to the zones' widths), its object over ``ROLORU``/``ROLOVI``, and
    the RIB of a French IBAN when one of its lines is collected by direct debit.
    """
    bordereau = roll.bordereau
    return [_article(piece, n, bordereau.fiscal_year, bordereau.date, bordereau.number, basis, revenue_code)
            for n, piece in enumerate(roll.pieces, start=1)]


def _article(piece: Piece, line: int, fiscal_year: int, issued: date, roll_number: int, basis: keys.Cle1Basis,
             revenue_code: str) -> RolmreArticle:
    debtor, address = piece.debtor, piece.debtor.address
    debit = any(item.debit is not None for item in piece.lines)
    account = None
    if debit:
        bank = debtor.bank_account
        iban = (bank.iban if bank else "").replace(" ", "").upper()
        if not iban.startswith("FR") or len(iban) != 27:
            raise FieldError("ROLMRE ne porte qu'un RIB français : IBAN FR de 27 caractères attendu", line=line,
                             field="ROLRCO", value=iban)
        account = RibAccount(bank_code=iban[4:9], branch_code=iban[9:14], account_number=iban[14:25],
                             key=iban[25:27], holder=_fit(bank.holder, "ROLTIT"))
    name = " ".join(part for part in (debtor.last_name, debtor.first_name) if part)
    text = piece.object or ""
    return RolmreArticle(
        collectivity_code=basis.collectivity_code, nature_code=basis.nature_code, fiscal_year=fiscal_year,
        period=piece.period, debt_number=piece.debt_number, revenue_code=revenue_code, issue_date=issued,
        roll_number=roll_number, amount=piece.total, name=_fit(name, "ROLNOM"),
        distribution=_fit(address.extra or "", "ROLDIS"), street=_fit(address.street, "ROLADR"),
        locality=_fit(address.locality or "", "ROLCVI"), postcode=address.postcode, town=_fit(address.town, "ROLLOC"),
        object1=_fit(text, "ROLORU"), object2=_fit(text[_width("ROLORU"):].strip(), "ROLOVI"),
        direct_debit=debit, account=account, client_number=_fit(debtor.reference or "", "ROLCLI"))


def _width(zone: str) -> int:
    return next(z.length for z in LAYOUT if z.name == zone)


def _fit(text: str, zone: str) -> str:
    return text[:_width(zone)].rstrip()


def zones(article: RolmreArticle, line: int = 1) -> dict[str, str]:
    """The zone values of ``article`` before padding; keys and total are computed here."""
    try:
        shapes.check(article)
    except FieldError as e:
        raise FieldError(e.message, line=line, field=e.field, value=e.value) from e
    a = article
    if a.movement not in MOVEMENTS:
        raise FieldError("code mouvement 1 à 4 attendu", line=line, field="ROLMVT", value=a.movement)
    if not _REVENUE_CODE.fullmatch(a.revenue_code) or a.revenue_code == "FF":
        raise FieldError("code recette de 2 lettres majuscules (sauf FF) attendu", line=line, field="ROLREC",
                           value=a.revenue_code)
    if not _POSTCODE.fullmatch(a.postcode):
        raise FieldError("code postal de 5 chiffres attendu", line=line, field="ROLCP", value=a.postcode)
    if a.revenue_type not in REVENUE_TYPES:
        raise FieldError("type 0, 1 ou 2 attendu", line=line, field="ROLTPR", value=a.revenue_type)
    if len(a.debt_prefix) != 2:
        raise FieldError("2 caractères attendus (00 par défaut)", line=line, field="ROLDEB", value=a.debt_prefix)
    if not 0 < a.roll_number < 100:
        raise FieldError("numéro de rôle de 1 à 99 attendu", line=line, field="ROLROL", value=a.roll_number)
    if a.direct_debit and a.account is None:
        raise FieldError("prélèvement demandé sans RIB", line=line, field="ROLRET")
    try:
        year = keys.year_digits(a.fiscal_year)
        debt = keys.debt_digits(a.debt_number)
        period = keys.period_digit(a.period)
        cle1 = keys.mod11(a.collectivity_code + a.nature_code + year + period + debt)
        cle2 = keys.ormc_cle2(a.fiscal_year, a.period, a.debt_number, a.debt_prefix)
    except FieldError as e:
        raise FieldError(e.message, line=line, field=e.field, value=e.value) from e
    values = {
        "ROLMVT": a.movement,
        "ROLCOL": a.collectivity_code,
        "ROLNAT": a.nature_code,
        "ROLEX": str(a.fiscal_year),
        "ROLPER": period,
        "ROLDET": debt,
        "ROLCLE1": str(cle1),
        "ROLCLE2": cle2,
        "ROLREC": a.revenue_code,
        "ROLDAT": a.issue_date.strftime("%Y%m%d"),
        "ROLROL": f"{a.roll_number:02d}",
        "ROLEAU": _cents(a.amount, "ROLEAU", line, positive=True),
        "ROLASS": _cents(a.sanitation, "ROLASS", line, positive=False),
        "ROLTVE": _cents(a.water_vat, "ROLTVE", line, positive=False),
        "ROLTVA": _cents(a.sanitation_vat, "ROLTVA", line, positive=False),
        "ROLTOT": _cents(a.total, "ROLTOT", line, positive=True),
        "ROLNMAJ": _cents(a.non_increasable, "ROLNMAJ", line, positive=False),
        "ROLNOM": a.name,
        "ROLCNM": a.name_continued,
        "ROLDIS": a.distribution,
        "ROLADR": a.street,
        "ROLCVI": a.locality,
        "ROLCP": a.postcode,
        "ROLLOC": a.town,
        "ROLORU": a.object1,
        "ROLOVI": a.object2,
        "ROLPRE": "5" if a.direct_debit else "2",
        "ROLCLI": a.client_number,
        "ROLSCH": a.budget_chapter,
        "ROLART": a.budget_article,
        "ROLDEB": a.debt_prefix,
        "ROLTPR": a.revenue_type,
        **_account_zones(a.account, line),
        **CONSTANTS,
    }
    return values


def _pad(zone: Zone, value: str, line: int) -> str:
    if len(value) > zone.length:
        raise FieldError(f"{len(value)} caractères pour {zone.length} au plus : à raccourcir", line=line,
                           field=zone.name, value=value)
    if zone.kind == "text":
        if value != value.rstrip() or any(not c.isprintable() for c in value):
            raise FieldError("espaces finaux ou caractère non imprimable interdits", line=line, field=zone.name,
                               value=value)
        return value.ljust(zone.length)
    if not (value.isascii() and value.isdigit()) or (zone.kind == "digits" and len(value) != zone.length):
        raise FieldError(f"{zone.length} chiffres attendus", line=line, field=zone.name, value=value)
    return value.zfill(zone.length)


def format_record(article: RolmreArticle, line: int = 1) -> str:
    """The 500 characters of one article."""
    values = zones(article, line)
    return "".join(_pad(zone, values[zone.name], line) for zone in LAYOUT)


def write(
    articles: Iterable[RolmreArticle], *, encoding: str = "ISO-8859-1", newline: str = "\n"
) -> bytes:
    """The ROLMRE file: one 500-character record per article, each ended by ``newline``.

    The arrêté fixes neither the encoding nor the record separator: ISO-8859-1 and
    a line feed are defaults to confirm with the trésorerie.
    """
    records = [format_record(article, n) for n, article in enumerate(articles, start=1)]
    if not records:
        raise FieldError("un rôle ROLMRE porte au moins un article")
    out = []
    for n, record in enumerate(records, start=1):
        try:
            out.append((record + newline).encode(encoding))
        except UnicodeEncodeError as e:
            raise FieldError(f"caractère {record[e.start]!r} impossible en {encoding}", line=n,
                               field=_zone_at(e.start).name, value=record[e.start]) from e
    return b"".join(out)


def _zone_at(index: int) -> Zone:
    return next(zone for zone in LAYOUT if zone.start - 1 <= index < zone.start - 1 + zone.length)


Source = bytes | os.PathLike[str] | BinaryIO

_CHUNK = 1 << 18  # bytes read and decoded at once: some five hundred records


def lines(source: Source, encoding: str = "ISO-8859-1") -> Iterator[str]:
    """The records of a file (LF or CRLF separated), one at a time; a trailing separator is allowed.

    ``source`` is the file's ``bytes``, a path (:class:`os.PathLike`) or a
    binary file object. It is read and decoded in chunks of 256 kB, one record
    at a time: neither the file nor a list of its lines is ever held whole (a
    list of every line of a file of short garbage lines would weigh twenty
    times the file). An undecodable or empty file is refused.
    """
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError as e:
        raise FileFormatError(f"fichier illisible en {encoding} ({e})") from e
    if isinstance(source, bytes):
        yield from _records(io.BytesIO(source), decoder, encoding)
    elif isinstance(source, os.PathLike):
        with open(source, "rb") as file:
            yield from _records(file, decoder, encoding)
    elif callable(getattr(source, "read", None)) and not isinstance(source, io.TextIOBase):
        yield from _records(source, decoder, encoding)
    else:
        raise FileFormatError(
            "fichier ROLMRE attendu : octets (bytes), chemin ou fichier binaire", value=type(source).__name__
        )


def _records(file: BinaryIO, decoder: codecs.IncrementalDecoder, encoding: str) -> Iterator[str]:
    pending = ""
    number = 0  # records before the chunk, for the line of a decoding error
    first = file.read(_CHUNK)
    chunk = first.removeprefix(UTF8_BOM)
    if first and not chunk:  # a BOM alone in the first read
        chunk = file.read(_CHUNK)
    if not chunk:
        raise FileFormatError("fichier ROLMRE vide")
    while chunk:
        try:
            text = pending + decoder.decode(chunk)
        except UnicodeDecodeError as e:
            line = number + chunk.count(b"\n", 0, max(e.start, 0)) + 1
            raise FileFormatError(f"fichier illisible en {encoding} ({e})", line=line) from e
        records = text.split("\n")
        pending = records.pop()
        number += len(records)
        for record in records:
            yield record.removesuffix("\r")
        chunk = file.read(_CHUNK)
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError as e:
        raise FileFormatError(f"fichier illisible en {encoding} ({e})", line=number + 1) from e
    if pending:
        yield pending.removesuffix("\r")


def _split(record: str, line: int) -> dict[str, str]:
    if len(record) != RECORD_LENGTH:
        raise FileFormatError(f"enregistrement de {len(record)} caractères au lieu de {RECORD_LENGTH}", line=line)
    raw = {zone.name: record[zone.slice] for zone in LAYOUT}
    for zone in LAYOUT:
        value = raw[zone.name]
        if zone.kind != "text" and not (value.isascii() and value.isdigit()):
            raise FileFormatError("chiffres attendus", line=line, field=zone.name, value=value)
        if zone.kind == "text":
            raw[zone.name] = value.rstrip(" ")
    return raw


def _amount(raw: dict[str, str], zone: str) -> Decimal:
    return Decimal(int(raw[zone])) / 100


def parse_record(record: str, line: int = 1) -> RolmreArticle:
    """One record back into an article; keys, total and constant zones must be right."""
    raw = _split(record, line)
    try:
        issue_date = date(int(raw["ROLDAT"][:4]), int(raw["ROLDAT"][4:6]), int(raw["ROLDAT"][6:]))
    except ValueError as e:
        raise FileFormatError("date AAAAMMJJ invalide", line=line, field="ROLDAT", value=raw["ROLDAT"]) from e
    if raw["ROLPRE"] not in {"5", "2"}:
        raise FileFormatError("5 (prélèvement) ou 2 attendu", line=line, field="ROLPRE", value=raw["ROLPRE"])
    account = None
    if any(raw[z] for z in ("ROLRET", "ROLRGU", "ROLRCO", "ROLRCL", "ROLTIT")):
        account = RibAccount(raw["ROLRET"], raw["ROLRGU"], raw["ROLRCO"], raw["ROLRCL"], raw["ROLTIT"])
    try:
        article = RolmreArticle(
            collectivity_code=raw["ROLCOL"],
            nature_code=raw["ROLNAT"],
            fiscal_year=int(raw["ROLEX"]),
            period=int(raw["ROLPER"]),
            debt_number=int(raw["ROLDET"]),
            revenue_code=raw["ROLREC"],
            issue_date=issue_date,
            roll_number=int(raw["ROLROL"]),
            amount=_amount(raw, "ROLEAU"),
            name=raw["ROLNOM"],
            movement=raw["ROLMVT"],
            sanitation=_amount(raw, "ROLASS"),
            water_vat=_amount(raw, "ROLTVE"),
            sanitation_vat=_amount(raw, "ROLTVA"),
            non_increasable=_amount(raw, "ROLNMAJ"),
            name_continued=raw["ROLCNM"],
            distribution=raw["ROLDIS"],
            street=raw["ROLADR"],
            locality=raw["ROLCVI"],
            postcode=raw["ROLCP"],
            town=raw["ROLLOC"],
            object1=raw["ROLORU"],
            object2=raw["ROLOVI"],
            direct_debit=raw["ROLPRE"] == "5",
            account=account,
            client_number=raw["ROLCLI"],
            budget_chapter=raw["ROLSCH"],
            budget_article=raw["ROLART"],
            debt_prefix=raw["ROLDEB"] or "00",
            revenue_type=raw["ROLTPR"],
        )
        expected = format_record(article, line)
    except FieldError as e:
        raise FileFormatError(e.message, line=line, field=e.field, value=e.value) from e
    for zone in LAYOUT:
        if zone.name in _COMPUTED and record[zone.slice] != expected[zone.slice]:
            raise FileFormatError(
                f"valeur {expected[zone.slice]!r} attendue", line=line, field=zone.name, value=record[zone.slice]
            )
    return article


def read(
    source: Source,
    *,
    encoding: str = "ISO-8859-1",
    expect_count: int | None = None,
    expect_total: Decimal | None = None,
) -> list[RolmreArticle]:
    """Every article of a ROLMRE file, in file order.

    ROLMRE has no trailer: a file cut between two records reads as a shorter
    roll. ``expect_count`` and ``expect_total`` (from the printed list) catch it.
    ``source`` is the file's ``bytes``, a path or a binary file object, read
    record by record (see :func:`lines`); opening a path may raise :class:`OSError`.
    """
    articles = [parse_record(record, n) for n, record in enumerate(lines(source, encoding), start=1)]
    for problem in shortfall(len(articles), sum((a.total for a in articles), Decimal("0.00")),
                             expect_count, expect_total):
        raise FileFormatError(problem, code="file.truncated")
    return articles


def shortfall(count: int, total: Decimal, expect_count: int | None, expect_total: Decimal | None) -> Iterator[str]:
    """What differs from the count and total the roll was announced with: a cut file, most often."""
    if expect_count is not None and count != expect_count:
        yield f"{count} articles dans le fichier, {expect_count} attendus : fichier tronqué ou incomplet ?"
    if expect_total is not None and total != expect_total:
        yield f"total {total:f} dans le fichier, {expect_total:f} attendu : fichier tronqué ou incomplet ?"
