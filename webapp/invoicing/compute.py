"""Computing a batch: attendances in, one draft invoice per family out.

A fixed number of queries whatever the number of families: everything is loaded in a handful of
set-based selects, priced in memory, and written back in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from webapp import db
from webapp.attendance.models import Attendance, Presence
from webapp.families.models import Child, Family
from webapp.imports.models import ConsumptionImport, ImportedConsumption
from webapp.invoicing.models import Batch, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, LineKind
from webapp.tariffs.models import Activity, ChildDiscount, Discount, DiscountBasis, FamilyFee, PricingMode, Tariff
from webapp.tariffs.pricing import Criteria, PricingError, Priced, Terms, covers, fits, price, select

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass
class _Line:
    child: Child | None
    activity: Activity | None
    kind: LineKind
    label: str
    unit_price: Decimal
    quantity: Decimal = Decimal(0)
    items: list[dict[str, str | int]] = field(default_factory=list)
    accounting_code: str = ""

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT, rounding=ROUND_HALF_UP)


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


@dataclass(frozen=True, slots=True)
class _Payer:
    """What pricing needs of a family, read once rather than through the ORM on every attendance."""

    quotient: Decimal | None
    valid_from: date | None
    valid_to: date | None
    category: str

    @classmethod
    def of(cls, family: Family) -> _Payer:
        return cls(family.quotient, family.quotient_valid_from, family.quotient_valid_to, family.tariff_category)

    def quotient_on(self, day: date) -> Decimal | None:
        if self.quotient is None or (self.valid_from and day < self.valid_from) or (
                self.valid_to and day > self.valid_to):
            return None
        return self.quotient


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


def _minutes(arrival: time | None, departure: time | None) -> int | None:
    if arrival is None or departure is None:
        return None
    return (departure.hour * 60 + departure.minute) - (arrival.hour * 60 + arrival.minute)


class _Pricer:
    """Prices attendances with two memories: the tariffs that fit a family and child (all but the day),
    and the price of a tariff for a quantity and a duration; a large batch repeats both endlessly."""

    def __init__(self, activities: dict[int, Activity], terms: dict[int, list[Terms]], first: date,
                 last: date) -> None:
        self.activities, self.terms, self.first, self.last = activities, terms, first, last
        self.fitting: dict[tuple, tuple[list[Terms], Terms | None]] = {}
        self.prices: dict[tuple, Priced] = {}

    def _fitting(self, key: tuple) -> tuple[list[Terms], Terms | None]:
        """The fitting tariffs, and the one that alone covers every day of the batch when there is one."""
        activity_id, quotient, category, rank = key
        fitting = [t for t in self.terms[activity_id] if fits(t, quotient, category, rank)]
        whole = fitting[0] if len(fitting) == 1 and covers(fitting[0], self.first) \
            and covers(fitting[0], self.last) else None
        return fitting, whole

    def __call__(self, row: Any, payer: _Payer, rank: int, child: str) -> tuple[str, Decimal, Decimal, Decimal]:
        """(label, unit price, quantity, amount) of one billable attendance."""
        quotient = payer.quotient_on(row.day)
        key = (row.activity_id, quotient, payer.category, rank)
        fitting, tariff = self.fitting.get(key) or self.fitting.setdefault(key, self._fitting(key))
        if tariff is None:
            found = [t for t in fitting if covers(t, row.day)]
            if len(found) != 1:  # none or a conflict: let select() say which, in its words
                select(found, Criteria(row.day, quotient, payer.category, rank),
                       activity=self.activities[row.activity_id].name, child=child)
            tariff = found[0]
        minutes = _minutes(row.arrival, row.departure)
        price_key = (tariff.id, row.quantity, minutes, quotient if tariff.mode is PricingMode.EFFORT else None)
        priced = self.prices.get(price_key)
        if priced is None:
            priced = self.prices[price_key] = price(tariff, Criteria(row.day, quotient, payer.category, rank),
                                                    quantity=Decimal(str(row.quantity)), minutes=minutes)
        label = priced.label if row.presence == Presence.PRESENT else f"{priced.label} (absence non justifiée)"
        return label, priced.unit_price, priced.quantity, priced.amount


def _in_window(batch: Batch, activity_ids: Any) -> Any:
    period = batch.period
    window_start = period.regularisation_from or period.start_date
    return sa.and_(
        Attendance.activity_id.in_(activity_ids),
        Attendance.day <= period.end_date,
        sa.or_(
            sa.and_(Attendance.billed_invoice_id.is_(None), Attendance.day >= window_start),
            Attendance.changed_since_billing.is_(True),
        ),
    )


def size(batch: Batch) -> int:
    """How many attendances a compute would read: the page decides from it whether to compute at once."""
    activity_ids = [a.id for a in batch_activities(batch)]
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)
                             .where(_in_window(batch, activity_ids))) or 0


def compute(batch: Batch) -> list[Invoice]:
    """Replace the batch's drafts with freshly computed ones and return them (held ones included)."""
    period = batch.period
    activities = {a.id: a for a in batch_activities(batch)}
    terms: dict[int, list[Terms]] = defaultdict(list)
    for tariff in db.session.scalars(sa.select(Tariff).where(Tariff.activity_id.in_(activities))):
        terms[tariff.activity_id].append(Terms.of(tariff))

    drafts = sa.select(Invoice.id).where(Invoice.batch_id == batch.id).scalar_subquery()
    db.session.execute(sa.delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(drafts)))
    db.session.execute(sa.delete(Invoice).where(Invoice.batch_id == batch.id))

    in_window = _in_window(batch, list(activities))
    # Plain rows, not ORM objects: a large commune has hundreds of thousands of them.
    rows = db.session.execute(
        # Presence and quantity come raw (text, number): converting 180,000 of each costs a tenth of the compute.
        sa.select(Attendance.id, Attendance.child_id, Attendance.activity_id, Attendance.day,
                  sa.type_coerce(Attendance.presence, sa.String).label("presence"),
                  sa.type_coerce(Attendance.quantity, sa.String).label("quantity"), Attendance.arrival, Attendance.departure, Attendance.billed_invoice_id,
                  Attendance.billed_amount)
        .join(Child, Attendance.child_id == Child.id)
        .join(Family, Child.family_id == Family.id)
        .where(in_window, Family.organisation_id == period.organisation_id)
        .order_by(Attendance.day, Attendance.id)
    ).all()
    imported = sa.and_(ConsumptionImport.period_id == period.id, ConsumptionImport.activity_id.in_(activities),
                       ConsumptionImport.undone_at.is_(None), ImportedConsumption.billed_invoice_id.is_(None))
    family_ids = sa.union(
        sa.select(Child.family_id).join(Attendance).where(in_window),
        sa.select(Child.family_id).join(ImportedConsumption).join(ConsumptionImport).where(imported),
    ).scalar_subquery()
    families = {f.id: f for f in db.session.scalars(sa.select(Family).where(Family.id.in_(family_ids)))}
    payers = {family_id: _Payer.of(family) for family_id, family in families.items()}
    children = {c.id: c for c in db.session.scalars(sa.select(Child).where(Child.family_id.in_(family_ids)))}
    siblings: dict[int, list[Child]] = defaultdict(list)
    for child in children.values():
        if child.archived_at is None:
            siblings[child.family_id].append(child)
    ranks = {child_id: rank for kids in siblings.values() for child_id, rank in _ranks(kids).items()}
    names = {child.id: str(child) for child in children.values()}

    family_of = {child.id: child.family_id for child in children.values()}
    pricer = _Pricer(activities, terms, min((row.day for row in rows), default=period.start_date),
                     period.end_date)
    iso_days: dict[date, str] = {}  # a few days and prices, repeated over every attendance
    texts: dict[Decimal, str] = {}
    unjustified_billed = {a.id: a.bill_unjustified_absence for a in activities.values()}
    monthly_fee = {a.id: a.monthly_fee for a in activities.values()}
    period_start = period.start_date
    drafts_by_family: dict[int, _Draft] = {}
    fee_months: set[tuple[int, int, int]] = set()
    unchanged: list[int] = []
    for row in rows:
        child_id, activity_id = row.child_id, row.activity_id
        family_id = family_of[child_id]
        draft = drafts_by_family.get(family_id) or drafts_by_family.setdefault(family_id, _Draft(families[family_id]))
        if row.presence == Presence.JUSTIFIED or (
                row.presence == Presence.UNJUSTIFIED and not unjustified_billed[activity_id]):
            amount = ZERO  # not billed; a justified absence stays unbilled, so a later change is still billed
            if row.billed_invoice_id is None:
                continue
        else:
            try:
                label, unit, quantity, amount = pricer(
                    row, payers[family_id], ranks.get(child_id, len(siblings[family_id]) + 1), names[child_id])
            except PricingError as error:
                draft.errors.setdefault((child_id, activity_id), [error.message, 0])[1] += 1
                continue
        day = iso_days.get(row.day) or iso_days.setdefault(row.day, row.day.isoformat())
        item = {"id": row.id, "day": day, "amount": texts.get(amount) or texts.setdefault(amount, str(amount))}
        if row.billed_invoice_id is not None:
            difference = amount - row.billed_amount
            if difference:
                activity = activities[activity_id]
                draft.add(("regul", row.id), _Line(
                    children[child_id], activity, LineKind.REGULARISATION,
                    f"Régularisation {activity.name} du {row.day:%d/%m/%Y}", difference,
                ), Decimal(1), {**item, "amount": str(difference), "billed": str(amount)})
            else:
                unchanged.append(row.id)
            continue
        key = ("day", child_id, activity_id, label, unit)
        line = draft.lines.get(key) or draft.lines.setdefault(
            key, _Line(children[child_id], activities[activity_id], LineKind.CONSUMPTION, label, unit))
        line.quantity += quantity
        line.items.append(item)
        if monthly_fee[activity_id] and period_start <= row.day:
            month = (child_id, activity_id, row.day.year * 12 + row.day.month)
            if month not in fee_months:
                fee_months.add(month)
                draft.add(("fee", child_id, activity_id), _Line(
                    children[child_id], activities[activity_id], LineKind.MONTHLY_FEE, "Forfait mensuel",
                    monthly_fee[activity_id]), Decimal(1))
    for row in db.session.execute(
        sa.select(ImportedConsumption.id, ImportedConsumption.child_id, ImportedConsumption.start_date,
                  ImportedConsumption.end_date, ImportedConsumption.meals, ImportedConsumption.unit_price,
                  ConsumptionImport.activity_id)
        .join(ConsumptionImport).where(imported).order_by(ImportedConsumption.id)
    ):
        family_id = family_of[row.child_id]
        draft = drafts_by_family.get(family_id) or drafts_by_family.setdefault(family_id, _Draft(families[family_id]))
        activity = activities[row.activity_id]
        unit = row.unit_price
        if unit is None:  # the file leaves the price to the tariff
            criteria = Criteria(row.start_date, payers[family_id].quotient_on(row.start_date),
                                payers[family_id].category, ranks.get(row.child_id, 1))
            try:
                unit = price(select(terms[activity.id], criteria, activity=activity.name, child=names[row.child_id]),
                             criteria).unit_price
            except PricingError as error:
                draft.errors.setdefault((row.child_id, activity.id), [error.message, 0])[1] += 1
                continue
        quantity = Decimal(row.meals)
        label = "Repas au self" if quantity > 0 else "Correction des repas au self (avoir)"
        key = ("self", row.child_id, activity.id, label, unit)
        line = draft.lines.get(key) or draft.lines.setdefault(
            key, _Line(children[row.child_id], activity, LineKind.CONSUMPTION, label, unit))
        line.quantity += quantity
        line.items.append({"consumption": row.id, "day": row.start_date.isoformat(),
                           "amount": str((unit * quantity).quantize(Decimal("0.01")))})
    for listed in db.among(Attendance.id, unchanged):  # edited without changing the price: nothing to regularise
        db.session.execute(sa.update(Attendance).where(listed)
                           .values(changed_since_billing=False).execution_options(synchronize_session=False))

    _reductions_and_fees(batch, activities, drafts_by_family, ranks, children)

    # Core inserts in three statements whatever the size: the ORM would send one INSERT per row here.
    drafts = [row for row in (_invoice_row(batch, draft) for draft in drafts_by_family.values()) if row]
    if drafts:
        db.session.execute(sa.insert(Invoice), [invoice for invoice, _ in drafts])
        ids = dict(db.session.execute(
            sa.select(Invoice.family_id, Invoice.id).where(Invoice.batch_id == batch.id)).all())
        db.session.execute(sa.insert(InvoiceLine), [
            {**line, "invoice_id": ids[invoice["family_id"]]} for invoice, lines in drafts for line in lines])
    db.session.expire(batch, ["invoices"])
    return list(db.session.scalars(sa.select(Invoice).where(Invoice.batch_id == batch.id).order_by(Invoice.id)))


