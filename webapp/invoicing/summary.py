"""A lot's figures as the seeds show them (invoiced, credit notes, held, received, written off, still due) and
its billing summary (« récapitulatif »: amounts by activity and accounting code), printed to keep with the lot."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import render_template

from webapp import db
from webapp.counter.models import Allocation, Payment, PaymentMode
from webapp.counter.settlement import payable
from webapp.invoicing.models import Batch, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from webapp.pdf import html_to_pdf
from webapp.tariffs.models import Activity

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LotTotals:
    count: int
    invoiced: Decimal
    credit_notes: Decimal  # its own credit notes, and those that cancel its invoices (in the correction lot)
    cancelled: int
    held: int
    held_amount: Decimal
    received: Decimal
    debited: Decimal  # of what was received, by direct debit
    written_off: Decimal
    titled: Decimal
    due: Decimal


def _sum(*columns: sa.ColumnElement) -> list[sa.ColumnElement]:
    return [sa.func.coalesce(sa.func.sum(column), 0) for column in columns]


def lot_totals(batch: Batch) -> LotTotals:
    mine = Invoice.batch_id == batch.id
    billed = sa.and_(mine, Invoice.status != InvoiceStatus.HELD)
    outstanding = Invoice.total - Invoice.paid - Invoice.written_off - Invoice.titled
    count, invoiced, received, written_off, titled, due = db.session.execute(sa.select(
        sa.func.count(Invoice.id), *_sum(sa.case((Invoice.kind == InvoiceKind.INVOICE, Invoice.total), else_=0),
                                         Invoice.paid, Invoice.written_off, Invoice.titled,
                                         sa.case((payable(), outstanding), else_=0))).where(billed)).one()
    debited = db.session.scalar(sa.select(*_sum(Allocation.amount)).join(Payment).join(Invoice).where(
        mine, Payment.mode == PaymentMode.DIRECT_DEBIT))
    own_credit = db.session.scalar(sa.select(*_sum(Invoice.total)).where(billed, Invoice.kind == InvoiceKind.CREDIT_NOTE))
    cancelled_ids = sa.select(Invoice.id).where(mine)
    cancelled, cancelling = db.session.execute(sa.select(sa.func.count(Invoice.id), *_sum(Invoice.total)).where(
        Invoice.cancels_id.in_(cancelled_ids), Invoice.status == InvoiceStatus.NUMBERED)).one()
    held, held_amount = db.session.execute(sa.select(sa.func.count(Invoice.id), *_sum(Invoice.total))
                                           .where(mine, Invoice.status == InvoiceStatus.HELD)).one()
    return LotTotals(count, Decimal(invoiced), Decimal(own_credit) + Decimal(cancelling), cancelled, held,
                     Decimal(held_amount), Decimal(received), Decimal(debited), Decimal(written_off), Decimal(titled),
                     Decimal(due))


@dataclass(frozen=True)
class SummaryLine:
    activity: str
    accounting_code: str
    quantity: Decimal
    amount: Decimal


def summary_lines(batch: Batch) -> list[SummaryLine]:
    """What the lot bills by activity and accounting code (held drafts left out: the lot does not bill them)."""
    rows = db.session.execute(
        sa.select(sa.func.coalesce(Activity.name, "Frais de la famille"), InvoiceLine.accounting_code,
                  *_sum(InvoiceLine.quantity, InvoiceLine.amount))
        .join(Invoice, InvoiceLine.invoice_id == Invoice.id).outerjoin(Activity, InvoiceLine.activity_id == Activity.id)
        .where(Invoice.batch_id == batch.id, Invoice.status != InvoiceStatus.HELD)
        .group_by(Activity.name, InvoiceLine.accounting_code).order_by(InvoiceLine.accounting_code, Activity.name))
    return [SummaryLine(name, code, Decimal(quantity), Decimal(amount)) for name, code, quantity, amount in rows]


def summary_pdf(batch: Batch) -> bytes:
    lines = summary_lines(batch)
    return html_to_pdf(render_template("invoicing/pdf/summary.html", batch=batch, totals=lot_totals(batch),
                                       lines=lines, total=sum((line.amount for line in lines), ZERO)))
