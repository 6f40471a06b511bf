"""What settles an invoice, one way: allocations of a payment (oldest invoice first, or split by hand), the
family's credit, their reversal when a payment is cancelled, and write-offs. An invoice's `paid` and
`written_off` move here and nowhere else, always beside the allocation or write-off that explains them;
`ledger.check_books` recomputes both from those.

Credit is money the family has at the régie that settles no invoice yet: what its invoices still owe minus
the account's balance, when positive. It settles what is due before anything else, so an account never holds
both credit and an invoice left to pay.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.audit.services import record
from webapp.counter.amounts import HALF_CENT, ZERO, checked_amount
from webapp.counter.models import Account, Allocation
from webapp.errors import DomainError
from webapp.formatting import money
from webapp.invoicing.models import Invoice, InvoiceKind, InvoiceStatus, not_cancelled

Plan = list[tuple[Invoice, Decimal]]


def payable() -> sa.ColumnElement[bool]:
    """An invoice the counter settles: numbered, not a credit note, and not cancelled by one."""
    return sa.and_(Invoice.status == InvoiceStatus.NUMBERED, Invoice.kind == InvoiceKind.INVOICE, not_cancelled())


def owing() -> sa.ColumnElement[bool]:
    """A payable invoice with at least a cent left to pay."""
    return sa.and_(payable(), Invoice.total - Invoice.paid - Invoice.written_off - Invoice.titled > HALF_CENT)


def due_by_account(*where: sa.ColumnElement[bool]) -> sa.Subquery:
    """What is left to pay on each family's invoices at each régie (regie_id, family_id, due)."""
    return (sa.select(Invoice.regie_id, Invoice.family_id,
                      sa.func.sum(Invoice.total - Invoice.paid - Invoice.written_off - Invoice.titled).label("due"))
            .where(payable(), *where).group_by(Invoice.regie_id, Invoice.family_id).subquery())


def on_account(due: sa.Subquery) -> sa.ColumnElement[bool]:
    """Joins a `due_by_account` subquery to the accounts it speaks of."""
    return sa.and_(due.c.regie_id == Account.regie_id, due.c.family_id == Account.family_id)


def open_invoices(account: Account, *, lock: bool = True) -> list[Invoice]:
    """The account's payable invoices with something left to pay, oldest first; locked unless only shown."""
    stmt = (sa.select(Invoice).where(Invoice.regie_id == account.regie_id, Invoice.family_id == account.family_id,
                                     owing()).order_by(Invoice.issued_on, Invoice.sequence, Invoice.id))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return list(db.session.scalars(stmt))


def refuse_titled(*where: sa.ColumnElement[bool], field: str | None = None) -> None:
    """An invoice the treasury took over is paid to the Trésor public, never at the régie: say so, naming its title."""
    from webapp.treasury.models import TitledInvoice, TreasuryTitle  # the treasury builds on the counter

    found = db.session.execute(
        sa.select(Invoice.number, TreasuryTitle.number, TreasuryTitle.fiscal_year)
        .join(TitledInvoice, TitledInvoice.invoice_id == Invoice.id).join(TreasuryTitle)
        .where(*where).order_by(Invoice.issued_on, Invoice.id).limit(1)).first()
    if found is not None:
        invoice, title, year = found
        raise DomainError(
            f"La facture {invoice} a été mise en titre (titre de recettes n° {title}/{year}) : elle ne se paie plus "
            "à la régie mais au Trésor public, auprès du centre des finances publiques indiqué sur le titre.", field)


def rolled(invoice_ids: list[int]) -> dict[int, str]:
    """Invoice id → the live roll its lot went out in: the Trésor public collects it, the régie no longer."""
    from webapp.treasury.queries import invoices_on_rolls  # the treasury builds on the counter

    return invoices_on_rolls(invoice_ids)


def rolled_message(number: str | None, roll: str) -> str:
    return (f"La facture {number} est partie au Trésor public dans un rôle ({roll}) : elle se paie auprès de lui, "
            "plus à la régie.")


class MovedSince(DomainError):
    """The payment form was filled in on figures of the account that have moved since it was shown."""


def stamp(invoices: list[Invoice], balance: Decimal) -> str:
    """What a payment form shows of the account (its balance, each open invoice and what it owes): a form
    sent back with another stamp was filled in on figures that are no longer true."""
    shown = ";".join([f"{balance:.2f}", *(f"{invoice.id}:{invoice.outstanding:.2f}" for invoice in invoices)])
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


def credit_of(due: Decimal, balance: Decimal) -> Decimal:
    """The credit of an account that owes `due` on its invoices and has `balance`: an account owing more than its
    invoices (a refunded payment cancelled since) holds none."""
    return max(due - balance, ZERO)


def credit(account: Account, invoices: list[Invoice] | None = None) -> Decimal:
    due = sum((i.outstanding for i in (open_invoices(account) if invoices is None else invoices)), ZERO)
    return credit_of(due, account.balance)


def allocate(invoice: Invoice, amount: Decimal, payment_id: int | None = None,
             reverses_id: int | None = None) -> Allocation:
    """Settle (or, negative, re-open) part of an invoice: by a payment, or by credit when `payment_id` is None."""
    invoice.paid += amount
    allocation = Allocation(invoice=invoice, payment_id=payment_id, amount=amount, reverses_id=reverses_id)
    db.session.add(allocation)
    return allocation


def write_off(invoice: Invoice, amount: Decimal) -> None:
    """Give up part of what the invoice owes (its WriteOff row is the caller's, with the decision)."""
    if amount > invoice.outstanding:
        raise DomainError(f"La facture ne doit plus que {money(invoice.outstanding)}.", "amount")
    invoice.written_off += amount