def _overlapping(model: Any, period: Any) -> Any:
    return sa.and_(model.valid_from <= period.end_date,
                   sa.or_(model.valid_to.is_(None), model.valid_to >= period.start_date))


def _reductions_and_fees(batch: Batch, activities: dict[int, Activity], drafts: dict[int, _Draft],
                         ranks: dict[int, int], children: dict[int, Child]) -> None:
    """Sibling and exceptional reductions on each child's consumptions, then the family fees; three queries."""
    period = batch.period
    discounts: dict[int, list[Discount]] = defaultdict(list)
    for discount in db.session.scalars(sa.select(Discount).where(
            Discount.activity_id.in_(activities), _overlapping(Discount, period)).order_by(Discount.id)):
        discounts[discount.activity_id].append(discount)
    personal: dict[int, list[ChildDiscount]] = defaultdict(list)
    for listed in db.among(ChildDiscount.child_id, list(children)):
        for discount in db.session.scalars(sa.select(ChildDiscount).where(
                listed, _overlapping(ChildDiscount, period)).order_by(ChildDiscount.id)):
            personal[discount.child_id].append(discount)
    fees = db.session.scalars(sa.select(FamilyFee).where(
        FamilyFee.regie_id == batch.regie_id, _overlapping(FamilyFee, period)).order_by(FamilyFee.id)).all()
    yearly = [fee.label for fee in fees if fee.once_per_year]
    already = set(db.session.execute(  # (family, fee label) already on a numbered invoice of the year
        sa.select(Invoice.family_id, InvoiceLine.label).join(InvoiceLine).where(
            Invoice.regie_id == batch.regie_id, Invoice.fiscal_year == period.fiscal_year,
            Invoice.status == InvoiceStatus.NUMBERED, InvoiceLine.kind == LineKind.FAMILY_FEE,
            InvoiceLine.label.in_(yearly))).all()) if yearly else set()
    for draft in drafts.values():
        bases: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [ZERO, Decimal(0)])
        for line in list(draft.lines.values()):
            if line.kind is LineKind.CONSUMPTION and line.child and line.quantity > 0:
                base = bases[(line.child.id, line.activity.id)]
                base[0] += line.amount
                base[1] += line.quantity
        billed_children = defaultdict(set)
        for child_id, activity_id in bases:
            billed_children[activity_id].add(child_id)
        for (child_id, activity_id), (amount, units) in bases.items():
            left = amount  # reductions never take a child's consumption below zero
            applicable = [d for d in discounts[activity_id] if (
                ranks.get(child_id, 1) >= d.threshold if d.basis is DiscountBasis.RANK
                else len(billed_children[activity_id]) >= d.threshold)]
            reductions = [(d.label, amount * d.percent / 100 if d.percent else units * d.amount_per_unit)
                          for d in applicable]
            reductions += [(f"Réduction : {d.reason}", amount * d.percent / 100) for d in personal[child_id]
                           if d.activity_id in (None, activity_id)]
            for label, value in reductions:
                value = min(value.quantize(CENT, rounding=ROUND_HALF_UP), left)
                if value > 0:
                    left -= value
                    draft.lines[("reduction", child_id, activity_id, label)] = _Line(
                        children[child_id], activities[activity_id], LineKind.DISCOUNT, label, -value, Decimal(1))
        if draft.lines:
            for fee in fees:
                if fee.once_per_year and (draft.family.id, fee.label) in already:
                    continue
                draft.lines[("fee", fee.id)] = _Line(None, None, LineKind.FAMILY_FEE, fee.label, fee.amount,
                                                      Decimal(1), accounting_code=fee.accounting_code)


def _invoice_row(batch: Batch, draft: _Draft) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    lines = [
        {"child_id": line.child.id if line.child else None, "activity_id": line.activity.id if line.activity else None,
         "kind": line.kind, "label": line.label,
         "accounting_code": line.accounting_code or line.activity.accounting_code, "unit_price": line.unit_price,
         "quantity": line.quantity, "amount": line.amount, "items": line.items}
        for line in draft.lines.values()
    ]
    if not draft.errors and not lines:
        return None
    total = sum((line["amount"] for line in lines), ZERO)
    period = batch.period
    return {
        "batch_id": batch.id, "regie_id": batch.regie_id, "family_id": draft.family.id,
        "fiscal_year": period.fiscal_year, "kind": InvoiceKind.CREDIT_NOTE if total < 0 else InvoiceKind.INVOICE,
        "status": InvoiceStatus.HELD if draft.errors else InvoiceStatus.DRAFT,
        "hold_reason": "\n".join(message if count == 1 else f"{message} (et {count - 1} autre(s) jour(s))"
                                 for message, count in draft.errors.values()),
        "issued_on": period.invoice_date, "due_on": period.due_date, "total": total, "payment_reference": "",
    }, lines
