"""The JSON shape of the command line, to and from the records.

Money is a string (``"42.50"``), dates are ISO strings, sequences are
``FIRST``/``RCUR``/``FNAL``/``OOFF``. Any fault raises :class:`FieldError`
naming the transaction and the key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from .errors import FieldError, cut
from .records import (Address, Amendment, Batch, Creditor, Debtor, Mandate, MandateInfo, MandateStatus, Party,
                      Sequence, Transaction)

T = TypeVar("T")
Json = dict[str, Any]


class _Source:
    """A JSON object plus where it sits, for error messages."""

    def __init__(self, data: object, path: str, transaction: str | None = None) -> None:
        if not isinstance(data, dict):
            raise FieldError("objet JSON attendu", field=path or "(racine)", transaction=transaction)
        self.data, self.path, self.transaction = data, path, transaction

    def _field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, convert: Callable[[Any], T], *, required: bool = True) -> T | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise FieldError("valeur obligatoire absente", field=self._field(key), transaction=self.transaction)
            return None
        try:
            return convert(value)
        except (TypeError, ValueError, InvalidOperation, AttributeError) as e:
            raise FieldError(f"valeur illisible ({cut(repr(value))})", field=self._field(key), value=value,
                               transaction=self.transaction) from e

    def need(self, key: str, convert: Callable[[Any], T]) -> T:
        value = self.get(key, convert)
        assert value is not None
        return value

    def child(self, key: str, required: bool = True) -> _Source | None:
        value = self.data.get(key)
        if value is None and not required:
            return None
        return _Source(value, self._field(key), self.transaction)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(value)
    return value


def _decimal(value: Any) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool):
        raise TypeError("montant en chaîne attendu, jamais un flottant")
    return Decimal(str(value))


def _date(value: Any) -> date:
    return date.fromisoformat(_str(value))


def _address(src: _Source | None) -> Address | None:
    if src is None:
        return None
    lines = src.get("lines", lambda v: tuple(_str(x) for x in _list(v)), required=False) or ()
    return Address(
        town=src.get("town", _str, required=False), country=src.get("country", _str, required=False),
        street=src.get("street", _str, required=False),
        building_number=src.get("building_number", _str, required=False),
        postcode=src.get("postcode", _str, required=False), lines=lines)


def _party(value: object, path: str) -> Party:
    if isinstance(value, str):
        return Party(value)
    src = _Source(value, path)
    return Party(src.need("name", _str), src.get("siret", _str, required=False),
                 _address(src.child("address", required=False)))


def _debtor(src: _Source) -> Debtor:
    return Debtor(src.need("name", _str), src.need("iban", _str), src.get("bic", _str, required=False),
                  _address(src.child("address", required=False)))


def _amendment(src: _Source | None) -> Amendment | None:
    if src is None:
        return None
    return Amendment(
        original_reference=src.get("original_reference", _str, required=False),
        original_creditor_id=src.get("original_creditor_id", _str, required=False),
        original_creditor_name=src.get("original_creditor_name", _str, required=False),
        original_iban=src.get("original_iban", _str, required=False),
        new_bank=bool(src.get("new_bank", bool, required=False)),
    )


def _transaction(value: object, index: int) -> tuple[Transaction, date | None, bool]:
    """The transaction, the mandate's last collection date and whether that key was given."""
    raw = value.get("end_to_end_id") if isinstance(value, dict) else None
    src = _Source(value, f"transactions[{index}]", raw if isinstance(raw, str) else None)
    mandate = src.child("mandate")
    assert mandate is not None
    tx = Transaction(
        end_to_end_id=src.need("end_to_end_id", _str),
        amount=src.need("amount", _decimal),
        collection_date=src.need("collection_date", _date),
        sequence=src.need("sequence", lambda v: Sequence.parse(_str(v))),
        mandate=MandateInfo(mandate.need("reference", _str), mandate.need("signed_on", _date),
                            _amendment(mandate.child("amendment", required=False))),
        debtor=_debtor(src.child("debtor")),  # type: ignore[arg-type]
        remittance=src.get("remittance", _str, required=False),
    )
    return tx, mandate.get("last_collection_date", _date, required=False), "last_collection_date" in mandate.data


