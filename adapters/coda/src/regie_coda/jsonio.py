"""The JSON shape of the command line: statements to plain dicts and back.

Amounts are signed decimal strings (``"-25.78"``; three decimals only when the
third is not 0), dates ISO strings or ``null``. Reading gives exactly the keys
of issue 6; writing accepts the same shape, plus optional keys for the fields
the short shape leaves out (``bic``, ``creation_date``, ``bank_reference``…).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from . import ogm
from .errors import CodaError, FieldError
from .records import Movement, Statement, TransactionCode

_CENT = Decimal("0.01")


def money(amount: Decimal) -> str:
    """``"2578.25"`` for 2578.250; keeps the third decimal when CODA has one."""
    rounded = amount.quantize(_CENT)
    text = str(rounded if rounded == amount else amount)
    return text[1:] if text.startswith("-") and amount == 0 else text


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def statement_to_json(s: Statement) -> dict[str, Any]:
    """The issue's shape of a statement: movements flat, in file order."""
    return {
        "account": s.account,
        "currency": s.currency,
        "number": s.number,
        "old_balance": money(s.old_balance),
        "old_balance_date": _iso(s.old_balance_date),
        "new_balance": money(s.new_balance),
        "new_balance_date": _iso(s.new_balance_date),
        "holder": s.holder,
        "movements": [movement_to_json(m) for m in s.movements],
    }


def movement_to_json(m: Movement) -> dict[str, Any]:
    """The issue's shape of a movement; ``transaction_code`` is split in its four parts."""
    code = m.transaction_code
    return {
        "sequence": m.sequence,
        "detail": m.detail,
        "amount": money(m.amount),
        "value_date": _iso(m.value_date),
        "entry_date": _iso(m.entry_date),
        "transaction_code": {
            "type": code.type,
            "family": code.family,
            "operation": code.operation,
            "category": code.category,
        },
        "structured_communication": m.structured_communication,
        "communication": m.communication,
        "counterparty_name": m.counterparty_name,
        "counterparty_account": m.counterparty_account,
        "counterparty_bic": m.counterparty_bic,
    }


def statement_from_json(data: Mapping[str, Any], index: int = 1) -> Statement:
    """A :class:`Statement` from the JSON shape; errors name the statement and the key."""
    where = _Where(f"extrait {index}")
    movements = data.get("movements", [])
    if not isinstance(movements, list):
        raise FieldError("une liste de mouvements est attendue", field=f"extrait {index} : movements")
    return Statement(
        account=where.text(data, "account"),
        currency=where.text(data, "currency", "EUR"),
        number=where.integer(data, "number"),
        old_balance=where.amount(data, "old_balance"),
        old_balance_date=where.day(data, "old_balance_date"),
        new_balance=where.amount(data, "new_balance"),
        new_balance_date=where.day(data, "new_balance_date"),
        holder=where.text(data, "holder", ""),
        movements=tuple(_movement(m, index, i) for i, m in enumerate(movements, 1)),
        description=where.text(data, "description", ""),
        account_structure=where.integer(data, "account_structure", 2),
        creation_date=where.day(data, "creation_date", None),
        bank_id=where.text(data, "bank_id", ""),
        bic=where.text(data, "bic", ""),
        holder_id=where.text(data, "holder_id", ""),
        addressee=where.text(data, "addressee", ""),
    )


def _movement(data: Any, statement: int, index: int) -> Movement:
    where = _Where(f"extrait {statement}, mouvement {index}")
    if not isinstance(data, Mapping):
        raise FieldError("un objet JSON est attendu", field=where.name)
    code = data.get("transaction_code", "00150000")
    if isinstance(code, Mapping):
        code = "".join(str(code.get(k, "")) for k in ("type", "family", "operation", "category"))
    if not (isinstance(code, str) and len(code) == 8 and code.isascii() and code.isdigit()):
        raise FieldError("code de transaction de 8 chiffres attendu", field=f"{where.name} : transaction_code", value=str(code))
    structured = data.get("structured_communication")
    communication = where.text(data, "communication", "")
    kind = None
    if structured is not None:
        try:
            digits = ogm.validate(str(structured))
        except CodaError as e:
            raise FieldError(e.message, field=f"{where.name} : structured_communication", value=str(structured)) from e
        kind = "101"
        if not communication.startswith(digits):
            communication = digits + communication
    return Movement(
        sequence=where.integer(data, "sequence"),
        detail=where.integer(data, "detail", 0),
        amount=where.amount(data, "amount"),
        value_date=where.day(data, "value_date"),
        entry_date=where.day(data, "entry_date"),
        transaction_code=TransactionCode.parse(code),
        communication=communication,
        communication_type=kind,
        bank_reference=where.text(data, "bank_reference", ""),
        customer_reference=where.text(data, "customer_reference", ""),
        counterparty_name=where.text(data, "counterparty_name", ""),
        counterparty_account=where.text(data, "counterparty_account", ""),
        counterparty_bic=where.text(data, "counterparty_bic", ""),
    )


_MISSING = object()


class _Where:
    """Typed access to JSON keys, with errors that name the object and the key."""

    def __init__(self, name: str) -> None:
        self.name = name

    def _get(self, data: Mapping[str, Any], key: str, default: Any) -> Any:
        value = data.get(key, default)
        if value is _MISSING:
            raise FieldError("valeur obligatoire manquante", field=f"{self.name} : {key}")
        return value

    def _bad(self, key: str, value: Any, expected: str) -> FieldError:
        return FieldError(f"{expected} attendu", field=f"{self.name} : {key}", value=str(value))

    def text(self, data: Mapping[str, Any], key: str, default: Any = _MISSING) -> str:
        value = self._get(data, key, default)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self._bad(key, value, "texte")
        return value

    def integer(self, data: Mapping[str, Any], key: str, default: Any = _MISSING) -> int:
        value = self._get(data, key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._bad(key, value, "nombre entier")
        return value

    def amount(self, data: Mapping[str, Any], key: str) -> Decimal:
        value = self._get(data, key, _MISSING)
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise self._bad(key, value, "montant en texte (\"12.34\")")
        try:
            result = Decimal(value)
        except InvalidOperation as e:
            raise self._bad(key, value, "montant décimal") from e
        if not result.is_finite():
            raise self._bad(key, value, "montant décimal")
        return result

    def day(self, data: Mapping[str, Any], key: str, default: Any = _MISSING) -> date | None:
        value = self._get(data, key, default)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError) as e:
            raise self._bad(key, value, "date AAAA-MM-JJ") from e
