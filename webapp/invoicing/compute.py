"""Computing a batch: attendances in, one draft invoice per family out.

A fixed number of queries whatever the number of families: everything is loaded in a handful of
set-based selects, priced in memory, and written back in bulk. The steps, in order: load, price the
attendances, price the imported consumptions, reductions and fees, write.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from webapp import db
from webapp.attendance.calendar import closed_days
from webapp.attendance.checks import sibling_ranks
from webapp.attendance.models import Attendance, Presence
from webapp.families.models import Child, Family, quotient_on
from webapp.imports.models import ConsumptionImport, ImportedConsumption
from webapp.invoicing.models import (
    Batch, BillingPeriod, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, LineItem, LineKind,
)
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
    items: list[LineItem] = field(default_factory=list)
    accounting_code: str = ""
    manual: bool = False

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(CENT, rounding=ROUND_HALF_UP)

    def add(self, quantity: Decimal, item: LineItem | None = None) -> None:
        self.quantity += quantity
        if item is not None:
            self.items.append(item)


@dataclass
class _Draft:
    family_id: int
    lines: dict[tuple, _Line] = field(default_factory=dict)
    # One message per child and activity, with how many more days failed the same way.
    errors: dict[tuple[int, int], list] = field(default_factory=dict)

    def line(self, key: tuple, child: Child | None, activity: Activity | None, kind: LineKind, label: str,
             unit_price: Decimal) -> _Line:
        """The line under that key, opened by its first use."""
        line = self.lines.get(key)
        if line is None:
            line = self.lines[key] = _Line(child, activity, kind, label, unit_price)
        return line

    def hold(self, child_id: int, activity_id: int, message: str) -> None:
        self.errors.setdefault((child_id, activity_id), [message, 0])[1] += 1


class _Drafts(dict[int, _Draft]):
    """One draft per family, opened by the family's first consumption."""

    def __missing__(self, family_id: int) -> _Draft:
        draft = self[family_id] = _Draft(family_id)
        return draft


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
        return quotient_on(self.quotient, self.valid_from, self.valid_to, day)


@dataclass
class _Inputs:
    """Everything a compute reads, loaded before anything is priced."""

    period: BillingPeriod
    activities: dict[int, Activity]
    terms: dict[int, list[Terms]]
    # Plain rows, not ORM objects: a large commune has hundreds of thousands of attendances.
    attendances: list[Any]
    consumptions: list[Any]
    payers: dict[int, _Payer]
    children: dict[int, Child]
    family_of: dict[int, int]
    # Each family's current children, and their rank among them.
    siblings: dict[int, list[Child]]
    ranks: dict[int, int]


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

    def __call__(self, activity_id: int, day: date, quantity: str, minutes: int | None, payer: _Payer, rank: int,
                 child: Child) -> Priced:
        """One billable attendance priced by the one tariff that applies to it."""
        quotient = payer.quotient_on(day)
        key = (activity_id, quotient, payer.category, rank)
        fitting, tariff = self.fitting.get(key) or self.fitting.setdefault(key, self._fitting(key))
        if tariff is None:
            found = [t for t in fitting if covers(t, day)]
            if len(found) != 1:  # none or a conflict: let select() say which, in its words
                select(found, Criteria(day, quotient, payer.category, rank),
                       activity=self.activities[activity_id].name, child=str(child))
            tariff = found[0]
        price_key = (tariff.id, quantity, minutes, quotient if tariff.mode is PricingMode.EFFORT else None)
        priced = self.prices.get(price_key)
        if priced is None:
            priced = self.prices[price_key] = price(tariff, Criteria(day, quotient, payer.category, rank),
                                                    quantity=Decimal(str(quantity)), minutes=minutes)
        return priced


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
    inputs = _load(batch)
    drafts = _Drafts()
    unchanged = _price_attendances(inputs, drafts)
    _price_consumptions(inputs, drafts)
    _reductions_and_fees(batch, inputs, drafts)
    return _write(batch, drafts, unchanged)


def _load(batch: Batch) -> _Inputs:
    """The batch's attendances and imported consumptions, its tariffs, and the families and children they
    concern: one select each, whatever the size."""
    period = batch.period
    activities = {a.id: a for a in batch_activities(batch)}
    in_window = _in_window(batch, list(activities))
    imported = sa.and_(ConsumptionImport.period_id == period.id, ConsumptionImport.activity_id.in_(activities),
                       ConsumptionImport.undone_at.is_(None), ImportedConsumption.billed_invoice_id.is_(None))
    family_ids = sa.union(
        sa.select(Child.family_id).join(Attendance).where(in_window),
        sa.select(Child.family_id).join(ImportedConsumption).join(ConsumptionImport).where(imported),
    ).scalar_subquery()
    payers = {f.id: _Payer.of(f) for f in db.session.scalars(sa.select(Family).where(Family.id.in_(family_ids)))}
    children = {c.id: c for c in db.session.scalars(sa.select(Child).where(Child.family_id.in_(family_ids)))}
    siblings: dict[int, list[Child]] = defaultdict(list)
    for child in children.values():
        if child.archived_at is None:
            siblings[child.family_id].append(child)
    return _Inputs(
        period=period, activities=activities, terms=_terms(activities),
        attendances=_attendance_rows(period, in_window), consumptions=_consumption_rows(imported),
        payers=payers, children=children, family_of={child.id: child.family_id for child in children.values()},
        siblings=siblings, ranks={child_id: rank for kids in siblings.values() for child_id, rank in sibling_ranks(kids).items()},
    )


