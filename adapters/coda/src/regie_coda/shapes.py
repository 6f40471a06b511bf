"""The Python types of the records, checked before any rule reads a value.

A rule that meets ``None`` or a ``str`` where it expects a date fails with a
``TypeError`` naming nothing a caller can fix; here every field is checked
against its annotation first and the first wrong one is a :class:`FieldError`
naming its path (``movements[0].value_date``). A ``datetime`` is refused where a ``date``
is expected (it would be written with its time), a ``float`` where a
``Decimal`` is (money never goes through a float), a ``bool`` where an ``int``
is. Code lists (``Literal``) are left to the rules. Each record type gets its
checker built once, so a large file costs a few attribute reads per field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable
from decimal import Decimal

from .errors import FieldError

_EXPECTED = {str: "texte", int: "nombre entier", bool: "booléen (True ou False)", Decimal: "montant Decimal",
             dt.date: "date (datetime.date, sans heure)"}
Checker = Callable[[object], None]


class _Wrong(Exception):
    """A wrong value found deep down; each level on the way up adds its part of the path."""

    def __init__(self, expected: str, value: object) -> None:
        self.expected, self.value, self.path = expected, value, []


def check(record: object, where: str = "", kind: type | None = None) -> None:
    """Raise :class:`FieldError` at the first field of ``record`` (recursively) whose type is wrong.

    ``kind`` is the type expected, by default the record's own.
    """
    try:
        _checker(kind or type(record))(record)
    except _Wrong as wrong:
        path = "".join(part if part.startswith("[") else f".{part}" for part in wrong.path).lstrip(".")
        raise FieldError(f"{wrong.expected} attendu, {type(wrong.value).__name__} reçu", field=where + path,
                         value=_shown(wrong.value)) from None


@functools.cache
def _checker(hint: typing.Any) -> Checker:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = _checker(next(a for a in args if a is not type(None)))
        optional = type(None) in args

        def check_optional(value: object) -> None:
            if value is not None or not optional:
                inner(value)

        return check_optional
    if origin is typing.Literal:
        return _anything
    if origin is tuple:
        return _tuple_checker(_checker(args[0]))
    if dataclasses.is_dataclass(hint):
        return _record_checker(hint)
    test = _test(hint)
    expected = _EXPECTED.get(hint, getattr(hint, "__name__", str(hint)))

    def check_plain(value: object) -> None:
        if not test(value):
            raise _Wrong(expected, value)

    return check_plain


def _record_checker(cls: type) -> Checker:
    hints = typing.get_type_hints(cls)
    fields: list[tuple[str, frozenset[type], Checker]] = []

    def check_record(value: object) -> None:
        if not isinstance(value, cls):
            raise _Wrong(cls.__name__, value)
        for name, exact, checker in fields:
            field_value = getattr(value, name)
            if type(field_value) in exact:  # the usual case, without a call
                continue
            try:
                checker(field_value)
            except _Wrong as wrong:
                wrong.path.insert(0, name)
                raise

    # Filled after the function exists: a record type may (through a tuple) contain itself.
    fields.extend((f.name, _exact(hints[f.name]), _checker(hints[f.name])) for f in dataclasses.fields(cls))
    return check_record


def _exact(hint: typing.Any) -> frozenset[type]:
    """The types that are right for ``hint`` by themselves, with nothing inside to check."""
    plain = (str, int, bool, Decimal, dt.date, type(None))
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    args = typing.get_args(hint) if union else (hint,)
    return frozenset(args) if all(a in plain for a in args) else frozenset()


def _tuple_checker(item: Checker) -> Checker:
    def check_tuple(value: object) -> None:
        if not isinstance(value, tuple):
            raise _Wrong("tuple", value)
        for index, element in enumerate(value):
            try:
                item(element)
            except _Wrong as wrong:
                wrong.path.insert(0, f"[{index}]")
                raise

    return check_tuple


def _test(hint: type) -> Callable[[object], bool]:
    if hint is dt.date:
        return lambda value: type(value) is dt.date
    if hint is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    return lambda value: isinstance(value, hint)


def _anything(value: object) -> None:
    return None


def _shown(value: object) -> str | None:
    if value is None:
        return None
    return str(value) if isinstance(value, (str, int, float, Decimal, dt.date)) else type(value).__name__
