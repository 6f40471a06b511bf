"""JSON <-> records, driven by the dataclasses' type hints, for the command line.

Amounts are JSON strings (``"42.50"``; numbers are accepted and read as
decimals, never floats), dates ``"AAAA-MM-JJ"``. A wrong value names its JSON path.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from . import keys, rolmre
from .errors import FieldError
from .records import Roll, RolmreArticle

T = TypeVar("T")


def loads(text: str) -> Any:
    """JSON with decimal numbers."""
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise FieldError(f"JSON illisible ({e.msg})", line=e.lineno) from e


def _fail(path: str, message: str, value: object) -> FieldError:
    return FieldError(message, field=path, value=value)


def convert(kind: Any, value: Any, path: str) -> Any:
    """``value`` from JSON as an instance of ``kind``."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        return None if value is None else convert(options[0], value, path)
    if origin is typing.Literal:
        if value not in typing.get_args(kind):
            raise _fail(path, f"valeur parmi {', '.join(typing.get_args(kind))} attendue", value)
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise _fail(path, "liste attendue", value)
        item = typing.get_args(kind)[0]
        return tuple(convert(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(kind):
        return from_json(typing.cast(type, kind), value, path)
    if kind is Decimal:
        if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
            raise _fail(path, "montant attendu (ex. \"42.50\")", value)
        try:
            return Decimal(value)
        except InvalidOperation as e:
            raise _fail(path, "montant attendu (ex. \"42.50\")", value) from e
    if kind is date:
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError as e:
                raise _fail(path, "date AAAA-MM-JJ attendue", value) from e
        raise _fail(path, "date AAAA-MM-JJ attendue", value)
    if kind is bool or kind is int or kind is str:
        if type(value) is not kind:
            names = {bool: "booléen", int: "nombre entier", str: "texte"}
            raise _fail(path, f"{names[kind]} attendu", value)
        return value
    raise TypeError(kind)  # pragma: no cover - every record field type is handled above


def from_json(cls: type[T], data: Any, path: str = "") -> T:
    """An instance of the dataclass ``cls`` from a JSON object; unknown keys are refused."""
    if not isinstance(data, dict):
        raise _fail(path or "racine", "objet JSON attendu", data)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise _fail(f"{path}.{unknown[0]}" if path else unknown[0], "zone inconnue", data[unknown[0]])
    hints = typing.get_type_hints(cls)
    values = {}
    for name, f in fields.items():
        where = f"{path}.{name}" if path else name
        if name not in data:
            if f.default is dataclasses.MISSING:
                raise _fail(where, "zone obligatoire absente", None)
            continue
        values[name] = convert(hints[name], data[name], where)
    return cls(**values)


def to_json(value: Any) -> Any:
    """Records as JSON-ready data: decimals and dates as strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _with_keys(data: dict[str, Any]) -> dict[str, Any]:
    """Fill each piece's missing ``cle1``/``cle2`` from ``cle1_basis``, the bordereau year and the piece."""
    data = dict(data)
    raw_basis = data.pop("cle1_basis", None)
    basis = None if raw_basis is None else from_json(keys.Cle1Basis, raw_basis, "cle1_basis")
    pieces = data.get("pieces")
    bordereau = data.get("bordereau")
    if not isinstance(pieces, list) or not isinstance(bordereau, dict):
        return data
    year = convert(int, bordereau.get("fiscal_year"), "bordereau.fiscal_year")
    filled = []
    for i, raw in enumerate(pieces):
        if isinstance(raw, dict) and ("cle1" not in raw or "cle2" not in raw):
            path = f"pieces[{i}]"
            period = convert(int, raw.get("period"), f"{path}.period")
            debt = convert(int, raw.get("debt_number"), f"{path}.debt_number")
            raw = dict(raw)
            if "cle1" not in raw:
                if basis is None:
                    raise FieldError(
                        "cle1 absente et cle1_basis non fourni : indiquer le code collectivité et le code nature "
                        "convenus avec la trésorerie",
                        field=f"{path}.cle1",
                    )
                raw["cle1"] = _key(keys.ormc_cle1, path, basis, year, period, debt)
            if "cle2" not in raw:
                raw["cle2"] = _key(keys.ormc_cle2, path, year, period, debt)
        filled.append(raw)
    data["pieces"] = filled
    return data


def _key(compute: Any, path: str, *args: Any) -> str:
    try:
        return str(compute(*args))
    except FieldError as e:
        raise FieldError(e.message, field=f"{path}.{e.field}", value=e.value) from e


def roll_from_json(data: Any) -> Roll:
    """A :class:`Roll` from its JSON form (as ``regie-ormc read`` prints it).

    Pieces may omit ``cle1``/``cle2``: they are then computed, ``cle1`` from the
    top-level ``cle1_basis`` (``collectivity_code``, ``nature_code``), which has
    no default because the texts leave it open.
    """
    if not isinstance(data, dict):
        raise _fail("racine", "objet JSON attendu", data)
    data = {k: v for k, v in data.items() if k not in ("format", "rolmre")}
    return from_json(Roll, _with_keys(data))


def cle1_basis_from_json(data: Any) -> keys.Cle1Basis | None:
    """The optional top-level ``cle1_basis`` of a roll's JSON."""
    raw = data.get("cle1_basis") if isinstance(data, dict) else None
    return None if raw is None else from_json(keys.Cle1Basis, raw, "cle1_basis")


def rolmre_from_json(data: Any) -> list[RolmreArticle]:
    """ROLMRE articles from the same roll JSON as PES (``header``, ``bordereau``, ``pieces``, ``cle1_basis``),
    with ``rolmre.revenue_code`` (``ROLREC``), the one code PES has no place for."""
    roll = roll_from_json(data)
    basis = cle1_basis_from_json(data)
    if basis is None:
        raise _fail("cle1_basis", "cle1_basis attendu : ROLCOL et ROLNAT sont le code collectivité et le code nature",
                    None)
    extra = data.get("rolmre")
    revenue = extra.get("revenue_code") if isinstance(extra, dict) else None
    if not isinstance(revenue, str):
        raise _fail("rolmre.revenue_code", "code recette ROLREC (2 lettres) attendu dans « rolmre »", revenue)
    return rolmre.from_roll(roll, basis, revenue)


def articles_from_json(data: Any) -> list[RolmreArticle]:
    """ROLMRE articles from ``{"articles": [...]}``: what ``regie-ormc read`` prints of a ROLMRE file, rebuilt byte
    for byte (a file read back has lost the roll it was written from)."""
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, list):
        raise _fail("articles", "liste « articles » attendue", None)
    return [from_json(RolmreArticle, a, f"articles[{i}]") for i, a in enumerate(articles)]
