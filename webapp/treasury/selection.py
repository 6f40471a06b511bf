"""Which debts a « mise en titre » hands to the treasury, recomputed from the books each time it is asked: the
invoices billed up to the reference date and still unpaid past the régie's delay after their due date, grouped by
family (one title per family), the families the agent unticked and those under the regulatory floor set apart.
A run may also take only the invoices past the last reminder level (reminded at it, its pay-by day gone).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp.debits.queries import on_a_run
from webapp import db
from webapp.counter.amounts import CENT, ZERO
from webapp.counter.settlement import owing
from webapp.families.models import Family
from webapp.formatting import money, today
from webapp.invoicing.models import Batch, BillingPeriod, Invoice, InvoiceLine
from webapp.plans.queries import planned
from webapp.reminders.queries import past_last_level
from webapp.treasury.queries import rolled_lots
from webapp.treasury.models import TitleRun


@dataclass
class FamilyDebts:
    """What one family owes on the selected invoices; `title_number` is set when it goes to the treasury."""

    family: Family
    invoices: list[Invoice]
    excluded: bool = False
    reason: str = ""
    title_number: int | None = None

    @property
    def total(self) -> Decimal:
        return sum((invoice.outstanding for invoice in self.invoices), ZERO)

    @property
    def titled(self) -> bool:
        return self.title_number is not None


@dataclass
class Selection:
    run: TitleRun
    families: list[FamilyDebts] = field(default_factory=list)

    @property
    def titles(self) -> list[FamilyDebts]:
        return [debts for debts in self.families if debts.titled]

    @property
    def kept(self) -> list[FamilyDebts]:
        """The families that stay at the régie, each with its reason."""
        return [debts for debts in self.families if not debts.titled]

    @property
    def count(self) -> int:
        return len(self.titles)

    @property
    def total(self) -> Decimal:
        return sum((debts.total for debts in self.titles), ZERO)


def due_before(run: TitleRun) -> sa.ColumnElement[bool]:
    """Invoices of periods ended by the reference date whose due date is the régie's delay behind (none that a
    payment plan in force collects; and, if the run asks, past the last reminder level today)."""
    day = today()
    last_due = day - timedelta(days=run.regie.titles_after_days)
    return sa.and_(Invoice.regie_id == run.regie_id, owing(), Invoice.due_on <= last_due, ~on_a_run(Invoice.id),
                   ~Invoice.batch_id.in_(rolled_lots()), ~planned(Invoice.id),
                   Invoice.batch_id.in_(sa.select(Batch.id).join(BillingPeriod)
                                        .where(BillingPeriod.end_date <= run.reference_date)),
                   past_last_level(Invoice.id, day) if run.after_last_reminder else sa.true())


def select(run: TitleRun, *, lock: bool = False) -> Selection:
    """The run's selection as the books say now; `lock` locks the invoices (the caller holds their accounts)."""
    stmt = (sa.select(Invoice).where(due_before(run)).order_by(Invoice.family_id, Invoice.issued_on, Invoice.id)
            .options(selectinload(Invoice.lines), selectinload(Invoice.family).selectinload(Family.guardians)))
    if lock:
        stmt = stmt.with_for_update(of=Invoice).execution_options(populate_existing=True)
    by_family: dict[int, list[Invoice]] = defaultdict(list)
    for invoice in db.session.scalars(stmt):
        by_family[invoice.family_id].append(invoice)
    excluded = set(run.excluded or ())
    families = sorted((FamilyDebts(invoices[0].family, invoices) for invoices in by_family.values()),
                      key=lambda debts: (debts.family.label.casefold(), debts.family.id))
    number = run.first_title_number
    for debts in families:
        if debts.family.id in excluded:
            debts.excluded, debts.reason = True, "Décochée : reste à la régie"
        elif debts.total < run.minimum_amount:
            debts.reason = (f"Sous le seuil de {money(run.minimum_amount)} ({money(debts.total)}) : "
                            "reste à la régie")
        else:
            debts.title_number = number
            number += 1
    return Selection(run, families)


def imputation(invoice: Invoice, amount: Decimal, key: Callable[[InvoiceLine], str] | None = None) -> dict[str, Decimal]:
    """What of `amount` (what the invoice still owes) falls on each accounting code (or each `key` of its lines): the
    lines' share, to the cent, the rounding on the largest. Lines that reduce the invoice reduce their own key."""
    key = key or (lambda line: line.accounting_code or "?")
    parts: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in invoice.lines:
        parts[key(line)] += line.amount
    positive = {name: value for name, value in parts.items() if value > 0}
    base = sum(positive.values(), ZERO)
    if not base:
        return {"?": amount}
    shares = {name: (amount * value / base).quantize(CENT) for name, value in positive.items()}
    largest = max(shares, key=lambda name: (shares[name], name))
    shares[largest] += amount - sum(shares.values(), ZERO)
    return {name: share for name, share in sorted(shares.items()) if share > 0}
