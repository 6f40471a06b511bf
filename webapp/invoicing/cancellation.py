"""« Annulation de facturation »: a numbered invoice is cancelled by a numbered credit note of the same amount
that names it, never edited nor deleted; what it billed goes back to billable, so a complementary period bills
it again, corrected.

The credit notes of a period live in the lot of its correction period (`BillingPeriod.corrects_id`), one per
régie, made on the first cancellation: a lot holds one invoice per family, and the cancelled invoice keeps its
place in its own lot.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.attendance.models import Attendance
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.counter.ledger import lock_accounts
from webapp.counter.settlement import release
from webapp.db import utcnow
from webapp.debits.queries import invoices_on_runs
from webapp.online.services import paying_online
from webapp.organisations.models import Regie
from webapp.treasury.queries import invoices_on_rolls
from webapp.errors import DomainError
from webapp.formatting import money
from webapp.imports.models import ImportedConsumption
from webapp.invoicing.models import (
    Batch, BatchStatus, BillingPeriod, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus,
)
from webapp.invoicing.services import PERIOD_FIELDS, give_numbers
from webapp.signals import invoices_numbered

declare({"invoice": "Facture"}, {"avoir": "avoir", "motif": "motif", "gardé en avoir": "gardé en avoir"})


def _refusal(invoice: Invoice, keep_payments_as_credit: bool) -> str | None:
    if invoice.kind is not InvoiceKind.INVOICE:
        return "c'est un avoir"
    if invoice.status is not InvoiceStatus.NUMBERED:
        return "elle n'est pas numérotée : supprimez ou recalculez le brouillon"
    if invoice.cancelled_by is not None:
        return f"elle est déjà annulée par l'avoir {invoice.cancelled_by.number}"
    if invoice.batch.status is BatchStatus.EXPORTED:
        return "son lot est exporté vers la trésorerie"
    if invoice.total <= 0:
        return "son montant est nul : il n'y a rien à annuler"
    if invoice.written_off > 0:
        return f"{money(invoice.written_off)} ont été passés en non-valeur"
    if invoice.titled > 0:
        return "elle est mise en titre : c'est au Trésor public d'annuler ou de réduire le titre"
    if invoice.paid > 0 and not keep_payments_as_credit:
        return (f"elle est réglée de {money(invoice.paid)} : gardez ce règlement en avoir sur le compte de la "
                "famille, ou annulez-le d'abord")
    return None


def blockers(invoices: Iterable[Invoice], *, keep_payments_as_credit: bool = False) -> dict[int, str]:
    """Why each invoice that cannot be cancelled cannot (invoice id → French reason); the only place that says
    so."""
    invoices = list(invoices)
    found = {invoice.id: reason for invoice in invoices if (reason := _refusal(invoice, keep_payments_as_credit))}
    others = [invoice.id for invoice in invoices if invoice.id not in found]
    on_runs = invoices_on_runs(others)
    found |= {invoice_id: f"elle est sur les {label} : annulez-les, ou attendez le rejet du prélèvement"
              for invoice_id, label in on_runs.items()}
    found |= {invoice_id: f"son lot est parti en rôle ({label}) : le Trésor public la recouvre"
              for invoice_id, label in invoices_on_rolls(others).items()}
    found |= {invoice_id: "un paiement en ligne est en cours : réessayez quand il sera terminé (quelques minutes)"
              for invoice_id in paying_online(others)}
    return found


def correction_batch(batch: Batch) -> Batch:
    """The lot of the period's correction period at the batch's régie, made on first use. It holds only numbered
    credit notes, so it is born numbered: nothing in it is ever computed."""
    period = batch.period
    correction = db.session.scalar(sa.select(BillingPeriod).where(BillingPeriod.corrects_id == period.id))
    if correction is None:
        correction = BillingPeriod(organisation_id=period.organisation_id, corrects_id=period.id,
                                   label=f"Annulations · {period.label}"[:120], activities=list(period.activities),
                                   **{name: getattr(period, name) for name in PERIOD_FIELDS if name != "label"})
        db.session.add(correction)
        db.session.flush()
        record_creation("billing_period", correction, PERIOD_FIELDS, organisation_id=period.organisation_id)
    found = db.session.scalar(sa.select(Batch).where(Batch.period_id == correction.id, Batch.regie_id == batch.regie_id)
                              .with_for_update())
    if found is None:
        now = utcnow()
        found = Batch(period_id=correction.id, regie_id=batch.regie_id, status=BatchStatus.NUMBERED, created_at=now,
                      created_by_id=actor_id(), numbered_at=now, numbered_by_id=actor_id())
        db.session.add(found)
        db.session.flush()
    return found


def cancel_invoices(invoices: list[Invoice], reason: str, *, keep_payments_as_credit: bool = False) -> list[Invoice]:
    """Cancel numbered invoices, all or none: each by a numbered credit note naming it and the reason, booked on
    the family's account (which then nets to what it was before the invoice); their attendances and imported rows
    become billable again. What paid them stays on the account as credit when `keep_payments_as_credit` says so
    (it then settles the family's other invoices, oldest first). Refused, naming each invoice and why, as soon
    as one cannot be."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Le motif de l'annulation est obligatoire.", "reason")
    if not invoices:
        raise DomainError("Aucune facture à annuler.")
    # The one lock order: the régie (shared) and each family's account (in id order, as bulk bookings take them),
    # then the invoices.
    for regie_id in sorted({i.regie_id for i in invoices}):
        lock_accounts(db.session.get(Regie, regie_id), {i.family_id for i in invoices if i.regie_id == regie_id})
    locked = db.session.scalars(
        sa.select(Invoice).where(Invoice.id.in_([i.id for i in invoices])).order_by(Invoice.id)
        .with_for_update().execution_options(populate_existing=True)
        .options(selectinload(Invoice.lines))).all()
    for invoice in locked:
        db.session.refresh(invoice, ["cancelled_by"])
    refused = blockers(locked, keep_payments_as_credit=keep_payments_as_credit)
    if refused:
        by_id = {i.id: i for i in locked}
        raise DomainError("Annulation refusée : " + " ; ".join(
            f"facture {by_id[i].number} ({by_id[i].family.label}) : {why}" for i, why in refused.items()) + ".")
    kept = {invoice.id: invoice.paid for invoice in locked if invoice.paid > 0}
    for invoice in locked:
        if invoice.id in kept:
            release(invoice)
    credit_notes: dict[int, list[Invoice]] = {}
    for invoice in locked:
        credit_note = _credit_note(invoice, reason)
        credit_notes.setdefault(credit_note.batch_id, []).append(credit_note)
    db.session.flush()
    made = []
    for batch_id, notes in credit_notes.items():
        batch = db.session.get(Batch, batch_id)
        give_numbers(batch, notes)
        db.session.flush()
        invoices_numbered.send(batch, invoices=notes)  # the counter books them on the families' accounts
        made += notes
    for invoice in locked:
        changes = {"avoir": [None, invoice.cancelled_by.number], "motif": [None, reason]}
        if invoice.id in kept:
            changes["gardé en avoir"] = [None, str(kept[invoice.id])]
        record("cancel", "invoice", invoice, changes, organisation_id=invoice.batch.period.organisation_id)
        _release(invoice)
    db.session.expire_all()  # the attendances and imported rows were changed in bulk
    return made


