"""The books underneath the counter: accounts, their entries, numbered invoices booked on them, and the
check that recomputes every balance from scratch.

Every action on an account starts by locking its row (`open_account`, after the régie's: see `closings`), so
two agents working on the same family at the same moment take turns; the invoices are then read and updated
under that lock (`settlement`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from webapp import db
from webapp.counter.amounts import HALF_CENT, ZERO
from webapp.counter.closings import hold_regie, refuse_closed_year
from webapp.counter.models import (
    Account,
    AccountEntry,
    Allocation,
    Cancellation,
    EntryKind,
    Payment,
    SchoolYearClosure,
    WriteOff,
)
from webapp.counter.school_years import school_year_label, school_year_of
from webapp.counter.settlement import apply_credit, due_by_account, on_account
from webapp.invoicing.models import (
    Batch,
    BillingPeriod,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
)
from webapp.organisations.models import Regie
from webapp.signals import invoices_numbered


def _ensure_accounts(organisation_id: int, pairs: Iterable[tuple[int, int]]) -> None:
    rows = [{"organisation_id": organisation_id, "regie_id": regie_id, "family_id": family_id, "balance": ZERO}
            for regie_id, family_id in set(pairs)]
    if rows:
        db.session.execute(db.insert(Account).on_conflict_do_nothing(index_elements=["regie_id", "family_id"]), rows)


def open_account(organisation_id: int, regie_id: int, family_id: int) -> Account:
    """The family's account at the régie, created on first use, locked until the transaction ends (after the
    régie's row, held shared: the one lock order every booking and closing follows)."""
    hold_regie(regie_id)
    _ensure_accounts(organisation_id, [(regie_id, family_id)])
    return db.session.scalars(
        sa.select(Account).where(Account.regie_id == regie_id, Account.family_id == family_id)
        .with_for_update().execution_options(populate_existing=True)
    ).one()


def lock_accounts(regie: Regie, family_ids: set[int]) -> dict[int, int]:
    """`open_account` for many families at once: their accounts at the régie (created on first use), locked in id
    order after the régie's row; family id → account id."""
    hold_regie(regie.id)
    accounts = Account.__table__.c

    def locked(ids: set[int]) -> dict[int, int]:
        return {row.family_id: row.id for among in db.among(accounts.family_id, sorted(ids))
                for row in db.session.execute(sa.select(accounts.id, accounts.family_id).where(
                    accounts.regie_id == regie.id, among).order_by(accounts.id).with_for_update())}

    found = locked(family_ids)
    if missing := family_ids - found.keys():  # most families have one since their first invoice
        _ensure_accounts(regie.organisation_id, [(regie.id, family_id) for family_id in missing])
        found.update(locked(missing))
    return found


def move_balances(deltas: dict[int, Decimal]) -> None:
    """Move many accounts' balances (account id → amount) in one statement, in account order as a school year's
    closing locks them (two bulk lockers never deadlock); the session's copies reload when next read."""
    ids = sorted(deltas)
    if db.on_postgresql():  # one statement: an executemany is one UPDATE a row there
        db.session.execute(sa.text(
            "UPDATE accounts SET balance = accounts.balance + v.delta FROM unnest(CAST(:ids AS integer[]), "
            "CAST(:deltas AS numeric[])) AS v(id, delta) WHERE accounts.id = v.id"),
            {"ids": ids, "deltas": [deltas[account_id] for account_id in ids]})
    else:
        db.session.execute(
            sa.update(Account.__table__).where(Account.__table__.c.id == sa.bindparam("account_id"))
            .values(balance=Account.__table__.c.balance + sa.bindparam("delta")),
            [{"account_id": account_id, "delta": deltas[account_id]} for account_id in ids],
            execution_options={"synchronize_session": False},
        )
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Account) and obj.id in deltas:
            db.session.expire(obj, ["balance"])


def find_account(regie_id: int, family_id: int) -> Account | None:
    return db.session.scalar(sa.select(Account).where(Account.regie_id == regie_id, Account.family_id == family_id))


def post(account: Account, kind: EntryKind, amount: Decimal, booked_on: date, school_year: int, label: str,
         **refs: Any) -> AccountEntry:
    """One entry on a locked account, and its balance moved by exactly that amount."""
    entry = AccountEntry(account_id=account.id, kind=kind, amount=amount, booked_on=booked_on,
                         school_year=school_year, label=label[:200], **refs)
    db.session.add(entry)
    account.balance += amount
    return entry


def invoice_school_year(invoice: Invoice) -> int:
    return school_year_of(invoice.batch.period.start_date)


