"""What other areas ask of payment plans, in one query each: the reminders leave out a family whose plan is in
force, the treasury's titles its invoices."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from webapp import db
from webapp.counter.settlement import owing
from webapp.invoicing.models import Invoice
from webapp.plans.models import PaymentPlan, PlanInvoice, PlanStatus


def in_force() -> sa.ColumnElement[bool]:
    """A plan not cancelled with an invoice still to pay (one whose invoices owe nothing is completed)."""
    return sa.and_(PaymentPlan.status == PlanStatus.IN_FORCE, sa.exists().where(
        PlanInvoice.plan_id == PaymentPlan.id, Invoice.id == PlanInvoice.invoice_id, owing()))


def _holding() -> tuple[sa.ColumnElement[bool], ...]:
    return PaymentPlan.id == PlanInvoice.plan_id, PaymentPlan.status == PlanStatus.IN_FORCE


def planned(invoice_id: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """The invoice belongs to a plan not cancelled: the plan, not the reminders or a title, collects it."""
    return sa.exists().where(PlanInvoice.invoice_id == invoice_id, *_holding())


def plans_of(invoice_ids: Iterable[int]) -> dict[int, str]:
    """Invoice id → the number of the plan not cancelled holding it (see `planned`)."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(PlanInvoice.invoice_id, PaymentPlan.number)
                                   .where(PlanInvoice.invoice_id.in_(ids), *_holding())).all())


def families_in_plans(regie_id: int) -> set[int]:
    """The families with a plan in force at the régie."""
    return set(db.session.scalars(sa.select(PaymentPlan.family_id).where(
        PaymentPlan.regie_id == regie_id, in_force())))
