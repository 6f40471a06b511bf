"""The JSON shape of the command line: statements to plain dicts and back.

Amounts are signed decimal strings (``"-25.78"``; three decimals only when the
third is not 0), dates ISO strings or ``null``. Reading gives the keys of issue
6 first, then every other field of the records (those of a movement only when
not empty), so that writing the JSON back gives the same file; writing
requires only the keys of issue 6.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from . import ogm
from .errors import CodaError, FieldError
from .records import PAYMENT_REFERENCE_TYPES, FreeCommunication, Information, Movement, Statement, TransactionCode

_CENT = Decimal("0.01")


def money(amount: Decimal) -> str:
    """``"2578.25"`` for 2578.250; keeps the third decimal when CODA has one."""
    text = str(amount)
    if text[-4:-3] == "." and text[-1] == "0":  # what the reader gives: 3 decimals, cut the third
        text = text[:-1]
    else:
        rounded = amount.quantize(_CENT)
        text = str(rounded if rounded == amount else amount)
    return text[1:] if text[0] == "-" and not amount else text


_ISO: dict[date, str] = {}


def _iso(value: date | None) -> str | None:
    """ISO text of a date; a file repeats few dates, so each is formatted once."""
    if value is None:
        return None
    text = _ISO.get(value)
    if text is None:
        text = _ISO[value] = value.isoformat()
    return text


def statement_to_json(s: Statement) -> dict[str, Any]:
    """A statement as plain JSON values: the keys of issue 6 first, then every other field, movements last.

    Nothing is left out: :func:`statement_from_json` gives back an equal
    statement, so ``regie-coda read | regie-coda write`` gives back the file.
    """
    return {**_statement_fields(s), "movements": [movement_to_json(m) for m in s.movements]}


_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def dump(statements: Iterable[Statement]) -> Iterator[str]:
    """The JSON text of ``statements``, a statement at a time: one line per statement head and per movement.

    Equal to ``json.dumps([statement_to_json(s) for s in statements])`` once
    parsed, but encoded by the C encoder (an indented ``json.dumps`` runs the
    pure-Python one, four times slower than the reading itself) and never
    held whole in memory.
    """
    for index, s in enumerate(statements):
        head = _ENCODE(_statement_fields(s))
        movements = "".join([f"{',' if i else ''}\n{_ENCODE(movement_to_json(m))}" for i, m in enumerate(s.movements)])
        yield f"{',' if index else '['}\n{head[:-1]}, \"movements\": [{movements}\n]}}"
    yield "\n]\n"


def _statement_fields(s: Statement) -> dict[str, Any]:
    return {
        "account": s.account,
        "currency": s.currency,
        "number": s.number,
        "old_balance": money(s.old_balance),
        "old_balance_date": _iso(s.old_balance_date),
        "new_balance": money(s.new_balance),
        "new_balance_date": _iso(s.new_balance_date),
        "holder": s.holder,
        "description": s.description,
        "coda_number": s.coda_number,
        "account_structure": s.account_structure,
        "account_country": s.account_country,
        "version": s.version,
        "creation_date": _iso(s.creation_date),
        "bank_id": s.bank_id,
        "duplicate": s.duplicate,
        "file_reference": s.file_reference,
        "addressee": s.addressee,
        "bic": s.bic,
        "holder_id": s.holder_id,
        "separate_application": s.separate_application,
        "transaction_reference": s.transaction_reference,
        "related_reference": s.related_reference,
        "new_balance_record": s.new_balance_record,
        "free_communications": [
            {"sequence": f.sequence, "detail": f.detail, "text": f.text, "before_new_balance": f.before_new_balance}
            for f in s.free_communications
        ],
    }


def _code(code: TransactionCode) -> dict[str, str]:
    return {"type": code.type, "family": code.family, "operation": code.operation, "category": code.category}


# Fields of a movement beyond issue 6, written only when not empty (most are,
# and every key costs encoding time); reading gives them their empty default.
_EXTRA = (
    "communication_type",
    "bank_reference",
    "globalisation_code",
    "customer_reference",
    "r_type",
    "reason",
    "category_purpose",
    "purpose",
    "counterparty_currency",
)
_extras = operator.attrgetter(*_EXTRA)


def movement_to_json(m: Movement) -> dict[str, Any]:
    """A movement as plain JSON values; ``transaction_code`` is split in its four parts.

    The keys of issue 6 are always there; the other fields only when they are
    not empty (``None``, ``""``, 0, no information record).
    """
    document = {
        "sequence": m.sequence,
        "detail": m.detail,
        "amount": money(m.amount),
        "value_date": _iso(m.value_date),
        "entry_date": _iso(m.entry_date),
        "transaction_code": _code(m.transaction_code),
        "structured_communication": m.structured_communication,
        "communication": m.communication,
        "counterparty_name": m.counterparty_name,
        "counterparty_account": m.counterparty_account,
        "counterparty_bic": m.counterparty_bic,
    }
    for name, value in zip(_EXTRA, _extras(m), strict=True):
        if value:
            document[name] = value
    if m.information:
        document["information"] = [
            {
                "sequence": i.sequence,
                "detail": i.detail,
                "transaction_code": _code(i.transaction_code),
                "communication_type": i.communication_type,
                "communication": i.communication,
                "bank_reference": i.bank_reference,
            }
            for i in m.information
        ]
    return document


def statement_from_json(data: Mapping[str, Any], index: int = 1) -> Statement:
    """A :class:`Statement` from the JSON shape; errors name the statement and the key.

    Only the keys of issue 6 are required; the others default to what a
    statement written from scratch would hold.
    """
    where = _Where(f"extrait {index}")
    movements = where.items(data, "movements")
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
        coda_number=where.integer(data, "coda_number", None),
        account_structure=where.integer(data, "account_structure", 2),
        account_country=where.text(data, "account_country", ""),
        version=where.integer(data, "version", 2),
        creation_date=where.day(data, "creation_date", None),
        bank_id=where.text(data, "bank_id", ""),
        duplicate=where.flag(data, "duplicate", False),
        file_reference=where.text(data, "file_reference", ""),
        addressee=where.text(data, "addressee", ""),
        bic=where.text(data, "bic", ""),
        holder_id=where.text(data, "holder_id", ""),
        separate_application=where.text(data, "separate_application", ""),
        transaction_reference=where.text(data, "transaction_reference", ""),
        related_reference=where.text(data, "related_reference", ""),
        new_balance_record=where.flag(data, "new_balance_record", True),
        free_communications=tuple(
            _free(f, _Where(f"extrait {index}, communication libre {i}"))
            for i, f in enumerate(where.items(data, "free_communications"), 1)
        ),
    )


def _free(data: Any, where: _Where) -> FreeCommunication:
    where.mapping(data)
    return FreeCommunication(
        sequence=where.integer(data, "sequence", 0),
        detail=where.integer(data, "detail", 0),
        text=where.text(data, "text"),
        before_new_balance=where.flag(data, "before_new_balance", False),
    )


def _movement(data: Any, statement: int, index: int) -> Movement:
    where = _Where(f"extrait {statement}, mouvement {index}")
    where.mapping(data)
    code = where.code(data)
    structured = data.get("structured_communication")
    communication = where.text(data, "communication", "")
    if "communication_type" in data:
        kind = where.text(data, "communication_type") or None
        if structured is not None and (
            kind not in PAYMENT_REFERENCE_TYPES or not communication.startswith(_digits(structured, where))
        ):
            raise FieldError(
                "la communication structurée ne correspond pas à communication_type et communication",
                field=f"{where.name} : structured_communication",
                value=str(structured),
            )
    else:
        kind = None
        if structured is not None:
            digits = _digits(structured, where)
            kind = "101"
            if not communication.startswith(digits):
                communication = digits + communication
    information = where.items(data, "information")
    return Movement(
        sequence=where.integer(data, "sequence"),
        detail=where.integer(data, "detail", 0),
        amount=where.amount(data, "amount"),
        value_date=where.day(data, "value_date"),
        entry_date=where.day(data, "entry_date"),
        transaction_code=code,
        communication=communication,
        communication_type=kind,
        bank_reference=where.text(data, "bank_reference", ""),
        globalisation_code=where.integer(data, "globalisation_code", 0),
        customer_reference=where.text(data, "customer_reference", ""),
        counterparty_bic=where.text(data, "counterparty_bic", ""),
        r_type=where.text(data, "r_type", ""),
        reason=where.text(data, "reason", ""),
        category_purpose=where.text(data, "category_purpose", ""),
        purpose=where.text(data, "purpose", ""),
        counterparty_account=where.text(data, "counterparty_account", ""),
        counterparty_currency=where.text(data, "counterparty_currency", ""),
        counterparty_name=where.text(data, "counterparty_name", ""),
        information=tuple(
            _information(item, _Where(f"{where.name}, information {i}")) for i, item in enumerate(information, 1)
        ),
    )


def _information(data: Any, where: _Where) -> Information:
    where.mapping(data)
    return Information(
        sequence=where.integer(data, "sequence"),
        detail=where.integer(data, "detail", 0),
        transaction_code=where.code(data),
        communication=where.text(data, "communication", ""),
        communication_type=where.text(data, "communication_type", None) or None,
        bank_reference=where.text(data, "bank_reference", ""),
    )


def _digits(structured: Any, where: _Where) -> str:
    try:
        return ogm.validate(str(structured))
    except CodaError as e:
        raise FieldError(e.message, field=f"{where.name} : structured_communication", value=str(structured)) from e


_MISSING = object()
_LISTS = {"movements": "mouvements", "free_communications": "communications libres", "information": "informations"}


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

    def integer(self, data: Mapping[str, Any], key: str, default: Any = _MISSING) -> Any:
        value = self._get(data, key, default)
        if value is default is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._bad(key, value, "nombre entier")
        return value

    def flag(self, data: Mapping[str, Any], key: str, default: bool) -> bool:
        value = self._get(data, key, default)
        if not isinstance(value, bool):
            raise self._bad(key, value, "true ou false")
        return value

    def mapping(self, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise FieldError("un objet JSON est attendu", field=self.name)

    def items(self, data: Mapping[str, Any], key: str) -> list[Any]:
        value = self._get(data, key, [])
        if not isinstance(value, list):
            raise FieldError(f"une liste de {_LISTS[key]} est attendue", field=f"{self.name} : {key}")
        return value

    def code(self, data: Mapping[str, Any]) -> TransactionCode:
        """An 8-digit transaction code, as a string or as its four parts."""
        code = data.get("transaction_code", "00150000")
        if isinstance(code, Mapping):
            code = "".join(str(code.get(k, "")) for k in ("type", "family", "operation", "category"))
        if not (isinstance(code, str) and len(code) == 8 and code.isascii() and code.isdigit()):
            raise FieldError(
                "code de transaction de 8 chiffres attendu", field=f"{self.name} : transaction_code", value=str(code)
            )
        return TransactionCode.parse(code)

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