@invoices_numbered.connect
def _book_numbered(batch: Batch, invoices: list[Invoice]) -> None:
    book_invoices(batch.period.organisation_id, invoices)


def book_invoices(organisation_id: int, invoices: list[Invoice]) -> None:
    """Numbered invoices become entries on their families' accounts, in bulk; families holding credit have
    it applied to their new invoices at once."""
    if not invoices:
        return
    # The régie first (shared), as every booking: a school year closed meanwhile is seen closed.
    for regie_id, school_year in {(i.regie_id, invoice_school_year(i)) for i in invoices}:
        refuse_closed_year(regie_id, school_year)
    _ensure_accounts(organisation_id, [(i.regie_id, i.family_id) for i in invoices])
    pairs = {(i.regie_id, i.family_id) for i in invoices}
    accounts = {(regie_id, family_id): account_id for account_id, regie_id, family_id in db.session.execute(
        sa.select(Account.id, Account.regie_id, Account.family_id).where(
            Account.regie_id.in_({r for r, _ in pairs}), Account.family_id.in_({f for _, f in pairs})))
        if (regie_id, family_id) in pairs}
    entries, deltas = [], {}
    for invoice in invoices:
        account_id = accounts[(invoice.regie_id, invoice.family_id)]
        credit_note = invoice.kind is InvoiceKind.CREDIT_NOTE
        entries.append({
            "account_id": account_id, "kind": EntryKind.CREDIT_NOTE if credit_note else EntryKind.INVOICE,
            "amount": invoice.total, "booked_on": invoice.issued_on, "school_year": invoice_school_year(invoice),
            "label": f"{'Avoir' if credit_note else 'Facture'} {invoice.number} · {invoice.batch.period.label}",
            "invoice_id": invoice.id,
        })
        deltas[account_id] = deltas.get(account_id, ZERO) + invoice.total
    db.session.execute(sa.insert(AccountEntry), entries)
    move_balances(deltas)
    due = due_by_account(Invoice.family_id.in_({f for _, f in pairs}))
    holding_credit = db.session.scalars(
        sa.select(Account).join(due, on_account(due))
        .where(Account.id.in_(list(deltas)), Account.balance < due.c.due - HALF_CENT)
        .order_by(Account.id).with_for_update(of=Account).execution_options(populate_existing=True)).all()
    for account in holding_credit:
        apply_credit(account)


@dataclass(frozen=True)
class Discrepancy:
    what: str
    stored: Decimal
    recomputed: Decimal

    def __str__(self) -> str:
        return f"{self.what} : enregistré {self.stored}, recalculé {self.recomputed}"


def check_books(organisation_id: int | None = None) -> list[Discrepancy]:
    """Recompute, from the entries, allocations and write-offs alone, every account balance and every
    invoice's paid and written-off amounts; check that no payment settles more than it brought (nothing once
    cancelled) and that each closed school year nets to zero on every account (all of it carried). An empty
    list means the books agree."""
    accounts = sa.select(Account.id, Account.balance, sa.func.coalesce(sa.func.sum(AccountEntry.amount), 0)) \
        .outerjoin(AccountEntry, AccountEntry.account_id == Account.id).group_by(Account.id, Account.balance)
    paid = sa.select(sa.func.coalesce(sa.func.sum(Allocation.amount), 0)).where(
        Allocation.invoice_id == Invoice.id).scalar_subquery()
    written = sa.select(sa.func.coalesce(sa.func.sum(WriteOff.amount), 0)).where(
        WriteOff.invoice_id == Invoice.id).scalar_subquery()
    invoices = sa.select(Invoice.id, Invoice.number, Invoice.paid, paid, Invoice.written_off, written)
    titled = _titled_invoices()
    booked = sa.select(sa.func.coalesce(sa.func.sum(AccountEntry.amount), 0)).where(
        AccountEntry.invoice_id == Invoice.id,
        AccountEntry.kind.in_([EntryKind.INVOICE, EntryKind.CREDIT_NOTE])).scalar_subquery()
    numbered = sa.select(Invoice.number, Invoice.total, booked).where(Invoice.status == InvoiceStatus.NUMBERED)
    if organisation_id is not None:
        accounts = accounts.where(Account.organisation_id == organisation_id)
        in_org = Invoice.batch_id.in_(sa.select(Batch.id).join(BillingPeriod).where(
            BillingPeriod.organisation_id == organisation_id))
        invoices, numbered, titled = invoices.where(in_org), numbered.where(in_org), titled.where(in_org)
    found = []
    for account_id, balance, total in db.session.execute(accounts):
        if Decimal(balance) != Decimal(total):
            found.append(Discrepancy(f"Solde du compte n° {account_id}", balance, Decimal(total)))
    for _id, number, stored_paid, summed_paid, stored_written, summed_written in db.session.execute(
            invoices.where(sa.or_(Invoice.paid != paid, Invoice.written_off != written))):
        if Decimal(stored_paid) != Decimal(summed_paid):
            found.append(Discrepancy(f"Payé de la facture {number}", stored_paid, Decimal(summed_paid)))
        if Decimal(stored_written) != Decimal(summed_written):
            found.append(Discrepancy(f"Non-valeur de la facture {number}", stored_written, Decimal(summed_written)))
    for number, total, entered in db.session.execute(numbered.where(Invoice.total != booked)):
        found.append(Discrepancy(f"Facture {number} au compte", total, Decimal(entered)))
    for number, stored, by_titles, by_entries in db.session.execute(titled):
        if Decimal(stored) != Decimal(by_titles):
            found.append(Discrepancy(f"Mise en titre de la facture {number}", stored, Decimal(by_titles)))
        if Decimal(stored) != -Decimal(by_entries):
            found.append(Discrepancy(f"Mise en titre de la facture {number} au compte", stored, -Decimal(by_entries)))
    found += _overspent_payments(organisation_id) + _uncarried_years(organisation_id)
    found += _credit_beside_open_invoices(organisation_id)
    return found


