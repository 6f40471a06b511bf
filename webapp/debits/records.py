"""The app's mandates, accounts and régies as the `regie-sepa` records its rules and writers take, and back.

The adapter decides (sequence, caducity, amendments, advance and rollback); these functions only carry the
values across, so a stored mandate and the adapter's always agree.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from typing import Any

import regie_sepa
from regie_sepa import Address, Amendment, Creditor, Debtor, MandateStatus, Party, Sequence

from webapp.debits.models import DebtorAccount, Mandate, MandateState
from webapp.organisations.models import Regie

_STATUS = {MandateState.ACTIVE: MandateStatus.ACTIVE, MandateState.CLOSED: MandateStatus.CLOSED,
           MandateState.REVOKED: MandateStatus.REVOKED, MandateState.REPLACED: MandateStatus.REVOKED}


def _address(street: str, postcode: str, town: str, country: str) -> Address | None:
    """Structured, or none: the rulebook refuses an address without its town and country."""
    if not town or not country:
        return None
    return Address(town=town, country=country, street=street or None, postcode=postcode or None)


def debtor(account: DebtorAccount) -> Debtor:
    return Debtor(account.holder, account.iban, account.bic or None,
                  _address(account.street, account.postcode, account.town, account.country))


def creditor(regie: Regie) -> Creditor:
    """The régie's account, or its DFT account at the Trésor public when it has one."""
    return Creditor(regie.name, regie.dft_iban or regie.iban, None if regie.dft_iban else regie.bic,
                    regie.creditor_id,
                    _address(regie.address_line, regie.postcode, regie.city, regie.organisation.country.value))


def initiating_party(regie: Regie) -> Party:
    return Party(regie.organisation.name, siret=regie.company_number if regie.organisation.country == "FR" else None)


def ultimate_creditor(regie: Regie) -> Party | None:
    """In the DFT variant the creditor is the treasury account and the commune is the ultimate creditor."""
    return Party(regie.organisation.name) if regie.dft_iban else None


def _amendment(stored: dict[str, Any] | None) -> Amendment | None:
    return None if stored is None else Amendment(**stored)


def _state(stored: dict[str, Any] | None) -> regie_sepa.MandateState | None:
    if stored is None:
        return None
    last = stored.get("last_collection_date")
    sequence = stored.get("last_sequence")
    return regie_sepa.MandateState(date.fromisoformat(last) if last else None,
                                   Sequence(sequence) if sequence else None, MandateStatus(stored["status"]),
                                   _amendment(stored.get("amendment")), None)


def mandate(stored: Mandate) -> regie_sepa.Mandate:
    return regie_sepa.Mandate(
        reference=stored.reference, signed_on=stored.signed_on, debtor=debtor(stored.account),
        signed_at=stored.signed_at or None, status=_STATUS[stored.state],
        last_collection_date=stored.last_collection_date,
        last_sequence=Sequence(stored.last_sequence) if stored.last_sequence else None,
        amendment=_amendment(stored.amendment), previous=_state(stored.previous))


def _stored_state(state: regie_sepa.MandateState | None) -> dict[str, Any] | None:
    """One level is kept: the state before the last validated run, which is what a rollback restores."""
    if state is None:
        return None
    return {"last_collection_date": state.last_collection_date and state.last_collection_date.isoformat(),
            "last_sequence": state.last_sequence and state.last_sequence.value, "status": state.status.value,
            "amendment": asdict(state.amendment) if state.amendment else None}


def store(stored: Mandate, record: regie_sepa.Mandate) -> dict[str, list[Any]]:
    """Write the adapter's answer back onto the stored mandate; the changes, for the audit."""
    before = (stored.last_collection_date, stored.last_sequence, stored.state)
    stored.last_collection_date = record.last_collection_date
    stored.last_sequence = record.last_sequence.value if record.last_sequence else None
    if record.status is MandateStatus.CLOSED:
        stored.state = MandateState.CLOSED
    elif record.status is MandateStatus.ACTIVE and stored.state is MandateState.CLOSED:
        stored.state = MandateState.ACTIVE
    stored.amendment = asdict(record.amendment) if record.amendment else None
    stored.previous = _stored_state(replace(record.previous, previous=None) if record.previous else None)
    after = (stored.last_collection_date, stored.last_sequence, stored.state)
    names = ("dernier prélèvement", "dernière séquence", "état")
    return {name: [str(old) if old else None, str(new) if new else None]
            for name, old, new in zip(names, before, after, strict=True) if old != new}