def _terms(activities: dict[int, Activity]) -> dict[int, list[Terms]]:
    terms: dict[int, list[Terms]] = defaultdict(list)
    for tariff in db.session.scalars(sa.select(Tariff).where(Tariff.activity_id.in_(activities))):
        terms[tariff.activity_id].append(Terms.of(tariff))
    return terms


def _attendance_rows(period: BillingPeriod, in_window: Any) -> list[Any]:
    """Ordered by day: the first is the earliest. _price_attendances unpacks them in this column order."""
    return db.session.execute(
        # Presence and quantity come raw (text, number): converting 180,000 of each costs a tenth of the compute.
        sa.select(Attendance.id, Attendance.child_id, Attendance.activity_id, Attendance.day,
                  sa.type_coerce(Attendance.presence, sa.String).label("presence"),
                  sa.type_coerce(Attendance.quantity, sa.String).label("quantity"), Attendance.arrival,
                  Attendance.departure, Attendance.billed_invoice_id, Attendance.billed_amount)
        .join(Child, Attendance.child_id == Child.id)
        .join(Family, Child.family_id == Family.id)
        .where(in_window, Family.organisation_id == period.organisation_id)
        .order_by(Attendance.day, Attendance.id)
    ).all()


def _consumption_rows(imported: Any) -> list[Any]:
    return db.session.execute(
        sa.select(ImportedConsumption.id, ImportedConsumption.child_id, ImportedConsumption.start_date,
                  ImportedConsumption.end_date, ImportedConsumption.meals, ImportedConsumption.unit_price,
                  ConsumptionImport.activity_id)
        .join(ConsumptionImport).where(imported).order_by(ImportedConsumption.id)
    ).all()


def _price_attendances(inputs: _Inputs, drafts: _Drafts) -> list[int]:
    """Each attendance onto its family's draft: a consumption line per child, activity, label and unit price,
    plus the activity's monthly fee; for an attendance already billed, the difference as a regularisation.

    Returns the billed attendances edited since without a change of price: nothing to regularise, the write
    step only clears their flag."""
    activities, children, payers, family_of = inputs.activities, inputs.children, inputs.payers, inputs.family_of
    # An archived child is ranked after its current siblings.
    ranks = {child_id: inputs.ranks.get(child_id, len(inputs.siblings[family_id]) + 1)
             for child_id, family_id in family_of.items()}
    first = inputs.attendances[0].day if inputs.attendances else inputs.period.start_date
    pricer = _Pricer(activities, inputs.terms, first, inputs.period.end_date)
    unjustified_billed = {a.id: a.bill_unjustified_absence for a in activities.values()}
    monthly_fees = _MonthlyFees(inputs)
    last = inputs.attendances[-1].day if inputs.attendances else inputs.period.end_date
    closed = {activity_id: closed_days(activity, first, last) for activity_id, activity in activities.items()}
    unchanged: list[int] = []
    # Unpacked once: reading a row's column by name costs a quarter of a microsecond, 180,000 times over.
    for (attendance_id, child_id, activity_id, day, presence, quantity, arrival, departure, billed_invoice_id,
         billed_amount) in inputs.attendances:
        family_id = family_of[child_id]
        draft = drafts[family_id]
        if presence == Presence.JUSTIFIED or (presence == Presence.UNJUSTIFIED and not unjustified_billed[activity_id]):
            amount = ZERO  # not billed; a justified absence stays unbilled, so a later change is still billed
            if billed_invoice_id is None:
                continue
        else:
            if reason := closed[activity_id].get(day):
                draft.hold(child_id, activity_id, f"{activities[activity_id].name} : pointage le {day:%d/%m/%Y}, "
                                                  f"jour fermé ({reason}).")
                continue
            try:
                priced = pricer(activity_id, day, quantity, _minutes(arrival, departure), payers[family_id],
                                ranks[child_id], children[child_id])
            except PricingError as error:
                draft.hold(child_id, activity_id, error.message)
                continue
            amount = priced.amount
        child, activity = children[child_id], activities[activity_id]
        if billed_invoice_id is not None:
            difference = amount - billed_amount
            if difference:
                _regularise(draft, child, activity, LineItem(day, difference, attendance_id=attendance_id, billed=amount))
            else:
                unchanged.append(attendance_id)
            continue
        label = priced.label if presence == Presence.PRESENT else f"{priced.label} (absence non justifiée)"
        draft.line(("day", child_id, activity_id, label, priced.unit_price), child, activity, LineKind.CONSUMPTION,
                   label, priced.unit_price).add(priced.quantity, LineItem(day, amount, attendance_id=attendance_id))
        monthly_fees.add(draft, child_id, activity_id, day)
    return unchanged


