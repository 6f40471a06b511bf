"""French formats for money, dates and numbers, through Babel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask
from num2words import num2words

# The interface is French; services use these too, outside any request.
LOCALE = "fr_FR"
PARIS = ZoneInfo("Europe/Paris")


def today() -> date:
    """The date in the communes' time zone (Paris, Brussels), not the server's."""
    return datetime.now(PARIS).date()


def money(value: Decimal | None) -> str:
    return "" if value is None else format_currency(value, "EUR", locale=LOCALE)


def signed_money(value: Decimal | None) -> str:
    """An amount that may be negative, with a real minus sign (−12,50 €) where Babel's French writes a hyphen."""
    return money(value).replace("-", "\u2212")


def short_date(value: date | None) -> str:
    return "" if value is None else format_date(value, "dd/MM/yyyy", locale=LOCALE)


def date_time(value: datetime | None) -> str:
    return "" if value is None else format_datetime(value, "dd/MM/yyyy HH:mm", tzinfo=PARIS, locale=LOCALE)


def number(value: Decimal | int | None) -> str:
    return "" if value is None else format_decimal(value, locale=LOCALE)


def iban(value: str) -> str:
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def audit_value(value: object) -> str:
    """Audit values are stored as JSON; show them the French way."""
    if value is None or value == "":
        return "—"
    if value is True or value is False:
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(audit_value(v) for v in value) or "—"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return short_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def decimal_input(value: Decimal | None) -> str:
    """A number the way an agent types it back into a field: a comma, no thousands separator."""
    return "" if value is None else str(value).replace(".", ",")


def in_words(value: Decimal) -> str:
    """An amount written out, as a receipt states it: « quarante-deux euros et cinquante centimes »."""
    euros, cents = divmod(int((value * 100).to_integral_value()), 100)
    text = f"{num2words(euros, lang='fr')} euro{'s' if euros > 1 else ''}"
    if cents:
        text += f" et {num2words(cents, lang='fr')} centime{'s' if cents > 1 else ''}"
    return text


def iso_day(value: str) -> str:
    """An ISO date kept in JSON, shown as dd/mm."""
    return format_date(date.fromisoformat(value), "dd/MM", locale=LOCALE)


def init_app(app: Flask) -> None:
    app.add_template_filter(money)
    app.add_template_filter(signed_money)
    app.add_template_filter(short_date, "date")
    app.add_template_filter(date_time, "datetime")
    app.add_template_filter(number)
    app.add_template_filter(iban)
    app.add_template_filter(audit_value)
    app.add_template_filter(iso_day)
    app.add_template_filter(in_words)
