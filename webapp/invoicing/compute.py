"""Computing a batch: attendances in, one draft invoice per family out.

A fixed number of queries whatever the number of families: everything is loaded in a handful of
set-based selects, priced in memory, and written back in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.attendance.models import Attendance, Presence
from webapp.families.models import Child, Family
from webapp.invoicing.models import Batch, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, LineKind
from webapp.tariffs.models import Activity, Tariff
from webapp.tariffs.pricing import Criteria, PricingError, price, select

ZERO = Decimal("0.00")


@dataclass
class _Line:
    child: Child | None
    activity: Activity
    kind: LineKind
    label: str
    unit_price: Decimal
    quantity: Decimal = Decimal(0)
    items: list[dict[str, str | int]] = field(default_factory=list)


@dataclass
class _Draft:
    family: Family
    lines: dict[tuple, _Line] = field(default_factory=dict)
    # One message per child and activity, with how many more days failed the same way.
    errors: dict[tuple[int, int], list] = field(default_factory=dict)

    def add(self, key: tuple, make: _Line, quantity: Decimal, item: dict[str, str | int] | None = None) -> None:
        line = self.lines.setdefault(key, make)
        line.quantity += quantity
        if item:
            line.items.append(item)


def _quotient_on(family: Family, day: date) -> Decimal | None:
    if family.quotient is None:
        return None
    if family.quotient_valid_from and day < family.quotient_valid_from:
        return None
    if family.quotient_valid_to and day > family.quotient_valid_to:
        return None
    return family.quotient


def _ranks(children: list[Child]) -> dict[int, int]:
    """Rank among the family's current children, the eldest first."""
    ordered = sorted(children, key=lambda c: (c.birth_date or date.max, c.id))
    return {child.id: rank for rank, child in enumerate(ordered, start=1)}


def batch_activities(batch: Batch) -> list[Activity]:
    chosen = [a for a in batch.period.activities if a.regie_id == batch.regie_id]
    if chosen:
        return chosen
    return list(db.session.scalars(
        sa.select(Activity).where(Activity.regie_id == batch.regie_id, Activity.active.is_(True))
    ))


def _billable_amount(activity: Activity, attendance: Attendance, tariffs: list[Tariff], family: Family,
                     rank: int) -> tuple[str, Decimal, Decimal, Decimal]:
    """(label, unit price, quantity, amount) of one attendance; zero when it is not billed at all."""
    if attendance.presence is Presence.JUSTIFIED or (
        attendance.presence is Presence.UNJUSTIFIED and not activity.bill_unjustified_absence
    ):
        return "", ZERO, Decimal(0), ZERO
    criteria = Criteria(attendance.day, _quotient_on(family, attendance.day), family.tariff_category, rank)
    tariff = select(tariffs, criteria, activity=activity.name, child=str(attendance.child))
    priced = price(tariff, criteria, quantity=attendance.quantity, minutes=attendance.minutes)
    label = priced.label if attendance.presence is Presence.PRESENT else f"{priced.label} (absence non justifiée)"
    return label, priced.unit_price, priced.quantity, priced.amount