def _credit_note(invoice: Invoice, reason: str) -> Invoice:
    """The invoice's lines with opposite amounts, dated today, in the correction lot."""
    batch = correction_batch(invoice.batch)
    today = utcnow().date()
    credit_note = Invoice(
        batch_id=batch.id, regie_id=invoice.regie_id, family_id=invoice.family_id, fiscal_year=invoice.fiscal_year,
        kind=InvoiceKind.CREDIT_NOTE, status=InvoiceStatus.DRAFT, issued_on=today, due_on=today,
        total=-invoice.total, cancels=invoice, reason=reason,
        lines=[InvoiceLine(child_id=line.child_id, activity_id=line.activity_id, kind=line.kind,
                           label=f"Annulation {invoice.number} · {line.label}"[:200],
                           accounting_code=line.accounting_code, unit_price=-line.unit_price, quantity=line.quantity,
                           amount=-line.amount, items=[]) for line in invoice.lines])
    db.session.add(credit_note)
    return credit_note


def _release(invoice: Invoice) -> None:
    """What the invoice billed counts as billed no more: an attendance it billed first is unbilled again; one it
    regularised keeps what earlier invoices billed, and is flagged so the next compute bills the difference."""
    items = [item for line in invoice.lines for item in line.line_items if item.attendance_id is not None]
    stored = {row.id: row for part in db.among(Attendance.id, [item.attendance_id for item in items])
              for row in db.session.execute(sa.select(Attendance.id, Attendance.billed_invoice_id,
                                                      Attendance.billed_amount).where(part))}
    unbilled: list[dict[str, Any]] = []
    regularised: list[dict[str, Any]] = []
    for item in items:
        row = stored.get(item.attendance_id)
        if row is None:
            continue
        if row.billed_invoice_id == invoice.id and item.billed is None:
            unbilled.append({"id": row.id})
        else:
            regularised.append({"id": row.id, "billed_amount": (row.billed_amount or Decimal(0)) - item.amount})
    db.update_rows(Attendance.__table__, unbilled, billed_invoice_id=None, billed_amount=None, billed_at=None,
                   changed_since_billing=False)
    db.update_rows(Attendance.__table__, regularised, changed_since_billing=True)
    db.session.execute(sa.update(ImportedConsumption).where(ImportedConsumption.billed_invoice_id == invoice.id)
                       .values(billed_invoice_id=None).execution_options(synchronize_session=False))
