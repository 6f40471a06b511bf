"""The régie's state: what was billed, paid, credited and written off, per school year and per activity. It
only reads; closing a school year is `closings.close_school_year`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.counter.amounts import CENT, ZERO
from webapp.counter.closings import last_closed_year
from webapp.counter.models import Account, AccountEntry, EntryKind
from webapp.counter.school_years import school_year_bounds, school_year_label
from webapp.counter.settlement import credit_of, due_by_account, on_account, payable
from webapp.invoicing.models import (
    Batch,
    BillingPeriod,
    Invoice,
    InvoiceLine,
)
from webapp.organisations.models import Regie
from webapp.tariffs.models import Activity


@dataclass
class YearTotals:
    school_year: int
    opening: Decimal = ZERO
    invoiced: Decimal = ZERO
    credit_notes: Decimal = ZERO
    received: Decimal = ZERO
    refunded: Decimal = ZERO
    cancelled: Decimal = ZERO
    written_off: Decimal = ZERO
    titled: Decimal = ZERO
    carried: Decimal = ZERO
    closed: bool = False

    @property
    def label(self) -> str:
        return school_year_label(self.school_year)

    @property
    def balance(self) -> Decimal:
        """What the year leaves owed (before it is carried forward)."""
        return (self.opening + self.invoiced + self.credit_notes - self.received + self.refunded + self.cancelled
                - self.written_off - self.titled)


@dataclass
class ActivityTotals:
    name: str
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    written_off: Decimal = ZERO
    titled: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return self.invoiced - self.paid - self.written_off - self.titled


@dataclass
class RegieState:
    regie: Regie
    years: list[YearTotals]
    activities: list[ActivityTotals] = field(default_factory=list)
    due: Decimal = ZERO
    credit: Decimal = ZERO


def year_totals(regie: Regie) -> list[YearTotals]:
    """One line per school year with entries, from the entries themselves; newest first."""
    # A carried balance is booked on the first day of the year it opens and on the last day of the year
    # it closes; its sign only says whether the family owed or had credit.
    carried_on = sa.case((AccountEntry.kind == EntryKind.CARRY_FORWARD, AccountEntry.booked_on))
    rows = db.session.execute(
        sa.select(AccountEntry.school_year, AccountEntry.kind, carried_on, sa.func.sum(AccountEntry.amount))
        .join(Account).where(Account.regie_id == regie.id)
        .group_by(AccountEntry.school_year, AccountEntry.kind, carried_on))
    last_closed = last_closed_year(regie.id)
    years: dict[int, YearTotals] = {}
    for year, kind, booked_on, total in rows:
        totals = years.setdefault(year, YearTotals(year, closed=last_closed is not None and year <= last_closed))
        total = Decimal(total)
        if kind is EntryKind.CARRY_FORWARD:
            if booked_on == school_year_bounds(year)[0]:
                totals.opening += total
            else:
                totals.carried -= total
        elif kind is EntryKind.INVOICE:
            totals.invoiced += total
        elif kind is EntryKind.CREDIT_NOTE:
            totals.credit_notes += total
        elif kind is EntryKind.PAYMENT:
            totals.received -= total
        elif kind is EntryKind.REFUND:
            totals.refunded += total
        elif kind is EntryKind.CANCELLATION:
            totals.cancelled += total
        elif kind is EntryKind.WRITE_OFF:
            totals.written_off -= total
        elif kind is EntryKind.TITLE:
            totals.titled -= total
    return sorted(years.values(), key=lambda t: t.school_year, reverse=True)


def activity_totals(regie: Regie, school_year: int) -> list[ActivityTotals]:
    """Invoiced per activity for the school year's periods; what was paid and written off on each invoice
    is spread over its activities in proportion to their amounts."""
    start, end = school_year_bounds(school_year)
    rows = db.session.execute(
        sa.select(Invoice.id, Invoice.total, Invoice.paid, Invoice.written_off, Invoice.titled, Activity.name,
                  sa.func.sum(InvoiceLine.amount))
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id).outerjoin(Activity, Activity.id == InvoiceLine.activity_id)
        .join(Batch, Batch.id == Invoice.batch_id).join(BillingPeriod)
        .where(Invoice.regie_id == regie.id, payable(), BillingPeriod.start_date >= start, BillingPeriod.start_date < end)
        .group_by(Invoice.id, Invoice.total, Invoice.paid, Invoice.written_off, Invoice.titled, Activity.name))
    raw: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    for _id, total, paid, written_off, titled, name, amount in rows:
        share = Decimal(amount) / total if total else ZERO
        sums = raw[name or "Frais et divers"]
        sums[0] += Decimal(amount)
        sums[1] += paid * share
        sums[2] += written_off * share
        sums[3] += titled * share
    return [ActivityTotals(name, *(amount.quantize(CENT) for amount in sums)) for name, sums in sorted(raw.items())]


def regie_state(regie: Regie, school_year: int) -> RegieState:
    """What the families still owe on invoices, and the credit they hold, account by account (`credit_of`): an
    account owing more than its invoices holds no credit and takes none from the others."""
    owed_by = due_by_account(Invoice.regie_id == regie.id)
    due = credit = ZERO
    accounts = (sa.select(Account.balance, sa.func.coalesce(owed_by.c.due, 0)).outerjoin(owed_by, on_account(owed_by))
                .where(Account.regie_id == regie.id))
    for balance, owed in db.session.execute(accounts):
        due += Decimal(owed)
        credit += credit_of(Decimal(owed), Decimal(balance))
    return RegieState(regie, year_totals(regie), activity_totals(regie, school_year), due, credit)
