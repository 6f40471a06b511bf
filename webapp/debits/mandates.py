"""A family's bank account and SEPA mandate at a régie: signed, corrected while never used, amended after,
revoked or replaced. The adapter's rules decide the RUM, the caducity and what an account change means."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import schwifty
import sqlalchemy as sa
from regie_sepa import SepaError, rules
from regie_sepa.text import check_identifier

from webapp import db, identifiers
from webapp.audit.services import actor_id, apply_changes, declare, record, record_creation
from webapp.db import utcnow
from webapp.debits import records
from webapp.debits.models import DebtorAccount, Mandate, MandateState
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.formatting import today
from webapp.organisations.models import Regie

ACCOUNT_FIELDS = ("holder", "iban", "bic", "street", "postcode", "town", "country")
MANDATE_FIELDS = ("reference", "signed_on", "signed_at", "migrated")
LAPSE_WARNING_DAYS = 60

declare({"mandate": "Mandat SEPA", "debtor_account": "Compte du débiteur"}, {
    "holder": "titulaire", "iban": "IBAN", "bic": "BIC", "street": "adresse", "postcode": "code postal",
    "town": "commune", "country": "pays", "reference": "RUM", "signed_on": "signé le", "signed_at": "signé à",
    "migrated": "repris d'un autre logiciel", "state": "état",
})


def _text(data: dict[str, Any], name: str) -> str:
    return (data.get(name) or "").strip()


def _bank(data: dict[str, Any]) -> dict[str, Any]:
    """IBAN checked; the BIC given, or derived from the IBAN when the bank registry knows it."""
    iban = identifiers.iban(_text(data, "iban"))
    bic = _text(data, "bic")
    if bic:
        bic = identifiers.bic(bic)
    else:
        try:
            bic = str(schwifty.IBAN(iban).bic or "")
        except schwifty.exceptions.SchwiftyException:
            bic = ""
    return {"iban": iban, "bic": bic}


def _account_data(data: dict[str, Any]) -> dict[str, Any]:
    holder = _text(data, "holder")
    if not holder:
        raise DomainError("Indiquez le titulaire du compte.", "holder")
    country = (_text(data, "country") or "FR").upper()
    if len(country) != 2 or not country.isalpha():
        raise DomainError("Le pays s'écrit en deux lettres (FR, BE…).", "country")
    return {"holder": holder, **_bank(data), "street": _text(data, "street"), "postcode": _text(data, "postcode"),
            "town": _text(data, "town"), "country": country}


def current_mandate(regie_id: int, family_id: int) -> Mandate | None:
    """The family's mandate at the régie that may still be used (active, perhaps lapsed by its dates)."""
    return db.session.scalar(sa.select(Mandate).where(
        Mandate.regie_id == regie_id, Mandate.family_id == family_id, Mandate.state == MandateState.ACTIVE))


def create_mandate(regie: Regie, family: Family, data: dict[str, Any]) -> Mandate:
    """A signed mandate and its account. A legacy mandate keeps its original RUM (`migrated`); a new one gets the
    next RUM of the régie. An active mandate is replaced (a new debtor, or the old one lapsed)."""
    if family.organisation_id != regie.organisation_id:
        raise DomainError("Cette famille n'appartient pas à la collectivité de la régie.")
    db.serialise(f"mandates-{regie.id}")
    signed_on = data.get("signed_on")
    if not isinstance(signed_on, date):
        raise DomainError("Saisissez la date de signature.", "signed_on")
    if signed_on > today():
        raise DomainError("Un mandat se saisit une fois signé : la date est dans le futur.", "signed_on")
    migrated = bool(data.get("migrated"))
    existing = list(db.session.scalars(sa.select(Mandate.reference).where(Mandate.regie_id == regie.id)))
    if migrated:
        reference = _text(data, "reference").upper()
        if not reference:
            raise DomainError("Un mandat repris garde sa RUM d'origine : saisissez-la.", "reference")
        try:
            check_identifier(reference, "reference")
        except SepaError as e:
            raise DomainError(f"RUM invalide : {e}", "reference") from e
        if reference in {r.upper() for r in existing}:
            raise DomainError("Cette RUM est déjà celle d'un autre mandat de la régie.", "reference")
    else:
        reference = rules.next_reference(existing)
    account = db.session.scalar(sa.select(DebtorAccount).where(
        DebtorAccount.regie_id == regie.id, DebtorAccount.family_id == family.id))
    values = _account_data(data)
    if account is None:
        account = DebtorAccount(organisation_id=regie.organisation_id, regie_id=regie.id, family_id=family.id, **values)
        db.session.add(account)
        db.session.flush()
        record_creation("debtor_account", account, ACCOUNT_FIELDS, organisation_id=regie.organisation_id)
    else:
        changes = apply_changes(account, values)
        if changes:
            record("update", "debtor_account", account, changes, organisation_id=regie.organisation_id)
    old = current_mandate(regie.id, family.id)
    if old is not None:
        _end(old, MandateState.REPLACED, f"Remplacé par le mandat {reference}")
    mandate = Mandate(organisation_id=regie.organisation_id, regie_id=regie.id, family_id=family.id,
                      account_id=account.id, reference=reference, signed_on=signed_on,
                      signed_at=_text(data, "signed_at"), migrated=migrated, created_by_id=actor_id())
    db.session.add(mandate)
    db.session.flush()
    record_creation("mandate", mandate, MANDATE_FIELDS, organisation_id=regie.organisation_id)
    return mandate


