"""Rows as JSON, for the command line and tools in other languages.

A row is ``{"line": 3, "pupil_id": "0001234567", "start": "2026-01-05",
"end": "2026-01-09", "meals": 4, "unit_price": "3.45"}``: dates ISO
``AAAA-MM-JJ``, the price a string (or ``null``; a JSON number is read as a
decimal, never a float). ``line`` is where the row was read; on input it may
be present and is ignored. A row's problems name the line it would have in
the file to write (its position in the list, from 1); as for the file, the
first ``max_problems`` are kept and the others counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from .errors import MAX_PROBLEMS, FieldError, FileFormatError, InvalidFile, Problems
from .layout import COLUMNS
from .reader import parse_unit_price
from .records import EXPECT_ID, EXPECT_MEALS, EXPECT_PRICE, Convert, Row, row_problems

FIELDS = tuple(name for name, _ in COLUMNS.values())
EXPECT_JSON = "un texte JSON valide"
EXPECT_TOP = "un objet JSON dont la clé « rows » est la liste des lignes"
EXPECT_ROW = "un objet JSON avec les clés pupil_id, start, end, meals et, si besoin, unit_price et line"
EXPECT_ISO_DATE = "une date JSON « AAAA-MM-JJ » (ex. « 2026-01-05 »)"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def rows_to_json(rows: Iterable[Row]) -> list[dict[str, Any]]:
    """Rows as JSON-ready dictionaries."""
    return [
        {
            "line": row.line,
            "pupil_id": row.pupil_id,
            "start": row.start.isoformat(),
            "end": row.end.isoformat(),
            "meals": row.meals,
            "unit_price": None if row.unit_price is None else str(row.unit_price),
        }
        for row in rows
    ]


def loads(data: bytes) -> Any:
    """JSON (UTF-8, -16 or -32) with decimal numbers: a price must not go through a float."""
    try:
        return json.loads(data, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise InvalidFile([FileFormatError(f"{EXPECT_JSON} ({e.msg}, colonne {e.colno})", line=e.lineno)]) from e
    except (ValueError, RecursionError) as e:  # not UTF-8, an integer of 4,300+ digits, nesting too deep
        raise InvalidFile([FileFormatError(f"{EXPECT_JSON} en UTF-8")]) from e


def rows_from_json(data: Any, *, max_problems: int = MAX_PROBLEMS) -> list[Row]:
    """Rows from ``{"rows": [...]}`` (other keys, such as ``read``'s ``encoding``, are ignored).

    The problems of all rows are raised together as one ``InvalidFile``: the
    first ``max_problems`` of them, and the count of the others.
    """
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise InvalidFile([FileFormatError(EXPECT_TOP)])
    rows: list[Row] = []
    problems = Problems(max_problems)
    for number, item in enumerate(data["rows"], start=1):
        if not isinstance(item, dict) or not {*FIELDS[:4]} <= item.keys() <= {*FIELDS, "line"}:
            problems.add(FileFormatError(EXPECT_ROW, line=number, value=json.dumps(item, default=str)))
            continue
        raw = [item.get(name) for name in FIELDS]
        try:
            rows.append(Row(*(convert(value, number) for convert, value in zip(_CONVERTERS, raw, strict=True))))
        except FieldError:
            problems.add(*row_problems(_CONVERTERS, raw, number))
    problems.raise_any()
    return rows


def _typed(kind: type, column: str, expected: str) -> Convert:
    """Identifier and meals already have their type in JSON; the column's rule judges the rest."""

    def convert(value: Any, line: int | None = None) -> Any:
        if type(value) is kind:
            return value
        raise FieldError(expected, line=line, column=column, value=json.dumps(value, default=str))

    return convert


def _date(column: str) -> Convert:
    def convert(value: Any, line: int | None = None) -> Any:
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            try:
                return date.fromisoformat(value)
            except ValueError as e:
                raise FieldError(EXPECT_ISO_DATE, line=line, column=column, value=value) from e
        raise FieldError(EXPECT_ISO_DATE, line=line, column=column, value=value)

    return convert


def _price(value: Any, line: int | None = None) -> Decimal | None:
    """``"3.45"`` (or ``"3,45"``, as in the file), a JSON number, or ``null`` / ``""`` for none."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_unit_price(value, line)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    raise FieldError(EXPECT_PRICE, line=line, column="E", value=value)


_CONVERTERS: tuple[Convert, ...] = (
    _typed(str, "A", f"{EXPECT_ID}, en texte JSON (entre guillemets : les zéros de tête comptent)"),
    _date("B"),
    _date("C"),
    _typed(int, "D", f"{EXPECT_MEALS}, en nombre JSON (sans guillemets)"),
    _price,
)