def oldest_first(invoices: list[Invoice], amount: Decimal) -> Plan:
    """Split an amount across invoices in order, each taking at most what it still owes."""
    shares = []
    for invoice in invoices:
        if amount <= 0:
            break
        share = min(amount, invoice.outstanding)
        shares.append((invoice, share))
        amount -= share
    return shares


def following(invoices: list[Invoice], amount: Decimal, first: Sequence[int] = ()) -> Plan:
    """Oldest first, the invoices the agent chose (`first`: clicked in the search, or a reminder's) before the
    others."""
    rank = {invoice_id: n for n, invoice_id in enumerate(first)}
    return oldest_first(sorted(invoices, key=lambda invoice: rank.get(invoice.id, len(rank))), amount)


def plan(invoices: list[Invoice], amount: Decimal, shares: dict[int, Decimal] | None,
         first: Sequence[int] = ()) -> Plan:
    """How a payment settles the open `invoices`: `following` the amount, or as the agent split it in `shares`
    (invoice id → amount, each refused on its own line when it cannot be)."""
    if shares is None:
        return following(invoices, amount, first)
    by_id = {invoice.id: invoice for invoice in invoices}
    chosen = []
    for invoice_id, value in shares.items():
        if not value:
            continue
        invoice = by_id.get(invoice_id)
        field = f"share-{invoice_id}"
        if invoice is None:
            refuse_titled(Invoice.id == invoice_id, field=field)
            raise DomainError("Cette facture n'est plus à payer : rechargez la page.", field)
        share = checked_amount(value, field)
        if share > invoice.outstanding:
            raise DomainError(f"La facture {invoice.number} ne doit plus que {money(invoice.outstanding)}.", field)
        chosen.append((invoice, share))
    allocated = sum((share for _, share in chosen), ZERO)
    if allocated > amount:
        raise DomainError("La répartition dépasse le montant du règlement.", "amount")
    # Credit is what is left once nothing is due: a split by hand covers the whole payment while invoices wait.
    still_due = sum((invoice.outstanding for invoice in invoices), ZERO) - allocated
    if allocated < amount and still_due > 0:
        raise DomainError(
            f"La répartition ({money(allocated)}) n'atteint pas le règlement ({money(amount)}) alors que "
            f"{money(still_due)} restent dus : répartissez le reste, ou videz les lignes pour que le règlement "
            "suive le montant.", "amount")
    return chosen


def apply_credit(account: Account) -> list[Allocation]:
    """Settle the open invoices, oldest first, with whatever credit the family has; audited."""
    invoices = open_invoices(account)
    on_rolls = rolled([invoice.id for invoice in invoices])  # the Trésor public's to collect
    here = [invoice for invoice in invoices if invoice.id not in on_rolls]
    used = [allocate(invoice, share) for invoice, share in oldest_first(here, credit(account, invoices))]
    if used:
        record("apply_credit", "account", account,
               {"avoir utilisé": [None, ", ".join(f"{a.invoice.number} : {money(a.amount)}" for a in used)]},
               organisation_id=account.organisation_id)
    return used


def _live_allocations(stmt: sa.Select) -> list[tuple[Allocation, Decimal]]:
    """Allocations with what is left of each after earlier reversals, newest first."""
    reversed_by = dict(db.session.execute(
        sa.select(Allocation.reverses_id, sa.func.sum(Allocation.amount)).where(Allocation.reverses_id.is_not(None))
        .where(Allocation.reverses_id.in_(stmt.with_only_columns(Allocation.id))).group_by(Allocation.reverses_id)).all())
    live = []
    for allocation in db.session.scalars(stmt.where(Allocation.amount > 0).order_by(Allocation.id.desc())):
        left = allocation.amount + reversed_by.get(allocation.id, ZERO)
        if left > 0:
            live.append((allocation, left))
    return live


def _reverse(live: list[tuple[Allocation, Decimal]], limit: Decimal | None = None) -> None:
    for allocation, left in live:
        take = left if limit is None else min(left, limit)
        if take <= 0:
            break
        invoice = db.session.scalars(sa.select(Invoice).where(Invoice.id == allocation.invoice_id)
                                     .with_for_update().execution_options(populate_existing=True)).one()
        allocate(invoice, -take, allocation.payment_id, reverses_id=allocation.id)
        if limit is not None:
            limit -= take


def reverse_payment(payment_id: int) -> None:
    """Re-open what a cancelled payment settled: each of its allocations, by a negative one."""
    _reverse(_live_allocations(sa.select(Allocation).where(Allocation.payment_id == payment_id)))


def release(invoice: Invoice) -> None:
    """Take back whatever settles the invoice (payments, credit), each allocation by a negative one: the money
    stays on the family's account as credit. For an invoice about to be cancelled."""
    _reverse(_live_allocations(sa.select(Allocation).where(Allocation.invoice_id == invoice.id)))


def take_back_spent_credit(account: Account) -> None:
    """Credit the family no longer has (the payment that made it was cancelled) cannot keep settling
    invoices: the latest credit allocations are reversed until what is settled is covered again."""
    invoices = db.session.scalars(sa.select(Invoice).where(
        Invoice.regie_id == account.regie_id, Invoice.family_id == account.family_id, payable())).all()
    due = sum((i.outstanding for i in invoices), ZERO)
    missing = account.balance - due
    if missing > 0:
        _reverse(_live_allocations(sa.select(Allocation).where(
            Allocation.payment_id.is_(None), Allocation.invoice_id.in_([i.id for i in invoices]))), missing)
