"""The invoice list of a régie: « who still owes what », filtered, with its totals and its export.

The statuses are SQL conditions over the invoice's own figures (kept by the counter), so a filter, its totals
and its export read the same rows whatever their number.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from webapp import db
from webapp.counter.amounts import HALF_CENT
from webapp.counter.settlement import owing, payable
from webapp.exports import Column, Kind
from webapp.families.models import Family
from webapp.families.services import matching
from webapp.formatting import today
from webapp.forms import parse_decimal
from webapp.invoicing.models import Batch, BillingPeriod, Invoice, InvoiceKind, InvoiceStatus, not_cancelled
from webapp.labels import Labelled

ZERO = Decimal("0.00")
SHOWN = 200


class Status(Labelled):
    """What the list filters on."""

    TO_PAY = "a_payer", "À payer"
    PARTLY_PAID = "partielle", "Partiellement payée"
    PAID = "payee", "Payée"
    LATE = "en_retard", "En retard"
    WRITTEN_OFF = "non_valeur", "Non-valeur"
    TITLED = "en_titre", "En titre"
    CANCELLED = "annulee", "Annulée"
    CREDIT_NOTE = "avoir", "Avoir"

    def condition(self) -> sa.ColumnElement[bool]:
        outstanding = Invoice.total - Invoice.paid - Invoice.written_off - Invoice.titled
        return {
            Status.TO_PAY: sa.and_(owing(), Invoice.paid == 0),
            Status.PARTLY_PAID: sa.and_(owing(), Invoice.paid > 0),
            Status.PAID: sa.and_(payable(), outstanding <= HALF_CENT, Invoice.paid > 0, Invoice.titled == 0),
            Status.LATE: sa.and_(owing(), Invoice.due_on < today()),
            Status.WRITTEN_OFF: sa.and_(payable(), Invoice.written_off > 0),
            Status.TITLED: sa.and_(payable(), Invoice.titled > 0),
            Status.CANCELLED: sa.and_(Invoice.kind == InvoiceKind.INVOICE, ~not_cancelled()),
            Status.CREDIT_NOTE: Invoice.kind == InvoiceKind.CREDIT_NOTE,
        }[self]


@dataclass(frozen=True)
class Filters:
    regie_ids: list[int]
    period_id: int | None = None
    batch_id: int | None = None
    status: str = ""
    query: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True)
class Totals:
    count: int
    total: Decimal
    paid: Decimal
    written_off: Decimal
    titled: Decimal
    due: Decimal


def _where(organisation_id: int, filters: Filters) -> list[sa.ColumnElement[bool]]:
    where = [BillingPeriod.organisation_id == organisation_id, Invoice.regie_id.in_(filters.regie_ids),
             Invoice.status == InvoiceStatus.NUMBERED]
    if filters.period_id:
        # The period's credit notes live in its correction period: they belong to its list.
        where.append(sa.or_(BillingPeriod.id == filters.period_id, BillingPeriod.corrects_id == filters.period_id))
    if filters.batch_id:
        where.append(Invoice.batch_id == filters.batch_id)
    if filters.status in {status.value for status in Status}:
        where.append(Status(filters.status).condition())
    if filters.query.strip():
        where.append(Invoice.family_id.in_(sa.select(Family.id).where(Family.organisation_id == organisation_id,
                                                                      matching(filters.query))))
    if filters.minimum is not None:
        where.append(Invoice.total >= filters.minimum)
    if filters.maximum is not None:
        where.append(Invoice.total <= filters.maximum)
    return where


def _joined(stmt: sa.Select) -> sa.Select:
    return stmt.join(Batch, Invoice.batch_id == Batch.id).join(BillingPeriod, Batch.period_id == BillingPeriod.id)


def totals(organisation_id: int, filters: Filters) -> Totals:
    left = Invoice.total - Invoice.paid - Invoice.written_off - Invoice.titled
    due = sa.case((sa.and_(payable(), left > HALF_CENT), left), else_=0)
    count, *sums = db.session.execute(_joined(sa.select(
        sa.func.count(Invoice.id), *(sa.func.coalesce(sa.func.sum(column), 0) for column in (
            Invoice.total, Invoice.paid, Invoice.written_off, Invoice.titled, due))).select_from(Invoice))
        .where(*_where(organisation_id, filters))).one()
    cent = Decimal("0.01")
    return Totals(count, *(Decimal(value).quantize(cent) for value in sums))


def invoices(organisation_id: int, filters: Filters, limit: int | None = SHOWN) -> Iterator[Invoice]:
    """The matching invoices, newest first; without a limit, read in pieces (an export of any size)."""
    stmt = (_joined(sa.select(Invoice)).join(Invoice.family).where(*_where(organisation_id, filters))
            .options(contains_eager(Invoice.family), selectinload(Invoice.cancelled_by))
            .order_by(Invoice.issued_on.desc(), Invoice.id.desc()))
    if limit is not None:
        yield from db.session.scalars(stmt.limit(limit))
        return
    yield from db.session.scalars(stmt.execution_options(yield_per=1000))


def status_of(invoice: Invoice) -> str:
    late = invoice.settlement.due and invoice.due_on < today()
    return invoice.settlement.label + (" (en retard)" if late else "")


COLUMNS = [
    Column("Numéro", lambda i: i.number),
    Column("Type", lambda i: "Avoir" if i.kind is InvoiceKind.CREDIT_NOTE else "Facture"),
    Column("Famille", lambda i: i.family.label),
    Column("N° famille", lambda i: i.family.number),
    Column("Date", lambda i: i.issued_on, Kind.DATE),
    Column("Échéance", lambda i: i.due_on, Kind.DATE),
    Column("Exercice", lambda i: i.fiscal_year, Kind.NUMBER),
    Column("Montant", lambda i: i.total, Kind.MONEY),
    Column("Payé", lambda i: i.paid, Kind.MONEY),
    Column("Non-valeur", lambda i: i.written_off, Kind.MONEY),
    Column("Mis en titre", lambda i: i.titled, Kind.MONEY),
    Column("Reste dû", lambda i: i.outstanding if i.settlement.due else ZERO, Kind.MONEY),
    Column("Statut", status_of),
    Column("Référence de paiement", lambda i: i.payment_reference),
]


def rows_for_export(organisation_id: int, filters: Filters) -> Iterable[Invoice]:
    return invoices(organisation_id, filters, limit=None)


def parse_filters(args: Any, regie_ids: list[int]) -> Filters:
    """The list's query string, anything unreadable taken as no filter (a bookmarked URL never breaks)."""
    def amount(name: str) -> Decimal | None:
        try:
            return parse_decimal(args.get(name))
        except ValueError:
            return None

    def integer(name: str) -> int | None:
        value = args.get(name, "")
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None

    return Filters(regie_ids=regie_ids, period_id=integer("periode"), batch_id=integer("lot"),
                   status=args.get("statut", "")[:20], query=args.get("q", "")[:100],
                   minimum=amount("min"), maximum=amount("max"))