def _titled_invoices() -> sa.Select:
    """Each invoice's `titled` beside the sum of its titles and of its « titre » entries, where any is not zero."""
    from webapp.treasury.models import TitledInvoice  # the treasury builds on the counter, not the reverse

    by_titles = sa.select(sa.func.coalesce(sa.func.sum(TitledInvoice.amount), 0)).where(
        TitledInvoice.invoice_id == Invoice.id).scalar_subquery()
    by_entries = sa.select(sa.func.coalesce(sa.func.sum(AccountEntry.amount), 0)).where(
        AccountEntry.invoice_id == Invoice.id, AccountEntry.kind == EntryKind.TITLE).scalar_subquery()
    return sa.select(Invoice.number, Invoice.titled, by_titles, by_entries).where(
        sa.or_(Invoice.titled != 0, by_titles != 0, by_entries != 0))


def _credit_beside_open_invoices(organisation_id: int | None) -> list[Discrepancy]:
    """Credit settles what is due before anything else: an account never holds both."""
    due = due_by_account()
    stmt = (sa.select(Account.id, Account.balance, due.c.due)
            .join(due, on_account(due))
            .where(due.c.due > HALF_CENT, Account.balance < due.c.due - HALF_CENT))
    if organisation_id is not None:
        stmt = stmt.where(Account.organisation_id == organisation_id)
    return [Discrepancy(f"Avoir du compte n° {account_id} à côté de factures dues", ZERO, Decimal(owed) - Decimal(balance))
            for account_id, balance, owed in db.session.execute(stmt)]


def _overspent_payments(organisation_id: int | None) -> list[Discrepancy]:
    allocated = sa.func.coalesce(sa.func.sum(Allocation.amount), 0)
    stmt = (sa.select(Payment.id, Payment.amount, Cancellation.id.is_not(None), allocated)
            .outerjoin(Allocation, Allocation.payment_id == Payment.id)
            .outerjoin(Cancellation, Cancellation.payment_id == Payment.id)
            .group_by(Payment.id, Payment.amount, Cancellation.id))
    if organisation_id is not None:
        stmt = stmt.where(Payment.organisation_id == organisation_id)
    found = []
    for payment_id, amount, cancelled, total in db.session.execute(stmt):
        limit = ZERO if cancelled else Decimal(amount)
        if Decimal(total) < 0 or Decimal(total) > limit:
            found.append(Discrepancy(f"Affecté du règlement n° {payment_id}{' (annulé)' if cancelled else ''}",
                                     limit, Decimal(total)))
    return found


def _uncarried_years(organisation_id: int | None) -> list[Discrepancy]:
    stmt = (sa.select(Account.id, AccountEntry.school_year, sa.func.sum(AccountEntry.amount))
            .join(AccountEntry, AccountEntry.account_id == Account.id)
            .join(SchoolYearClosure, sa.and_(SchoolYearClosure.regie_id == Account.regie_id,
                                             SchoolYearClosure.school_year == AccountEntry.school_year))
            .group_by(Account.id, AccountEntry.school_year))
    if organisation_id is not None:
        stmt = stmt.where(Account.organisation_id == organisation_id)
    return [Discrepancy(f"Année {school_year_label(year)} du compte n° {account_id} non reportée", ZERO, Decimal(total))
            for account_id, year, total in db.session.execute(stmt) if Decimal(total) != 0]
