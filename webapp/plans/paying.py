"""A plan's reference pays its invoices while the plan is in force: the bank statements read every reference of a
régie, the family search and the counter find a plan from the reference its schedule prints (a structured
communication in Belgium, its number in France)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.counter.references import Grouped, Source, by_reference, grouped, written_forms
from webapp.families.services import finds_families
from webapp.invoicing.models import Invoice
from webapp.plans.models import PaymentPlan, PlanInvoice, PlanStatus


def _in_force(forms: set[str]) -> sa.ColumnElement[bool]:
    return sa.and_(PaymentPlan.status == PlanStatus.IN_FORCE,
                   sa.or_(PaymentPlan.payment_reference.in_(forms), PaymentPlan.number.in_(forms)))


@finds_families
def _by_plan_reference(query: str) -> sa.Select:
    return sa.select(PaymentPlan.family_id).where(_in_force(written_forms(query) or {""}))


def payable_by_reference(regie_id: int) -> dict[str, list[int]]:
    """Each plan in force's payment reference → the ids of its invoices, oldest first: what a payment to it
    settles. A cancelled plan's reference pays nothing."""
    return by_reference(db.session.execute(
        sa.select(PaymentPlan.payment_reference, PlanInvoice.invoice_id).join(PlanInvoice)
        .join(Invoice, Invoice.id == PlanInvoice.invoice_id)
        .where(PaymentPlan.regie_id == regie_id, PaymentPlan.status == PlanStatus.IN_FORCE)
        .order_by(PaymentPlan.id, Invoice.issued_on, Invoice.id)))


def _find(regie_ids: Sequence[int], forms: set[str]) -> list[Grouped]:
    found = db.session.scalars(sa.select(PaymentPlan).where(PaymentPlan.regie_id.in_(regie_ids), _in_force(forms))
                               .options(selectinload(PaymentPlan.invoices).selectinload(PlanInvoice.invoice)))
    return [grouped(f"Échéancier {plan.number}", plan.payment_reference, plan.regie_id, plan.family_id,
                    (held.invoice for held in plan.invoices)) for plan in found]


SOURCE = Source("cet échéancier", "ECH", payable_by_reference, _find)
