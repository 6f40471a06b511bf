"""A row of the file: one pupil, one period, a number of meals and maybe a unit price.

``Row`` is valid by construction: whatever builds one (the reader, the JSON
input of the command line, the web app) gets the same checks, and the writer
can write any ``Row`` it is given. The checks are public functions so that
the reader can report every field of a line, not only the first bad one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from .errors import FieldError, LineError
from .layout import compact

CENT = Decimal("0.01")
MAX_ID_LENGTH = 10
MAX_MEALS = 9999
MAX_PRICE = Decimal("999999.99")

EXPECT_ID = "un identifiant élève de 1 à 10 caractères, sans caractère invisible ni espace en bordure"
EXPECT_DATE = "une date réelle au format AAAAMMJJ (ex. 20260105)"
EXPECT_MEALS = "un nombre entier de repas de 4 chiffres au plus, signe + ou - permis (ex. 4, +4, -2)"
EXPECT_PRICE = "vide, ou un prix positif au centime près, virgule ou point décimal, 999999,99 au plus (ex. 3,45)"
EXPECT_LINE = "un numéro de ligne entier (1 pour la première) ou None"


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the file.

    ``meals`` is negative for a correction (a credit). ``unit_price`` is
    ``None`` when the file leaves it empty (the activity's tariff decides),
    else a ``Decimal`` with exactly two places. ``line`` is where the reader
    found the row; it is provenance, not content, so equality ignores it.
    """

    pupil_id: str
    start: date
    end: date
    meals: int
    unit_price: Decimal | None = None
    line: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # The same rules as ``CHECKS``, called one by one: this runs for each of 100,000 rows read.
        if self.line is not None and (type(self.line) is not int or self.line < 1):
            raise LineError(EXPECT_LINE, value=self.line, code="field.line.invalid")
        check_pupil_id(self.pupil_id, self.line)
        check_date(self.start, self.line, column="B")
        check_date(self.end, self.line, column="C")
        check_meals(self.meals, self.line)
        check_order(self.start, self.end, self.line)
        object.__setattr__(self, "unit_price", check_unit_price(self.unit_price, self.line))

    @property
    def amount(self) -> Decimal | None:
        """Meals times unit price, in euros (negative for a credit); ``None`` without a price."""
        return None if self.unit_price is None else self.meals * self.unit_price


def check_pupil_id(value: object, line: int | None = None) -> str:
    """The identifier is kept as text (leading zeros matter); up to 10 characters."""
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and value.isprintable() and value == value.strip():
        return value
    raise FieldError(EXPECT_ID, line=line, column="A", value=value)


def check_date(value: object, line: int | None = None, *, column: str) -> date:
    """A calendar date; a ``datetime`` (a subclass of ``date``) is refused, its time would be lost."""
    if type(value) is date:
        return value
    raise FieldError(EXPECT_DATE, line=line, column=column, value=value)


def check_order(start: date, end: date, line: int | None = None) -> None:
    """The period runs forwards: the end date is the start date or later."""
    if end < start:
        expected = f"une date de fin égale ou postérieure à la date de début ({compact(start)})"
        raise FieldError(expected, line=line, column="C", value=end)


def check_meals(value: object, line: int | None = None) -> int:
    """A whole number of meals, negative for a correction; ``bool`` is not a number here."""
    if type(value) is int and -MAX_MEALS <= value <= MAX_MEALS:
        return value
    raise FieldError(EXPECT_MEALS, line=line, column="D", value=value)


def check_unit_price(value: object, line: int | None = None) -> Decimal | None:
    """The price in euros with two places (``Decimal('3.5')`` becomes ``Decimal('3.50')``), or ``None``."""
    if value is None:
        return None
    if isinstance(value, Decimal) and value.is_finite() and 0 <= value <= MAX_PRICE:
        cents = value.quantize(CENT)
        if cents == value:
            return cents.copy_abs()  # -0 would be written with a sign
    raise FieldError(EXPECT_PRICE, line=line, column="E", value=value)


Convert = Callable[[Any, "int | None"], Any]

#: The rule of each column, A to E: value, line -> the value (normalised), or ``FieldError``.
CHECKS: tuple[Convert, ...] = (
    check_pupil_id,
    partial(check_date, column="B"),
    partial(check_date, column="C"),
    check_meals,
    check_unit_price,
)


def row_problems(converters: Sequence[Convert], raw: Sequence[object], line: int | None) -> list[FieldError]:
    """Every problem of one row, not only the first, in column order.

    ``converters`` turn each raw value (text of the file, value of the JSON
    input) into a typed value, or raise ``FieldError``; then the column's
    rule judges it, and the dates, if both are valid, are judged together.
    Messages quote the value as it was written (``3,456``, not ``3.456``).
    """
    found: list[FieldError] = []
    values: list[object] = []
    for convert, check, value in zip(converters, CHECKS, raw, strict=True):
        try:
            typed = convert(value, line)
        except FieldError as e:  # the converter quotes the value its own way
            found.append(e)
            values.append(_REFUSED)
            continue
        try:
            values.append(check(typed, line))
        except FieldError as e:
            found.append(FieldError(e.expected, line=line, column=e.column, value=value))
            values.append(_REFUSED)
    start, end = values[1], values[2]
    if isinstance(start, date) and isinstance(end, date):
        try:
            check_order(start, end, line)
        except FieldError as e:
            found.append(FieldError(e.expected, line=line, column=e.column, value=raw[2]))
    return sorted(found, key=lambda e: e.column or "")


_REFUSED = object()  # stands for a value refused by its column's rule
