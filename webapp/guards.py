"""What the app refuses before any view reads a request, and the one way views read numbers and dates from the
query string: within bounds, or a 400 whose French message names the parameter."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from webapp.forms import EARLIEST_DATE, LARGEST_INTEGER, latest_date, plausible_date, plausible_integer

# No link or filter of the app sends a longer value: it is a probe (and a search of 2,000 words a query too deep
# for SQLite).
LONGEST_QUERY_VALUE = 500
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Refused(BadRequest):
    """Input the app will not read: the 400 page shows the French message, which names what was refused."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message)


class BoundedInteger(IntegerConverter):
    """`<int:…>` in every route: an id beyond the database's INTEGER matches no route (404, as an unknown id)
    instead of reaching SQL, where SQLite raises OverflowError and PostgreSQL « integer out of range »."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = LARGEST_INTEGER, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def _shown(key: str) -> str:
    return key.replace("\x00", "\\0")[:40]


def refuse_implausible_request() -> None:
    """A NUL byte anywhere (PostgreSQL refuses it in text: a 500 at the first query that carries it), or an
    enormous query value: no form or link of the app sends either."""
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise Refused(f"Le paramètre « {_shown(key)} » de l'adresse contient un caractère nul.")
        if len(value) > LONGEST_QUERY_VALUE:
            raise Refused(f"Le paramètre « {_shown(key)} » de l'adresse dépasse {LONGEST_QUERY_VALUE} caractères.")
    for key, value in request.form.items(multi=True):
        if "\x00" in key or "\x00" in value:
            raise Refused(f"Le champ « {_shown(key)} » contient un caractère nul : corrigez la saisie.")
    for key, upload in request.files.items(multi=True):
        if "\x00" in key or "\x00" in (upload.filename or ""):
            raise Refused(f"Le nom du fichier envoyé par « {_shown(key)} » contient un caractère nul : renommez-le.")
    for key, value in (request.view_args or {}).items():
        if isinstance(value, str) and "\x00" in value:
            raise Refused(f"L'adresse contient un caractère nul (dans « {key} »).")


def query_int(name: str, default: int | None = None, *, low: int = 1, high: int = LARGEST_INTEGER) -> int | None:
    """An integer of the query string (?page=2): absent or blank is `default`; anything but ASCII digits from
    `low` to `high` answers 400."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        value = plausible_integer(raw, name)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise Refused(f"Le paramètre « {name} » de l'adresse doit être un nombre entier de {low} à {high}.")
    return value


def query_year(name: str, default: int) -> int:
    """A year of the query string (?annee=2025), among the years of plausible dates."""
    return query_int(name, default, low=EARLIEST_DATE.year, high=latest_date().year)  # type: ignore[return-value]


def query_date(name: str, default: date) -> date:
    """A day of the query string (?jour=2026-03-02, as a date input sends it), a plausible date: absent or blank
    is `default`; anything else answers 400."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    label = f"Paramètre « {name} » de l'adresse"
    try:
        day = date.fromisoformat(raw) if _ISO_DAY.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None:
        raise Refused(f"{label} : « {raw[:20]} » n'est pas une date AAAA-MM-JJ.")
    try:
        return plausible_date(day, label)
    except ValueError as error:
        raise Refused(str(error)) from None


def row_ids(prefix: str) -> list[int]:
    """The ids named by the form's keys `<prefix>-<id>` (a table of inputs, a row per object, each row posting
    its own keys); a key whose id is no number answers 400."""
    ids = []
    for key in request.form:
        if key.startswith(f"{prefix}-"):
            try:
                ids.append(plausible_integer(key.removeprefix(f"{prefix}-"), key))
            except ValueError:
                raise Refused(f"Le champ « {_shown(key)} » ne désigne aucune ligne : rechargez la page.") from None
    return ids


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInteger  # before the blueprints add their routes
    app.before_request(refuse_implausible_request)