def compute(batch: Batch) -> list[Invoice]:
    """Replace the batch's drafts with freshly computed ones and return them (held ones included)."""
    period = batch.period
    activities = {a.id: a for a in batch_activities(batch)}
    tariffs: dict[int, list[Tariff]] = defaultdict(list)
    for tariff in db.session.scalars(sa.select(Tariff).where(Tariff.activity_id.in_(activities))):
        tariffs[tariff.activity_id].append(tariff)

    drafts = sa.select(Invoice.id).where(Invoice.batch_id == batch.id).scalar_subquery()
    db.session.execute(sa.delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(drafts)))
    db.session.execute(sa.delete(Invoice).where(Invoice.batch_id == batch.id))

    window_start = period.regularisation_from or period.start_date
    in_window = sa.and_(
        Attendance.activity_id.in_(activities),
        Attendance.day <= period.end_date,
        sa.or_(
            sa.and_(Attendance.billed_invoice_id.is_(None), Attendance.day >= window_start),
            Attendance.changed_since_billing.is_(True),
        ),
    )
    rows = db.session.execute(
        sa.select(Attendance, Child)
        .join(Child, Attendance.child_id == Child.id)
        .join(Family, Child.family_id == Family.id)
        .where(in_window, Family.organisation_id == period.organisation_id)
        .order_by(Attendance.day, Attendance.id)
    ).all()
    family_ids = sa.select(Child.family_id).join(Attendance).where(in_window)
    families = {f.id: f for f in db.session.scalars(sa.select(Family).where(Family.id.in_(family_ids)))}
    siblings: dict[int, list[Child]] = defaultdict(list)
    for child in db.session.scalars(
        sa.select(Child).where(Child.family_id.in_(family_ids), Child.archived_at.is_(None))
    ):
        siblings[child.family_id].append(child)
    ranks = {child_id: rank for children in siblings.values() for child_id, rank in _ranks(children).items()}

    drafts_by_family: dict[int, _Draft] = {}
    fee_months: set[tuple[int, int, int]] = set()
    for attendance, child in rows:
        family = families[child.family_id]
        draft = drafts_by_family.setdefault(family.id, _Draft(family))
        activity = activities[attendance.activity_id]
        try:
            label, unit, quantity, amount = _billable_amount(
                activity, attendance, tariffs[activity.id], family, ranks.get(child.id, len(siblings[family.id]) + 1)
            )
        except PricingError as error:
            draft.errors.setdefault((child.id, activity.id), [error.message, 0])[1] += 1
            continue
        item = {"id": attendance.id, "day": attendance.day.isoformat(), "amount": str(amount)}
        if attendance.billed_invoice_id is not None:
            difference = amount - attendance.billed_amount
            if difference:
                draft.add(("regul", attendance.id), _Line(
                    child, activity, LineKind.REGULARISATION,
                    f"Régularisation {activity.name} du {attendance.day:%d/%m/%Y}", difference,
                ), Decimal(1), {**item, "amount": str(difference), "billed": str(amount)})
            else:
                attendance.changed_since_billing = False  # the change does not change the price
            continue
        if not quantity:
            continue  # a justified absence: it stays unbilled, so a later change is still billed
        draft.add(("day", child.id, activity.id, label, unit),
                  _Line(child, activity, LineKind.CONSUMPTION, label, unit), quantity, item)
        if activity.monthly_fee and period.start_date <= attendance.day:
            month = (child.id, activity.id, attendance.day.year * 12 + attendance.day.month)
            if month not in fee_months:
                fee_months.add(month)
                draft.add(("fee", child.id, activity.id), _Line(
                    child, activity, LineKind.MONTHLY_FEE, "Forfait mensuel", activity.monthly_fee,
                ), Decimal(1))

    invoices = [_invoice(batch, draft) for draft in drafts_by_family.values()]
    invoices = [invoice for invoice in invoices if invoice is not None]
    db.session.add_all(invoices)
    db.session.flush()
    return invoices


def _invoice(batch: Batch, draft: _Draft) -> Invoice | None:
    lines = [
        InvoiceLine(
            child_id=line.child.id if line.child else None, activity_id=line.activity.id, kind=line.kind,
            label=line.label, accounting_code=line.activity.accounting_code, unit_price=line.unit_price,
            quantity=line.quantity, amount=(line.unit_price * line.quantity).quantize(Decimal("0.01")),
            items=line.items,
        )
        for line in draft.lines.values()
    ]
    if not draft.errors and not lines:
        return None
    total = sum((line.amount for line in lines), ZERO)
    period = batch.period
    return Invoice(
        batch_id=batch.id, regie_id=batch.regie_id, family_id=draft.family.id, fiscal_year=period.fiscal_year,
        kind=InvoiceKind.CREDIT_NOTE if total < 0 else InvoiceKind.INVOICE,
        status=InvoiceStatus.HELD if draft.errors else InvoiceStatus.DRAFT,
        hold_reason="\n".join(message if count == 1 else f"{message} (et {count - 1} autre(s) jour(s))"
                               for message, count in draft.errors.values()), issued_on=period.invoice_date, due_on=period.due_date,
        total=total, lines=lines,
    )
