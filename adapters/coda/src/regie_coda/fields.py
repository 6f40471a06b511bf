"""Fixed-width fields: one declaration (position, length, kind) reads and writes.

A :class:`Layout` is a tuple of :class:`Field`; ``parse`` turns a record into a
dict of typed values and ``render`` turns the dict back into the record, so the
reader and the writer can never disagree on a position. Kinds are strict on
reading (``int(" 1")`` or ``Decimal("NaN")`` would be accepted by Python, never
by CODA) and refuse on writing what would not read back identically.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from .errors import FieldError

Kind = Literal["text", "raw", "int", "amount", "sign", "date", "digits"]

_FIRST_CENTURY_YEAR = 70  # DDMMYY: 70–99 are 1970–1999, 00–69 are 2000–2069


def _digits(raw: str) -> str:
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError("chiffres attendus")
    return raw


def _read_int(raw: str) -> int:
    return int(_digits(raw))


def _read_amount(raw: str) -> Decimal:
    return Decimal(_digits(raw)).scaleb(-3)


def _read_sign(raw: str) -> bool:
    if raw == "0":
        return False
    if raw == "1":
        return True
    raise ValueError("signe attendu : 0 (crédit) ou 1 (débit)")


_DATES: dict[str, date | None] = {"000000": None}


def _read_date(raw: str) -> date | None:
    """DDMMYY; ``000000`` means "not given" (some banks send it as value date)."""
    try:
        return _DATES[raw]
    except KeyError:
        pass
    _digits(raw)
    year = int(raw[4:6])
    year += 1900 if year >= _FIRST_CENTURY_YEAR else 2000
    try:
        value = date(year, int(raw[2:4]), int(raw[0:2]))
    except ValueError as e:
        raise ValueError("jour ou mois impossible") from e
    if len(_DATES) < 100_000:  # files repeat few dates; bound the cache anyway
        _DATES[raw] = value
    return value


def _write_text(value: str, length: int) -> str:
    if not isinstance(value, str):
        raise ValueError("texte attendu")
    if "\r" in value or "\n" in value:
        raise ValueError("retour à la ligne interdit")
    if len(value) > length:
        raise ValueError(f"texte trop long ({len(value)} caractères, {length} au plus)")
    return value.ljust(length)


def _write_int(value: int, length: int) -> str:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**length:
        raise ValueError(f"entier de 0 à {10**length - 1} attendu")
    return str(value).zfill(length)


def _write_amount(value: Decimal, length: int) -> str:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValueError("montant positif attendu")
    thousandths = value.scaleb(3)
    if thousandths != thousandths.to_integral_value():
        raise ValueError("au plus 3 décimales")
    return _write_int(int(thousandths), length)


def _write_sign(value: bool, length: int) -> str:
    return "1" if value else "0"


def _write_date(value: date | None, length: int) -> str:
    if value is None:
        return "000000"
    if not isinstance(value, date) or not 1970 <= value.year <= 2069:
        raise ValueError("date de 1970 à 2069 attendue")
    return value.strftime("%d%m%y")


def _write_digits(value: str, length: int) -> str:
    if not isinstance(value, str) or len(value) != length:
        raise ValueError(f"{length} chiffres attendus")
    return _digits(value)


_READ: dict[str, Callable[[str], Any]] = {
    "text": str.rstrip,
    "raw": str,
    "int": _read_int,
    "amount": _read_amount,
    "sign": _read_sign,
    "date": _read_date,
    "digits": _digits,
}
_WRITE: dict[str, Callable[[Any, int], str]] = {
    "text": _write_text,
    "raw": _write_text,
    "int": _write_int,
    "amount": _write_amount,
    "sign": _write_sign,
    "date": _write_date,
    "digits": _write_digits,
}


@dataclass(frozen=True)
class Field:
    """One field: ``start`` is 1-based as in the Febelfin tables; ``label`` is French."""

    name: str
    start: int
    length: int
    kind: Kind
    label: str


class Layout:
    """An ordered set of fields covering (part of) a record of ``width`` characters.

    ``ident`` is the literal record identification written at position 1; gaps
    between fields are blanks, ignored on reading and written as spaces.
    """

    def __init__(self, ident: str, width: int, *fields: Field) -> None:
        ordered = sorted(fields, key=lambda f: f.start)
        position = len(ident) + 1
        for f in ordered:
            if f.start < position or f.start + f.length - 1 > width:
                raise AssertionError(f"overlapping or out-of-record field {f.name}")
            position = f.start + f.length
        self.ident = ident
        self.width = width
        self.fields = tuple(ordered)
        self._spec = tuple(
            (f.name, f.start - 1, f.start - 1 + f.length, _READ[f.kind]) for f in ordered
        )

    def parse(self, text: str, line: int | None = None) -> dict[str, Any]:
        """Read every field of ``text``; a bad field raises :class:`FieldError`."""
        try:
            return {name: read(text[a:b]) for name, a, b, read in self._spec}
        except (ValueError, InvalidOperation):
            for f, (_, a, b, read) in zip(self.fields, self._spec):
                raw = text[a:b]
                try:
                    read(raw)
                except (ValueError, InvalidOperation) as e:
                    raise FieldError(_why(f, e), line=line, field=f.label, value=raw) from e
            raise  # pragma: no cover - the loop above always finds the field

    def render(self, values: Mapping[str, Any]) -> str:
        """Write the fields of ``values`` at their positions; refuse what would not read back."""
        parts = [self.ident]
        position = len(self.ident) + 1
        for f in self.fields:
            parts.append(" " * (f.start - position))
            try:
                parts.append(_WRITE[f.kind](values[f.name], f.length))
            except (ValueError, TypeError) as e:
                raise FieldError(_why(f, e), field=f.label, value=str(values[f.name])) from e
            position = f.start + f.length
        parts.append(" " * (self.width + 1 - position))
        return "".join(parts)


def _why(f: Field, e: Exception) -> str:
    expected = {
        "text": "texte",
        "raw": "texte",
        "int": f"nombre de {f.length} chiffres",
        "amount": "montant de 15 chiffres dont 3 décimales",
        "sign": "signe 0 (crédit) ou 1 (débit)",
        "date": "date JJMMAA valide",
        "digits": f"{f.length} chiffres",
    }[f.kind]
    return f"valeur invalide en position {f.start} ({expected} attendu) : {e}"
