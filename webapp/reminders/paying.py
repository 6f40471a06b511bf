"""A reminder's reference pays its invoices: the family search and the counter find a reminder from the reference
its letter prints (a structured communication in Belgium, its number in France)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.counter.amounts import ZERO
from webapp.counter.references import Grouped, pays_grouped, written_forms
from webapp.families.services import finds_families
from webapp.reminders.models import RemindedInvoice, Reminder


def _written(forms: set[str]) -> sa.ColumnElement[bool]:
    return sa.or_(Reminder.payment_reference.in_(forms), Reminder.number.in_(forms))


@finds_families
def _by_reminder_reference(query: str) -> sa.Select:
    return sa.select(Reminder.family_id).where(_written(written_forms(query) or {""}))


@pays_grouped
def _reminders(regie_ids: Sequence[int], forms: set[str]) -> list[Grouped]:
    found = db.session.scalars(sa.select(Reminder).where(Reminder.regie_id.in_(regie_ids), _written(forms))
                               .options(selectinload(Reminder.invoices).selectinload(RemindedInvoice.invoice)))
    grouped = []
    for reminder in found:
        invoices = sorted((r.invoice for r in reminder.invoices), key=lambda invoice: (invoice.issued_on, invoice.id))
        grouped.append(Grouped(f"Relance {reminder.number}", reminder.payment_reference, reminder.regie_id,
                               reminder.family_id, tuple(invoice.id for invoice in invoices),
                               sum((invoice.outstanding for invoice in invoices), ZERO)))
    return grouped