def _regularise(draft: _Draft, child: Child, activity: Activity, item: LineItem) -> None:
    """Bill the difference between what a billed attendance now costs and what it was billed."""
    draft.line(("regul", item.attendance_id), child, activity, LineKind.REGULARISATION,
               f"Régularisation {activity.name} du {item.day:%d/%m/%Y}", item.amount).add(Decimal(1), item)


class _MonthlyFees:
    """An activity's flat monthly fee: once per child and month of the period with a consumption."""

    def __init__(self, inputs: _Inputs) -> None:
        self.inputs, self.start = inputs, inputs.period.start_date
        self.fees = {a.id: a.monthly_fee for a in inputs.activities.values()}
        self.billed: set[tuple[int, int, int]] = set()

    def add(self, draft: _Draft, child_id: int, activity_id: int, day: date) -> None:
        fee = self.fees[activity_id]
        if not fee or day < self.start:
            return
        month = (child_id, activity_id, day.year * 12 + day.month)
        if month not in self.billed:
            self.billed.add(month)
            draft.line(("fee", child_id, activity_id), self.inputs.children[child_id],
                       self.inputs.activities[activity_id], LineKind.MONTHLY_FEE, "Forfait mensuel", fee,
                       ).add(Decimal(1))


def _price_consumptions(inputs: _Inputs, drafts: _Drafts) -> None:
    """Each row of the period's imported canteen files, at the file's price or else the tariff's; negative meals
    are a correction, billed as a credit line."""
    for row in inputs.consumptions:
        draft = drafts[inputs.family_of[row.child_id]]
        child, activity = inputs.children[row.child_id], inputs.activities[row.activity_id]
        unit = row.unit_price
        if unit is None:  # the file leaves the price to the tariff
            try:
                unit = _tariff_price(inputs, row.start_date, child, activity)
            except PricingError as error:
                draft.hold(child.id, activity.id, error.message)
                continue
        quantity = Decimal(row.meals)
        label = "Repas au self" if quantity > 0 else "Correction des repas au self (avoir)"
        draft.line(("self", child.id, activity.id, label, unit), child, activity, LineKind.CONSUMPTION, label,
                   unit).add(quantity, LineItem(row.start_date, (unit * quantity).quantize(CENT), consumption_id=row.id))


def _tariff_price(inputs: _Inputs, day: date, child: Child, activity: Activity) -> Decimal:
    payer = inputs.payers[child.family_id]
    criteria = Criteria(day, payer.quotient_on(day), payer.category, inputs.ranks.get(child.id, 1))
    return price(select(inputs.terms[activity.id], criteria, activity=activity.name, child=str(child)),
                 criteria).unit_price


def _overlapping(model: Any, period: Any) -> Any:
    return sa.and_(model.valid_from <= period.end_date,
                   sa.or_(model.valid_to.is_(None), model.valid_to >= period.start_date))


def _reductions_and_fees(batch: Batch, inputs: _Inputs, drafts: _Drafts) -> None:
    """Sibling and exceptional reductions on each child's consumptions, then the family fees; three queries."""
    period = batch.period
    discounts: dict[int, list[Discount]] = defaultdict(list)
    for discount in db.session.scalars(sa.select(Discount).where(
            Discount.activity_id.in_(inputs.activities), _overlapping(Discount, period)).order_by(Discount.id)):
        discounts[discount.activity_id].append(discount)
    personal: dict[int, list[ChildDiscount]] = defaultdict(list)
    for listed in db.among(ChildDiscount.child_id, list(inputs.children)):
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
        _reduce(draft, discounts, personal, inputs)
        if draft.lines:
            for fee in fees:
                if fee.once_per_year and (draft.family_id, fee.label) in already:
                    continue
                draft.lines[("fee", fee.id)] = _Line(None, None, LineKind.FAMILY_FEE, fee.label, fee.amount,
                                                     Decimal(1), accounting_code=fee.accounting_code)


