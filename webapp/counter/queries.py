"""What the counter's screens and documents read: invoices to pay, accounts, statements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.counter.amounts import ZERO
from webapp.counter.settlement import credit, open_invoices, owing, rolled, stamp
from webapp.counter.models import Account, AccountEntry, Allocation, Payment, WriteOff
from webapp.families.models import Family
from webapp.families.services import exact_number_first, matching
from webapp.formatting import today
from webapp.invoicing.models import Invoice

SEARCH_LIMIT = 30


@dataclass(frozen=True)
class ToPay:
    """A row of the counter's search: an open invoice, or a family with nothing open (invoice None)."""

    family: Family
    regie_id: int
    invoice: Invoice | None
    balance: Decimal

    @property
    def previous_balance(self) -> Decimal:
        """What the family owed the régie apart from this invoice."""
        return self.balance - (self.invoice.outstanding if self.invoice else ZERO)


def search_to_pay(organisation_id: int, regie_ids: Iterable[int], query: str) -> list[ToPay]:
    """The open invoices of the families matching the query (names, family number, invoice number), in
    the régies the agent works for; a matching family with nothing to pay shows once per régie, to take an
    advance."""
    if not query.strip():
        return []
    regie_ids = list(regie_ids)
    families = db.session.scalars(
        sa.select(Family).where(Family.organisation_id == organisation_id, Family.archived_at.is_(None),
                                matching(query))
        .order_by(exact_number_first(query), Family.label, Family.number).limit(SEARCH_LIMIT)).all()
    if not families:
        return []
    ids = [f.id for f in families]
    invoices = db.session.scalars(
        sa.select(Invoice).where(Invoice.family_id.in_(ids), Invoice.regie_id.in_(regie_ids), owing())
        .order_by(Invoice.issued_on, Invoice.id)).all()
    balances = {(a.family_id, a.regie_id): a.balance for a in db.session.scalars(
        sa.select(Account).where(Account.family_id.in_(ids), Account.regie_id.in_(regie_ids)))}
    rows = []
    for family in families:
        mine = [i for i in invoices if i.family_id == family.id]
        rows += [ToPay(family, i.regie_id, i, balances.get((family.id, i.regie_id), ZERO)) for i in mine]
        if not mine:  # nothing due: a row per régie, to take an advance there
            rows += [ToPay(family, regie_id, None, balances.get((family.id, regie_id), ZERO)) for regie_id in regie_ids]
    return rows


@dataclass(frozen=True)
class AccountView:
    account: Account | None
    regie_id: int
    open: list[Invoice]
    credit: Decimal
    # Open invoices whose lot went out in a roll (id → the roll): the Trésor public collects them.
    on_rolls: dict[int, str] = field(default_factory=dict)

    @property
    def invoices(self) -> list[Invoice]:
        """What a payment at the régie settles."""
        return [i for i in self.open if i.id not in self.on_rolls]

    @property
    def rolled(self) -> dict[Invoice, str]:
        return {i: self.on_rolls[i.id] for i in self.open if i.id in self.on_rolls}

    @property
    def balance(self) -> Decimal:
        return self.account.balance if self.account else ZERO

    @property
    def due(self) -> Decimal:
        return sum((i.outstanding for i in self.invoices), ZERO)

    @property
    def stamp(self) -> str:
        return stamp(self.open, self.balance)

    @property
    def payable(self) -> Decimal:
        """What settles the account at the régie: its invoices, or more when it owes without an invoice behind
        it."""
        return max(self.due, self.balance - sum((i.outstanding for i in self.rolled), ZERO))


def account_view(regie_id: int, family_id: int) -> AccountView:
    """The family's account at a régie as the payment form shows it (read only, no lock)."""
    account = db.session.scalar(sa.select(Account).where(Account.regie_id == regie_id, Account.family_id == family_id))
    if account is None:
        return AccountView(None, regie_id, [], ZERO)
    invoices = open_invoices(account, lock=False)
    return AccountView(account, regie_id, invoices, credit(account, invoices), rolled([i.id for i in invoices]))


def family_accounts(family_id: int, regie_ids: Iterable[int]) -> list[Account]:
    return list(db.session.scalars(
        sa.select(Account).where(Account.family_id == family_id, Account.regie_id.in_(list(regie_ids)))
        .options(selectinload(Account.regie)).order_by(Account.regie_id)))


@dataclass(frozen=True)
class StatementLine:
    entry: AccountEntry
    running: Decimal


@dataclass(frozen=True)
class Statement:
    account: Account
    lines: list[StatementLine]
    open: list[Invoice]
    credit: Decimal
    printed_on: date

    @property
    def debits(self) -> Decimal:
        return sum((line.entry.amount for line in self.lines if line.entry.amount > 0), ZERO)

    @property
    def credits(self) -> Decimal:
        return -sum((line.entry.amount for line in self.lines if line.entry.amount < 0), ZERO)


def statement(account: Account) -> Statement:
    """Every entry of the account in date order with the running balance, which ends on the balance."""
    entries = db.session.scalars(sa.select(AccountEntry).where(AccountEntry.account_id == account.id)
                                 .order_by(AccountEntry.booked_on, AccountEntry.id)).all()
    running, lines = ZERO, []
    for entry in entries:
        running += entry.amount
        lines.append(StatementLine(entry, running))
    invoices = open_invoices(account, lock=False)
    return Statement(account, lines, invoices, credit(account, invoices), today())


def payments_of(family_id: int, regie_ids: Iterable[int]) -> list[Payment]:
    return list(db.session.scalars(
        sa.select(Payment).where(Payment.family_id == family_id, Payment.regie_id.in_(list(regie_ids)))
        .options(selectinload(Payment.cancellation), selectinload(Payment.allocations).selectinload(Allocation.invoice),
                 selectinload(Payment.regie))
        .order_by(Payment.received_on.desc(), Payment.id.desc())))


def invoice_settlement(invoice: Invoice) -> tuple[list[Allocation], list[WriteOff]]:
    """What settled an invoice, for its page: its allocations (payments, credit, reversals) and write-offs."""
    allocations = db.session.scalars(sa.select(Allocation).where(Allocation.invoice_id == invoice.id)
                                     .options(selectinload(Allocation.payment)).order_by(Allocation.id)).all()
    write_offs = db.session.scalars(sa.select(WriteOff).where(WriteOff.invoice_id == invoice.id)
                                    .order_by(WriteOff.id)).all()
    return list(allocations), list(write_offs)
