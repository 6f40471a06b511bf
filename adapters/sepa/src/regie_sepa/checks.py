"""Checks a batch must pass before it is written, one French message per fault.

IBAN and BIC go through schwifty, the ICS (AT-02) and SIRET through
python-stdnum: identifiers are never re-implemented here.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import at_02
from stdnum.exceptions import ValidationError
from stdnum.fr import siret

from . import shapes
from .errors import FieldError
from .records import Address, Amendment, Batch, Creditor, Debtor, Party, Transaction
from .text import check_identifier, is_clean

NAME = 70  # EPC limit for Nm (the XSD allows 140)
REMITTANCE = 140
ADDRESS_LIMITS = {"street": 70, "building_number": 16, "postcode": 16, "town": 35}
MAX_AMOUNT = Decimal("999999999.99")
CENT = Decimal("0.01")


def check_batch(batch: Batch) -> None:
    """Raise :class:`FieldError` on the first fault found in ``batch``."""
    shapes.check(batch)
    check_identifier(batch.message_id, "message_id")
    check_party(batch.initiating_party, "initiating_party")
    if batch.ultimate_creditor is not None:
        check_party(batch.ultimate_creditor, "ultimate_creditor")
    creditor = batch.creditor
    check_name(creditor.name, "creditor.name")
    check_iban(creditor.iban, "creditor.iban")
    check_bic(creditor.bic, "creditor.bic")
    check_creditor_id(creditor.creditor_id, "creditor.creditor_id")
    check_address(creditor.address, "creditor.address")
    if not batch.transactions:
        raise FieldError("le fichier ne contient aucune transaction", field="transactions")
    seen: set[str] = set()
    for tx in batch.transactions:
        check_transaction(tx)
        if tx.end_to_end_id in seen:
            raise FieldError("identifiant de bout en bout en double dans le fichier",
                               field="end_to_end_id", value=tx.end_to_end_id, transaction=tx.end_to_end_id)
        seen.add(tx.end_to_end_id)


def check_transaction(tx: Transaction) -> None:
    ref = tx.end_to_end_id
    check_identifier(ref, "end_to_end_id", ref)
    check_amount(tx.amount, ref)
    check_identifier(tx.mandate.reference, "mandate.reference", ref)
    if tx.mandate.signed_on > tx.collection_date:
        raise FieldError("le mandat est signé après la date de prélèvement",
                           field="mandate.signed_on", value=tx.mandate.signed_on, transaction=ref)
    if tx.mandate.amendment is not None:
        check_amendment(tx.mandate.amendment, tx, ref)
    check_name(tx.debtor.name, "debtor.name", ref)
    check_iban(tx.debtor.iban, "debtor.iban", ref)
    check_bic(tx.debtor.bic, "debtor.bic", ref)
    check_address(tx.debtor.address, "debtor.address", ref)


def check_amount(amount: Decimal, transaction: str | None = None) -> None:
    """Positive EUR amount with at most two decimals, at most 999 999 999,99."""
    try:
        exact = isinstance(amount, Decimal) and amount == amount.quantize(CENT)
    except InvalidOperation:
        exact = False
    if not exact or not CENT <= amount <= MAX_AMOUNT:
        raise FieldError("le montant doit être un décimal entre 0,01 et 999 999 999,99 avec au plus deux décimales",
                           field="amount", value=amount, transaction=transaction)


def check_amendment(amendment: Amendment, tx: Transaction, ref: str) -> None:
    if amendment == Amendment():
        raise FieldError("modification de mandat vide : ne rien indiquer quand rien n'a changé",
                           field="mandate.amendment", transaction=ref)
    if amendment.original_reference is not None:
        check_identifier(amendment.original_reference, "mandate.amendment.original_reference", ref)
        _differs(amendment.original_reference, tx.mandate.reference, "mandate.amendment.original_reference", ref)
    if amendment.original_creditor_id is not None:
        check_creditor_id(amendment.original_creditor_id, "mandate.amendment.original_creditor_id", ref)
    if amendment.original_creditor_name is not None:
        check_name(amendment.original_creditor_name, "mandate.amendment.original_creditor_name", ref)
    if amendment.original_iban is not None:
        if amendment.new_bank:
            raise FieldError("ancien IBAN et changement de banque (SMNDA) sont exclusifs",
                               field="mandate.amendment.original_iban", transaction=ref)
        check_iban(amendment.original_iban, "mandate.amendment.original_iban", ref)
        _differs(_compact(amendment.original_iban), _compact(tx.debtor.iban), "mandate.amendment.original_iban", ref)


def _differs(old: str, new: str, field: str, ref: str) -> None:
    if old.upper() == new.upper():
        raise FieldError("l'ancienne valeur est identique à la nouvelle", field=field, value=old, transaction=ref)


def _compact(value: str) -> str:
    return value.replace(" ", "").upper()


def check_iban(value: str, field: str, transaction: str | None = None) -> None:
    try:
        IBAN(value)
    except SchwiftyException as e:
        raise FieldError(f"IBAN invalide ({e})", field=field, value=value, transaction=transaction) from e


def check_bic(value: str | None, field: str, transaction: str | None = None) -> None:
    if value is None:
        return
    try:
        BIC(value)
    except SchwiftyException as e:
        raise FieldError(f"BIC invalide ({e})", field=field, value=value, transaction=transaction) from e


def check_creditor_id(value: str, field: str, transaction: str | None = None) -> None:
    try:
        compact = at_02.validate(value)
    except ValidationError as e:
        raise FieldError(f"identifiant créancier SEPA (ICS) invalide ({e})",
                           field=field, value=value, transaction=transaction) from e
    if compact != value:
        raise FieldError("ICS à écrire en majuscules, sans espace", field=field, value=value, transaction=transaction)


def check_party(party: Party, field: str) -> None:
    check_name(party.name, f"{field}.name")
    if party.siret is not None:
        try:
            siret.validate(party.siret)
        except ValidationError as e:
            raise FieldError(f"SIRET invalide ({e})", field=f"{field}.siret", value=party.siret) from e
    check_address(party.address, f"{field}.address")


def check_name(value: str, field: str, transaction: str | None = None) -> None:
    if not value.strip():
        raise FieldError("nom obligatoire", field=field, value=value, transaction=transaction)


def check_address(address: Address | None, field: str, transaction: str | None = None) -> None:
    """Structured or hybrid only: town and country, at most two free lines."""
    if address is None:
        return
    if not (address.town and address.country):
        raise FieldError("adresse non structurée : la ville et le pays sont obligatoires (règle SEPA du 15/11/2026)",
                           field=field, transaction=transaction)
    if len(address.country) != 2 or not address.country.isalpha() or not address.country.isupper():
        raise FieldError("code pays ISO à deux lettres majuscules attendu",
                           field=f"{field}.country", value=address.country, transaction=transaction)
    if len(address.lines) > 2:
        raise FieldError("au plus deux lignes d'adresse libres avec une adresse hybride",
                           field=f"{field}.lines", transaction=transaction)


def notices(batch: Batch) -> list[str]:
    """French notes on text the writer will transliterate or cut (never silently)."""
    return [f"{'transaction ' + tx + ', ' if tx else ''}champ {field} : « {value} » "
            f"sera transcrit en caractères SEPA ou coupé à {limit} caractères"
            for tx, field, value, limit in _texts(batch) if not is_clean(value, limit)]


def _texts(batch: Batch) -> Iterator[tuple[str | None, str, str, int]]:
    parties: list[tuple[str | None, str, Party | Creditor | Debtor]] = [
        (None, "initiating_party", batch.initiating_party), (None, "creditor", batch.creditor)]
    if batch.ultimate_creditor is not None:
        parties.append((None, "ultimate_creditor", batch.ultimate_creditor))
    for tx in batch.transactions:
        parties.append((tx.end_to_end_id, "debtor", tx.debtor))
        if tx.remittance is not None:
            yield tx.end_to_end_id, "remittance", tx.remittance, REMITTANCE
    for ref, field, party in parties:
        yield ref, f"{field}.name", party.name, NAME
        address = party.address
        if address is not None:
            for key, limit in ADDRESS_LIMITS.items():
                if (value := getattr(address, key)) is not None:
                    yield ref, f"{field}.address.{key}", value, limit
            for line in address.lines:
                yield ref, f"{field}.address.lines", line, 70