def _reduce(draft: _Draft, discounts: dict[int, list[Discount]], personal: dict[int, list[ChildDiscount]],
            inputs: _Inputs) -> None:
    """The reductions of each child's consumptions of an activity, never below zero."""
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
        left = amount
        applicable = [d for d in discounts[activity_id] if (
            inputs.ranks.get(child_id, 1) >= d.threshold if d.basis is DiscountBasis.RANK
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
                    inputs.children[child_id], inputs.activities[activity_id], LineKind.DISCOUNT, label, -value,
                    Decimal(1))


def _write(batch: Batch, drafts: _Drafts, unchanged: list[int]) -> list[Invoice]:
    """Replace the batch's drafts with the new ones, keeping the lines agents added by hand, and clear the flag
    of the billed attendances edited without a change of price. Core statements, a fixed number whatever the
    size: the ORM would send one INSERT per row here."""
    for family_id, line in _manual_lines(batch):
        drafts[family_id].lines[("manual", line.id)] = _Line(
            line.child, line.activity, line.kind, line.label, line.unit_price, line.quantity,
            accounting_code=line.accounting_code, manual=True)
    delete_drafts(batch)
    _clear_changed_since_billing(unchanged)
    rows = [row for row in (_invoice_row(batch, draft) for draft in drafts.values()) if row]
    if batch.threshold is not None:
        rows = [(invoice, lines) for invoice, lines in rows if not under_threshold(batch, invoice, lines)]
    if rows:
        db.session.execute(sa.insert(Invoice), [invoice for invoice, _ in rows])
        ids = dict(db.session.execute(
            sa.select(Invoice.family_id, Invoice.id).where(Invoice.batch_id == batch.id)).all())
        db.session.execute(sa.insert(InvoiceLine), [
            {**line, "invoice_id": ids[invoice["family_id"]]} for invoice, lines in rows for line in lines])
    db.session.expire(batch, ["invoices"])
    return list(db.session.scalars(sa.select(Invoice).where(Invoice.batch_id == batch.id).order_by(Invoice.id)))


def _manual_lines(batch: Batch) -> list[tuple[int, InvoiceLine]]:
    return [(family_id, line) for family_id, line in db.session.execute(
        sa.select(Invoice.family_id, InvoiceLine).join(InvoiceLine.invoice)
        .where(Invoice.batch_id == batch.id, InvoiceLine.manual.is_(True)).order_by(InvoiceLine.id)).all()]


def under_threshold(batch: Batch, invoice: dict[str, Any], lines: list[dict[str, Any]]) -> bool:
    """« Suppression par seuil »: a small invoice (not a credit note, nothing held, no line added by hand) is
    left out of the lot; what it would bill stays to bill."""
    return (batch.threshold is not None and invoice["status"] is InvoiceStatus.DRAFT
            and ZERO <= invoice["total"] < batch.threshold and not any(line["manual"] for line in lines))


def delete_drafts(batch: Batch) -> int:
    """Every invoice of a batch not yet numbered goes, its lines with it; returns how many."""
    drafted = sa.select(Invoice.id).where(Invoice.batch_id == batch.id).scalar_subquery()
    db.session.execute(sa.delete(InvoiceLine).where(InvoiceLine.invoice_id.in_(drafted)))
    count = db.session.execute(sa.delete(Invoice).where(Invoice.batch_id == batch.id)).rowcount
    db.session.expire(batch, ["invoices"])
    return count


def _clear_changed_since_billing(attendance_ids: list[int]) -> None:
    """Billed attendances edited back to the same price: nothing to regularise, so no longer to look at."""
    for listed in db.among(Attendance.id, attendance_ids):
        db.session.execute(sa.update(Attendance).where(listed)
                           .values(changed_since_billing=False).execution_options(synchronize_session=False))


def _invoice_row(batch: Batch, draft: _Draft) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    lines = [
        {"child_id": line.child.id if line.child else None, "activity_id": line.activity.id if line.activity else None,
         "kind": line.kind, "label": line.label,
         "accounting_code": line.accounting_code or line.activity.accounting_code, "unit_price": line.unit_price,
         "quantity": line.quantity, "amount": line.amount, "items": [item.to_json() for item in line.items],
         "manual": line.manual}
        for line in draft.lines.values()
    ]
    if not draft.errors and not lines:
        return None
    total = sum((line["amount"] for line in lines), ZERO)
    period = batch.period
    return {
        "batch_id": batch.id, "regie_id": batch.regie_id, "family_id": draft.family_id,
        "fiscal_year": period.fiscal_year, "kind": InvoiceKind.CREDIT_NOTE if total < 0 else InvoiceKind.INVOICE,
        "status": InvoiceStatus.HELD if draft.errors else InvoiceStatus.DRAFT,
        "hold_reason": "\n".join(message if count == 1 else f"{message} (et {count - 1} autre(s) jour(s))"
                                 for message, count in draft.errors.values()),
        "issued_on": period.invoice_date, "due_on": period.due_date, "total": total, "payment_reference": "",
    }, lines