def _end(mandate: Mandate, state: MandateState, reason: str) -> None:
    record("update", "mandate", mandate, {"état": [mandate.state.label, state.label], "raison": [None, reason]},
           organisation_id=mandate.organisation_id)
    mandate.state, mandate.end_reason, mandate.ended_at = state, reason, utcnow()


def revoke(mandate: Mandate, reason: str) -> Mandate:
    """The family withdrew its mandate, or the bank said it is not valid (MD01): never debited again."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Indiquez la raison de la révocation.", "reason")
    _refuse_ended(mandate)
    _end(mandate, MandateState.REVOKED, reason)
    return mandate


def _refuse_ended(mandate: Mandate) -> None:
    db.session.refresh(mandate, with_for_update=True)
    if mandate.state is not MandateState.ACTIVE:
        raise DomainError(f"Le mandat {mandate.reference} est {mandate.state.label.lower()} : il ne change plus.")


def correct_entry(mandate: Mandate, data: dict[str, Any]) -> Mandate:
    """« Corriger une erreur de saisie »: only while the mandate was never collected (nothing was presented
    that an amendment would have to report)."""
    _refuse_ended(mandate)
    if mandate.last_collection_date is not None:
        raise DomainError("Ce mandat a déjà été prélevé : un changement de compte est un avenant (« Changer de "
                          "compte »), pas une correction.")
    changes = apply_changes(mandate.account, _account_data(data))
    signed_on = data.get("signed_on")
    if isinstance(signed_on, date) and signed_on != mandate.signed_on:
        if signed_on > today():
            raise DomainError("La date de signature est dans le futur.", "signed_on")
        changes.update(apply_changes(mandate, {"signed_on": signed_on, "signed_at": _text(data, "signed_at")}))
    if changes:
        record("correct", "mandate", mandate, changes, organisation_id=mandate.organisation_id)
    return mandate


def change_account(mandate: Mandate, data: dict[str, Any]) -> Mandate:
    """New bank details on a mandate already used: the adapter says what the next debit reports (another bank:
    SMNDA and FIRST; the same bank: the original account, RCUR goes on)."""
    _refuse_ended(mandate)
    values = _account_data(data)
    try:
        changed = rules.change_account(records.mandate(mandate), values["iban"], values["bic"] or None)
    except SepaError as e:
        raise DomainError(str(e), "iban") from e
    changes = apply_changes(mandate.account, values)
    amendment = asdict(changed.amendment) if changed.amendment else None
    if amendment != mandate.amendment:
        changes["avenant"] = [mandate.amendment, amendment]
        mandate.amendment = amendment
    if changes:
        record("amend", "mandate", mandate, changes, organisation_id=mandate.organisation_id)
    return mandate


def status(mandate: Mandate, on: date | None = None) -> str:
    """« actif », « caduc … », « révoqué »…: the adapter's word for an active one, the stored state otherwise."""
    if mandate.state is not MandateState.ACTIVE:
        return mandate.state.label
    return rules.STATUS_LABELS[rules.status_on(records.mandate(mandate), on or today())]


def expiry(mandate: Mandate) -> date:
    return rules.expiry_date(records.mandate(mandate))


def lapsing(regie_ids: list[int], on: date | None = None, days: int = LAPSE_WARNING_DAYS) -> list[Mandate]:
    """Active mandates that lapse within `days` (or have lapsed): a new mandate must be signed."""
    on = on or today()
    horizon = on + timedelta(days=days)
    found = db.session.scalars(sa.select(Mandate).where(
        Mandate.regie_id.in_(regie_ids), Mandate.state == MandateState.ACTIVE)
        .order_by(Mandate.signed_on)).all()
    return [m for m in found if expiry(m) <= horizon]
