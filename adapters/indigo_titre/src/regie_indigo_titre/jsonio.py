"""JSON in and out, for tools written in other languages.

The JSON mirrors :mod:`regie_indigo_titre.records` field by field (English
keys, amounts as strings such as ``"42.50"``, dates ``YYYY-MM-DD``); what
``read`` prints, ``build`` takes back. Unknown keys are refused: a misspelt
key would otherwise be silently ignored.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from .errors import FieldError
from .records import TitlesFile

T = TypeVar("T")
_DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def loads(text: str | bytes) -> TitlesFile:
    """The records described by a JSON document."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as e:
        raise FieldError(f"JSON illisible : {e}") from e
    return from_dict(TitlesFile, data)


def dumps(titles: TitlesFile) -> str:
    """The JSON document of the records (UTF-8 text, indented)."""
    return json.dumps(to_dict(titles), ensure_ascii=False, indent=2)


def from_dict(cls: type[T], data: object, path: str = "") -> T:
    """A record of type ``cls`` from plain JSON data; errors name the JSON path."""
    if not isinstance(data, dict):
        raise FieldError("objet JSON attendu", field=path or "(racine)", value=type(data).__name__)
    fields = {field.name: field for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise FieldError("clé inconnue", field=_join(path, unknown[0]), value=unknown[0])
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for name, field in fields.items():
        if name in data:
            values[name] = _convert(hints[name], data[name], _join(path, name))
        elif field.default is dataclasses.MISSING:
            raise FieldError("clé obligatoire absente", field=_join(path, name))
    return cls(**values)


def to_dict(record: object) -> dict[str, Any]:
    """Plain JSON data of a record; absent optional values are left out."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(record):  # type: ignore[arg-type]
        value = _plain(getattr(record, field.name))
        if value is not None:
            out[field.name] = value
    return out


def _plain(value: object) -> Any:
    if dataclasses.is_dataclass(value):
        return to_dict(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _convert(hint: Any, value: object, path: str) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        hint = next(arg for arg in args if arg is not type(None))
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple:
        if not isinstance(value, list):
            raise FieldError("liste JSON attendue", field=path, value=value)
        return tuple(_convert(args[0], item, f"{path}[{i}]") for i, item in enumerate(value))
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_dict(hint, value, path)
    if hint is Decimal:
        return _decimal(value, path)
    if hint is date:
        return _date(value, path)
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise FieldError("nombre entier attendu", field=path, value=value)
    if not isinstance(value, hint):
        raise FieldError(f"valeur de type {_TYPE_NAMES[hint]} attendue", field=path, value=value)
    return value


_TYPE_NAMES = {str: "texte", bool: "booléen (true/false)", int: "nombre entier"}


def _decimal(value: object, path: str) -> Decimal:
    if isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool)):
        return Decimal(value)
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        return Decimal(value)
    raise FieldError('montant attendu, en texte avec un point décimal (ex. "42.50")', field=path, value=value)


def _date(value: object, path: str) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError as e:
            raise FieldError("date inexistante", field=path, value=value) from e
    raise FieldError("date attendue au format AAAA-MM-JJ", field=path, value=value)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _refuse_constant(name: str) -> None:
    raise ValueError(f"valeur {name} interdite")
