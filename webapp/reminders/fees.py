"""What a reminder costs, as the draft shows it and the validation bills it: a fee invoice of its own per family
(`invoicing.fees`), chased with the reminder's invoices.

France: the level's fee. Belgium (Code de droit économique, livre XIX), for the régie's regular services: the
first reminder is free; a family's first `BE_FREE_REMINDERS_PER_YEAR` reminders of a calendar year at the régie
are free, the later ones cost the level's fee, at most `BE_REMINDER_FEE_MAX`; the last level's flat indemnity is
kept under the cap of the debt it chases (`levels.indemnity_cap`), fees billed by earlier reminders left out of
that debt. The amounts are settings: the law changes them.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa

from webapp import db, numbering
from webapp.counter.amounts import ZERO
from webapp.formatting import money
from webapp.invoicing.fees import Fee, bill_fees
from webapp.invoicing.models import Batch, BillingPeriod, Invoice
from webapp.organisations.models import Country, Regie
from webapp.reminders.levels import indemnity_cap, level_sets, setting
from webapp.reminders.models import Reminder, ReminderLevel, ReminderRun

if TYPE_CHECKING:
    from webapp.reminders.runs import FamilyDue

FIRST_FREE = "1er rappel gratuit"
NO_FEE_ON_FEES = "Pas de frais sur des frais"
ONE_FEE_A_RUN = "Frais déjà portés par une autre relance de la famille"


def _earlier(regie_id: int, family_ids: list[int], year: int) -> Counter[int]:
    """How many reminders each family was sent at the régie in the calendar year."""
    return Counter({family_id: count for listed in db.among(Reminder.family_id, family_ids)
                    for family_id, count in db.session.execute(
                        sa.select(Reminder.family_id, sa.func.count()).where(
                            listed, Reminder.regie_id == regie_id, Reminder.year == year)
                        .group_by(Reminder.family_id))})


def _fee_invoices(invoice_ids: list[int]) -> set[int]:
    """Those of the invoices that bill fees: an indemnity is not counted on them."""
    return {invoice_id for listed in db.among(Invoice.id, invoice_ids)
            for invoice_id in db.session.scalars(sa.select(Invoice.id).join(Batch).join(BillingPeriod).where(
                listed, BillingPeriod.fees_only.is_(True)))}


def price(regie: Regie, dues: list[FamilyDue], year: int) -> None:
    """Set each reminder's fee (`due.fee`), why it is below its level's (`due.fee_reason`), and what the next level
    would cost if nothing is paid (`due.next_fee`, the letter announces it), in the order the reminders will be
    numbered: a family reminded twice in a run counts both. A run bills a family one fee (by invoice, its first
    reminder's), and no fee on a reminder of fees alone."""
    sets = level_sets(regie.id)
    belgian = regie.organisation.country is Country.BE
    earlier = _earlier(regie.id, sorted({due.family.id for due in dues}), year) if belgian else Counter()
    fees_billed = _fee_invoices([invoice.id for due in dues for invoice in due.invoices])
    charged: set[int] = set()
    for due in dues:
        after = sets.get(due.level.activity_id, {}).get(due.level.rank + 1)  # in the level's own set
        if belgian:
            debt = sum((i.outstanding for i in due.invoices if i.id not in fees_billed), ZERO)
            fee, reason = _belgian_fee(due.level, earlier[due.family.id], debt)
            earlier[due.family.id] += 1
            next_fee = _belgian_fee(after, earlier[due.family.id], debt)[0] if after else None
        else:
            fee, reason, next_fee = due.level.fee, "", after.fee if after else None
        if fee and all(invoice.id in fees_billed for invoice in due.invoices):
            fee, reason = ZERO, NO_FEE_ON_FEES
        elif fee and due.family.id in charged:
            fee, reason = ZERO, ONE_FEE_A_RUN
        if fee:
            charged.add(due.family.id)
        due.fee, due.fee_reason, due.next_fee = fee, reason, next_fee


def _belgian_fee(level: ReminderLevel, earlier: int, debt: Decimal) -> tuple[Decimal, str]:
    """What the level may bill a family sent `earlier` reminders this year for a debt of `debt`, and why it is
    below the level's fee."""
    if level.rank == 1:
        return ZERO, FIRST_FREE
    if level.last:
        cap = indemnity_cap(debt)
        return (cap, f"Indemnité plafonnée à {money(cap)} (dette de {money(debt)})") if level.fee > cap else (
            level.fee, "")
    free = int(setting("BE_FREE_REMINDERS_PER_YEAR"))
    if level.fee > 0 and earlier < free:
        return ZERO, f"{free} rappels gratuits par an"
    most = Decimal(setting("BE_REMINDER_FEE_MAX"))
    if level.fee > most:
        return most, f"Frais plafonnés à {money(most)}"
    return level.fee, ""


def bill(run: ReminderRun, numbered: list[tuple[numbering.Number, FamilyDue]], sent_on: date,
         due_on: date) -> dict[int, Invoice]:
    """The run's fee invoices, in one fees lot, due with the reminders: each family's by family id."""
    regie = run.regie
    country = regie.organisation.country
    fees = [Fee(due.family, f"{_what(country, due)} {number.text}", due.fee)
            for number, due in numbered if due.fee > 0]
    if not fees:
        return {}
    return bill_fees(regie, f"Frais de relance · {run}", fees, sent_on, due_on,
                     setting("REMINDER_FEE_ACCOUNTING_CODE")[country.value])


def _what(country: Country, due: FamilyDue) -> str:
    return "Indemnité forfaitaire · rappel" if country is Country.BE and due.level.last else "Frais de la relance"
