"""A reminder's reference pays its invoices: the bank statements read every reference of a régie, the family
search and the counter find a reminder from the reference its letter prints (a structured communication in
Belgium, its number in France)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.counter.references import Grouped, Source, by_reference, grouped, written_forms
from webapp.families.services import finds_families
from webapp.invoicing.models import Invoice
from webapp.reminders.models import RemindedInvoice, Reminder


def _written(forms: set[str]) -> sa.ColumnElement[bool]:
    return sa.or_(Reminder.payment_reference.in_(forms), Reminder.number.in_(forms))


@finds_families
def _by_reminder_reference(query: str) -> sa.Select:
    return sa.select(Reminder.family_id).where(_written(written_forms(query) or {""}))


def payable_by_reference(regie_id: int) -> dict[str, list[int]]:
    """Each reminder's payment reference → the ids of its invoices, oldest first: what a payment to it settles."""
    return by_reference(db.session.execute(
        sa.select(Reminder.payment_reference, RemindedInvoice.invoice_id).join(RemindedInvoice)
        .join(Invoice, Invoice.id == RemindedInvoice.invoice_id)
        .where(Reminder.regie_id == regie_id).order_by(Reminder.id, Invoice.issued_on, Invoice.id)))


def _find(regie_ids: Sequence[int], forms: set[str]) -> list[Grouped]:
    found = db.session.scalars(sa.select(Reminder).where(Reminder.regie_id.in_(regie_ids), _written(forms))
                               .options(selectinload(Reminder.invoices).selectinload(RemindedInvoice.invoice)))
    return [grouped(f"Relance {r.number}", r.payment_reference, r.regie_id, r.family_id,
                    (chased.invoice for chased in r.invoices)) for r in found]


SOURCE = Source("cette relance", "REL", payable_by_reference, _find)
