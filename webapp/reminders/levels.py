"""The reminder levels a régie configures, within the law of its country, and the disputed invoices no reminder
chases. Belgium (Code de droit économique, livre XIX): the first reminder is free, a later one costs at most the
configured amount, and the last level's indemnity stays under the bracket of the smallest debt it applies to; the
amounts are read from the configuration (`BE_*`), the law changes them. France sets no cap. An activity may have a
set of levels of its own, for the invoices that bill it alone; the régie's set chases the others."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context

from webapp import db
from webapp.audit.services import actor_id, apply_changes, declare, record, record_creation
from webapp.config import Defaults
from webapp.counter.amounts import CENT, ZERO, checked_amount
from webapp.errors import DomainError
from webapp.formatting import money
from webapp.forms import LARGEST_INTEGER
from webapp.invoicing.models import Invoice
from webapp.organisations.models import Country, Regie
from webapp.reminders.models import InvoiceDispute, ReminderLevel
from webapp.tariffs.models import Activity

LEVEL_FIELDS = ("activity_id", "rank", "delay_days", "after_previous", "minimum_amount", "fee", "letter_text",
                "email_text", "last")

#: What a reminder's e-mail says above its facts while its level's text is empty; the letter is attached.
DEFAULT_EMAIL_TEXT = ("Sauf erreur de notre part, des factures restent impayées. Vous trouverez en pièce jointe notre "
                      "rappel, qui en donne le détail. Si vous avez réglé entre-temps, merci de ne pas tenir compte "
                      "de ce message.")

declare({"reminder_level": "Niveau de relance", "invoice_dispute": "Contestation de facture"}, {
    "activity_id": "activité (n°)", "rank": "niveau", "delay_days": "délai (jours)",
    "after_previous": "après le niveau précédent", "minimum_amount": "montant minimum", "fee": "frais",
    "letter_text": "texte du courrier", "email_text": "texte de l'e-mail", "last": "dernier niveau",
    "reason": "motif",
}, {"minimum_amount": money, "fee": money})


def setting(name: str) -> Any:
    """A legal amount of the configuration; the defaults when no app runs (a script, the demo data)."""
    return current_app.config[name] if has_app_context() else getattr(Defaults, name)


def indemnity_cap(debt: Decimal) -> Decimal:
    """The flat indemnity a Belgian consumer debt of `debt` may carry (the configured brackets, then the maximum)."""
    below = ZERO
    for upper, fixed, rate in setting("BE_INDEMNITY_BRACKETS"):
        if upper is None or debt <= Decimal(upper):
            cap = Decimal(fixed) + (max(debt - below, ZERO) * Decimal(rate))
            return min(cap, Decimal(setting("BE_INDEMNITY_MAX"))).quantize(CENT)
        below = Decimal(upper)
    raise RuntimeError("BE_INDEMNITY_BRACKETS must end with an open bracket (None).")


def refuse_above_caps(regie: Regie, rank: int, fee: Decimal, minimum: Decimal, last: bool) -> None:
    """A Belgian level costing more than the law allows is refused, naming the rule."""
    if regie.organisation.country is not Country.BE or fee == 0:
        return
    if rank == 1:
        raise DomainError("Le premier rappel est gratuit (Code de droit économique, livre XIX, art. XIX.2) : "
                          "ses frais sont de 0,00 €.", "fee")
    if last:
        cap = indemnity_cap(minimum)
        if fee > cap:
            raise DomainError(f"L'indemnité forfaitaire d'une dette de {money(minimum)} est plafonnée à {money(cap)} "
                              "(Code de droit économique, art. XIX.4) : baissez les frais ou relevez le montant "
                              "minimum du niveau.", "fee")
        return
    cap = Decimal(setting("BE_REMINDER_FEE_MAX"))
    if fee > cap:
        raise DomainError(f"Un rappel coûte au plus {money(cap)} hors frais postaux (Code de droit économique, "
                          "art. XIX.2) : baissez les frais.", "fee")


def _clean(regie: Regie, data: dict[str, Any], level: ReminderLevel | None) -> dict[str, Any]:
    rank = data.get("rank")
    if not isinstance(rank, int) or not 1 <= rank <= 9:
        raise DomainError("Le niveau est un entier de 1 à 9.", "rank")
    delay = data.get("delay_days")
    if not isinstance(delay, int) or not 0 <= delay <= 365:
        raise DomainError("Le délai est un nombre de jours de 0 à 365.", "delay_days")
    activity_id = data.get("activity_id") or None
    if activity_id is not None and (not isinstance(activity_id, int) or not 0 < activity_id <= LARGEST_INTEGER
                                    or db.session.scalar(sa.select(Activity.id).where(
                                        Activity.id == activity_id, Activity.regie_id == regie.id)) is None):
        raise DomainError("Choisissez une activité de la régie, ou aucune.", "activity_id")
    taken = db.session.scalar(sa.select(ReminderLevel.id).where(
        ReminderLevel.regie_id == regie.id, ReminderLevel.activity_id.is_(None) if activity_id is None
        else ReminderLevel.activity_id == activity_id, ReminderLevel.rank == rank,
        ReminderLevel.id != (level.id if level else 0)))
    if taken is not None:
        raise DomainError(f"Le niveau {rank} existe déjà pour cette {'régie' if activity_id is None else 'activité'}.",
                          "rank")
    minimum = checked_amount(data.get("minimum_amount") if data.get("minimum_amount") is not None else ZERO,
                             "minimum_amount", zero=True)
    fee = checked_amount(data.get("fee") if data.get("fee") is not None else ZERO, "fee", zero=True)
    last = bool(data.get("last"))
    refuse_above_caps(regie, rank, fee, minimum, last)
    return {"activity_id": activity_id, "rank": rank, "delay_days": delay, "after_previous": bool(data.get("after_previous")),
            "minimum_amount": minimum, "fee": fee, "letter_text": (data.get("letter_text") or "").strip()[:4000],
            "email_text": (data.get("email_text") or "").strip()[:4000], "last": last}


def add_level(regie: Regie, data: dict[str, Any]) -> ReminderLevel:
    level = ReminderLevel(organisation_id=regie.organisation_id, regie_id=regie.id, regie=regie,
                          **_clean(regie, data, None))
    db.session.add(level)
    db.session.flush()
    record_creation("reminder_level", level, LEVEL_FIELDS, organisation_id=regie.organisation_id)
    return level


def update_level(level: ReminderLevel, data: dict[str, Any]) -> ReminderLevel:
    """A level changes for the runs to come; the reminders sent keep what they said."""
    changes = apply_changes(level, _clean(level.regie, data, level))
    if changes:
        record("update", "reminder_level", level, changes, organisation_id=level.organisation_id)
    return level


def email_text(level: ReminderLevel) -> str:
    return level.email_text.strip() or DEFAULT_EMAIL_TEXT


def levels_of(regie_id: int, activity_id: int | None = None) -> list[ReminderLevel]:
    """One set of levels, by rank: the régie's own (no activity), or an activity's."""
    return list(db.session.scalars(sa.select(ReminderLevel).where(
        ReminderLevel.regie_id == regie_id,
        ReminderLevel.activity_id.is_(None) if activity_id is None else ReminderLevel.activity_id == activity_id)
        .order_by(ReminderLevel.rank)))


def level_sets(regie_id: int) -> dict[int | None, dict[int, ReminderLevel]]:
    """Every set of the régie's levels: activity id (None: the régie's own set) → rank → level."""
    sets: dict[int | None, dict[int, ReminderLevel]] = {}
    for level in db.session.scalars(sa.select(ReminderLevel).where(ReminderLevel.regie_id == regie_id)
                                    .order_by(ReminderLevel.activity_id.is_not(None), ReminderLevel.activity_id,
                                              ReminderLevel.rank)):
        sets.setdefault(level.activity_id, {})[level.rank] = level
    return sets


def dispute(invoice: Invoice, reason: str) -> InvoiceDispute:
    """The family contests the invoice: reminders leave it aside until the dispute is lifted."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Indiquez le motif de la contestation.", "reason")
    if disputed(invoice.id) is not None:
        raise DomainError("Cette facture est déjà contestée.", "reason")
    found = InvoiceDispute(organisation_id=invoice.regie.organisation_id, invoice_id=invoice.id, invoice=invoice,
                           reason=reason[:2000], created_by_id=actor_id())
    db.session.add(found)
    db.session.flush()
    record_creation("invoice_dispute", found, ("reason",), organisation_id=found.organisation_id)
    return found


def lift_dispute(invoice: Invoice) -> None:
    found = disputed(invoice.id)
    if found is None:
        raise DomainError("Cette facture n'est pas contestée.")
    record("delete", "invoice_dispute", found, {"reason": [found.reason, None]}, organisation_id=found.organisation_id)
    db.session.delete(found)
    db.session.flush()


def disputed(invoice_id: int) -> InvoiceDispute | None:
    return db.session.scalar(sa.select(InvoiceDispute).where(InvoiceDispute.invoice_id == invoice_id))