def batch_from_json(data: object, now: datetime) -> tuple[Batch, dict[str, date | None]]:
    """The batch and, per mandate reference, the last collection date given (for caducity)."""
    src = _Source(data, "")
    creditor = src.child("creditor")
    assert creditor is not None
    txs = src.need("transactions", _list)
    loaded = [_transaction(value, i) for i, value in enumerate(txs)]
    batch = Batch(
        message_id=src.get("message_id", _str, required=False) or f"REGIE-{now:%Y%m%d%H%M%S}",
        created_at=src.get("created_at", lambda v: datetime.fromisoformat(_str(v)), required=False) or now,
        initiating_party=_party(src.data.get("initiating_party"), "initiating_party"),
        creditor=Creditor(creditor.need("name", _str), creditor.need("iban", _str),
                          creditor.get("bic", _str, required=False), creditor.need("creditor_id", _str),
                          _address(creditor.child("address", required=False))),
        transactions=tuple(tx for tx, _, _ in loaded),
        ultimate_creditor=None if src.data.get("ultimate_creditor") is None
        else _party(src.data["ultimate_creditor"], "ultimate_creditor"),
    )
    return batch, {tx.mandate.reference: last for tx, last, given in loaded if given}


def _drop_none(data: Json) -> Json:
    return {key: value for key, value in data.items() if value is not None}


def address_to_json(address: Address | None) -> Json | None:
    if address is None:
        return None
    data = _drop_none({"street": address.street, "building_number": address.building_number,
                       "postcode": address.postcode, "town": address.town, "country": address.country})
    if address.lines:
        data["lines"] = list(address.lines)
    return data


def party_to_json(party: Party) -> Json:
    return _drop_none({"name": party.name, "siret": party.siret, "address": address_to_json(party.address)})


def batch_to_json(batch: Batch) -> Json:
    """The same shape as the input of ``regie-sepa build``."""
    creditor = batch.creditor
    return _drop_none({
        "message_id": batch.message_id,
        "created_at": batch.created_at.isoformat(),
        "creditor": _drop_none({"name": creditor.name, "iban": creditor.iban, "bic": creditor.bic,
                                "creditor_id": creditor.creditor_id, "address": address_to_json(creditor.address)}),
        "initiating_party": party_to_json(batch.initiating_party),
        "ultimate_creditor": None if batch.ultimate_creditor is None else party_to_json(batch.ultimate_creditor),
        "transactions": [_transaction_to_json(tx) for tx in batch.transactions],
    })


def _transaction_to_json(tx: Transaction) -> Json:
    amendment = tx.mandate.amendment
    return _drop_none({
        "end_to_end_id": tx.end_to_end_id,
        "amount": f"{tx.amount:.2f}",
        "collection_date": tx.collection_date.isoformat(),
        "sequence": tx.sequence.name,
        "mandate": _drop_none({
            "reference": tx.mandate.reference, "signed_on": tx.mandate.signed_on.isoformat(),
            "amendment": None if amendment is None else _drop_none({
                "original_reference": amendment.original_reference,
                "original_creditor_id": amendment.original_creditor_id,
                "original_creditor_name": amendment.original_creditor_name,
                "original_iban": amendment.original_iban,
                "new_bank": amendment.new_bank or None}),
        }),
        "debtor": _drop_none({"name": tx.debtor.name, "iban": tx.debtor.iban, "bic": tx.debtor.bic,
                              "address": address_to_json(tx.debtor.address)}),
        "remittance": tx.remittance,
    })


def mandate_from_json(value: object, index: int) -> Mandate:
    src = _Source(value, f"mandates[{index}]")
    return Mandate(
        reference=src.need("reference", _str),
        signed_on=src.need("signed_on", _date),
        debtor=_debtor(src.child("debtor")),  # type: ignore[arg-type]
        signed_at=src.get("signed_at", _str, required=False),
        one_off=bool(src.get("one_off", bool, required=False)),
        status=src.get("status", lambda v: MandateStatus(_str(v)), required=False) or MandateStatus.ACTIVE,
        last_collection_date=src.get("last_collection_date", _date, required=False),
        last_sequence=src.get("last_sequence", lambda v: Sequence.parse(_str(v)), required=False),
        amendment=_amendment(src.child("amendment", required=False)),
    )
