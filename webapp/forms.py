"""The base form and the one way a view turns a form into a service call; what the app takes as a number, a
date or a time, in a form field or anywhere else in a request."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal
from typing import Any, TypeVar

from flask import flash
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from webapp import db
from webapp.errors import DomainError
from webapp.formatting import decimal_input, short_date, today

T = TypeVar("T")

# The database's INTEGER (PostgreSQL's is 32 bits): a larger number is no id, count or rank anywhere.
LARGEST_INTEGER = 2**31 - 1
EARLIEST_DATE = date(2000, 1, 1)
YEARS_AHEAD = 10

_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:[.,]([0-9]*))?")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?")
_TYPED_BLANKS = str.maketrans("", "", " \xa0\u202f€")


def parse_decimal(text: str | None, *, places: int = 2, max_digits: int = 10) -> Decimal | None:
    """A number as an agent types it: ASCII digits, an optional sign, a comma or a point and at most `places`
    decimals, spaces (also non-breaking and narrow ones) and € ignored; at most `max_digits` digits in all, as
    the column's NUMERIC holds. Decimal() alone takes NaN, inf, 1e3, Arabic-Indic digits and underscores.
    Blank is None; anything else raises ValueError with the French reason."""
    plain = (text or "").strip().translate(_TYPED_BLANKS)
    if not plain:
        return None
    match = _NUMBER.fullmatch(plain)
    if match is None or not (match[2] or match[3]):
        raise ValueError("saisissez un nombre en chiffres, par exemple 850,50")
    sign, units, decimals = match[1], match[2].lstrip("0"), match[3] or ""
    if len(decimals) > places:
        raise ValueError(f"{places} chiffres au plus après la virgule" if places else "un nombre entier")
    if len(units) > max_digits - places:
        raise ValueError(f"{max_digits - places} chiffres au plus avant la virgule")
    return Decimal(f"{sign}{units or 0}" + (f".{decimals}" if decimals else ""))


def french_decimal(text: str | None, field: str) -> Decimal | None:
    """An amount typed outside a WTForms field (a row of a table of inputs); blank is None."""
    try:
        return parse_decimal(text)
    except ValueError as reason:
        typed = text or ""
        shown = typed if len(typed) <= 20 else f"{typed[:20]}…"
        raise DomainError(f"« {shown} » n'est pas un montant : {reason}.", field) from None


def parse_time(text: str | None, label: str, field: str) -> time | None:
    """A time typed outside a WTForms field, HH:MM as a time input sends it (seconds allowed): no zone, no
    fraction, no other digits than 0-9, whatever time.fromisoformat() would take. Blank is None."""
    typed = (text or "").strip()
    if not typed:
        return None
    match = _TIME.fullmatch(typed)
    if match is None:
        raise DomainError(f"{label} : saisissez une heure comme 08:30.", field)
    return time(int(match[1]), int(match[2]), int(match[3] or 0))


def latest_date() -> date:
    return date(today().year + YEARS_AHEAD, 12, 31)


def plausible_date(day: date, label: str) -> date:
    """The app's dates lie from 2000 to ten years ahead: anything else is a typing slip (or a probe), which
    would be booked as it is, or overflow date arithmetic at 9999. Raises ValueError naming the field.
    Rules about the future proper (a payment is not received tomorrow) stay with their service."""
    if day < EARLIEST_DATE:
        raise ValueError(f"{label} : le {short_date(day)} est trop ancien ; saisissez une date à partir du "
                         f"{short_date(EARLIEST_DATE)}.")
    if day > latest_date():
        raise ValueError(f"{label} : le {short_date(day)} est trop loin dans le futur ; saisissez une date "
                         f"jusqu'au {short_date(latest_date())}.")
    return day


def plausible_integer(text: str, label: str) -> int:
    """ASCII digits within the database's INTEGER (int() also takes « ١٢ », « 1_000 » and 20 digits, which
    overflow the column). Raises ValueError naming the field."""
    if not _INTEGER.fullmatch(text.strip()):
        raise ValueError(f"{label} : saisissez un nombre entier en chiffres.")
    value = int(text.strip())
    if abs(value) > LARGEST_INTEGER:
        raise ValueError(f"{label} : ce nombre est trop grand.")
    return value


def _plausible_date(form: Form, field: DateField) -> None:
    if field.data is not None:
        try:
            plausible_date(field.data, field.label.text)
        except ValueError as error:
            raise ValidationError(str(error)) from None


def _plausible_integer(form: Form, field: IntegerField) -> None:
    if field.data is not None and field.raw_data:
        try:
            plausible_integer(str(field.raw_data[0]), field.label.text)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form: Form, unbound_field: Any, options: dict[str, Any]) -> Any:
            """Every date and integer field of every form obeys the rules above, whoever wrote the form."""
            field = super().bind_field(form, unbound_field, options)
            if isinstance(field, DateField):
                field.validators = [*field.validators, _plausible_date]
            elif isinstance(field, IntegerField):
                field.validators = [*field.validators, _plausible_integer]
            return field

    def service_data(self) -> dict[str, Any]:
        return {name: field.data for name, field in self._fields.items() if name not in ("csrf_token", "submit")}

    def add_error(self, error: DomainError) -> None:
        field = self._fields.get(error.field or "")
        if field is None:
            self.form_errors.append(error.message)
        else:
            field.errors = [*field.errors, error.message]


class FrenchDecimalField(DecimalField):
    """Takes what an agent types: '1 234,50' as well as '1234.50' (a text input: a number input refuses the
    comma in most browsers), through parse_decimal. `max_digits` is the column's NUMERIC precision."""

    widget = TextInput()

    def __init__(self, *args: Any, max_digits: int = 10, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})  # the phone's number pad
        super().__init__(*args, **kwargs)
        self.max_digits = max_digits

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is not None and self.places is not None:
            return decimal_input(Decimal(self.data).quantize(Decimal(1).scaleb(-self.places)))
        return decimal_input(self.data)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        try:
            self.data = parse_decimal(valuelist[0], places=self.places or 0, max_digits=self.max_digits)
        except ValueError as reason:
            self.data = None
            raise ValueError(f"{str(reason).capitalize()} ({self.label.text}).") from None


def submit(form: Form, action: Callable[[dict[str, Any]], T]) -> T | None:
    """Run the service on a valid POST; a domain error goes back onto the form, next to its field."""
    if not form.validate_on_submit():
        return None
    try:
        return action(form.service_data())
    except DomainError as error:
        form.add_error(error)
        return None


def refuse(*messages: str) -> None:
    """Roll back everything the request did, then say why: the redirect that follows commits nothing half-done."""
    db.session.rollback()
    for message in messages:
        flash(message, "error")


def attempt(action: Callable[[], T], done: str | Callable[[T], str]) -> bool:
    """A service run from a button, with no form to show a refusal on: `done` (or what it says of the result) is
    flashed on success, the refusal (rolled back) otherwise."""
    try:
        result = action()
    except DomainError as error:
        refuse(error.message)
        return False
    flash(done(result) if callable(done) else done, "success")
    return True


def form_status(form: Form) -> int:
    """422 when the form comes back with errors, so htmx swaps it and the request rolls back."""
    return 422 if form.errors or form.form_errors else 200
