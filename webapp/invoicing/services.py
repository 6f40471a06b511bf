"""The billing cycle's business actions: periods, batches, compute, number, export."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db, numbering
from webapp.attendance.models import Attendance
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.counter.closings import hold_regie
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.families.services import finds_families
from webapp.formatting import date_time
from webapp.imports.models import ImportedConsumption
from webapp.invoicing import compute as computing
from webapp.invoicing.models import (
    Batch, BatchAction, BatchStatus, BillingPeriod, Invoice, InvoiceKind, InvoiceStatus,
)
from webapp.numbering import NumberKind
from webapp.signals import invoices_numbered
from webapp.organisations.models import Country, Organisation, Regie
from webapp.tariffs.models import Activity

PERIOD_FIELDS = ("label", "start_date", "end_date", "invoice_date", "debit_date", "due_date",
                 "regularisation_from", "fiscal_year")
NUMBER_KINDS = {InvoiceKind.INVOICE: NumberKind.INVOICE, InvoiceKind.CREDIT_NOTE: NumberKind.CREDIT_NOTE}

declare({"billing_period": "Période de facturation", "batch": "Lot"}, {
    "label": "libellé", "start_date": "du", "end_date": "au", "invoice_date": "date des factures",
    "debit_date": "date de prélèvement", "due_date": "échéance", "regularisation_from": "régularisation depuis",
    "fiscal_year": "exercice", "factures": "factures", "numéros": "numéros", "statut": "statut",
}, {"statut": BatchStatus})


@finds_families
def _by_invoice_number(query: str) -> sa.Select:
    """The family search finds a family from one of its invoice numbers."""
    return sa.select(Invoice.family_id).where(Invoice.number == query.strip().upper())


def _who_when(user: Any, at: Any) -> str:
    return f"le {date_time(at)} par {user.full_name if user else 'le système'}"


def clean_period(org: Organisation, data: dict[str, Any], activities: list[Activity],
                 regie_ids: set[int]) -> dict[str, Any]:
    """The period's fields checked as a whole, for its creation and its later edits."""
    clean = {name: data.get(name) for name in PERIOD_FIELDS}
    clean["label"] = (clean["label"] or "").strip()
    if not clean["label"]:
        raise DomainError("Le libellé de la période est obligatoire.", "label")
    if clean["end_date"] < clean["start_date"]:
        raise DomainError("La fin de la période précède son début.", "end_date")
    if clean["due_date"] < clean["invoice_date"]:
        raise DomainError("L'échéance précède la date de facture.", "due_date")
    if clean["regularisation_from"] and clean["regularisation_from"] > clean["start_date"]:
        raise DomainError("La régularisation commence avant la période, pas après.", "regularisation_from")
    clean["fiscal_year"] = clean["fiscal_year"] or clean["end_date"].year
    if any(a.regie_id not in regie_ids for a in activities):
        raise DomainError("Une régie ou une activité choisie n'appartient pas à ces régies.", "activities")
    return clean


def refuse_overlap(regie: Regie, clean: dict[str, Any], period: BillingPeriod | None = None) -> None:
    """A régie bills a stretch of days once; a complementary period may overlap lots that are all numbered
    (it bills only what they left unbilled, or what a cancellation gave back)."""
    overlapping = db.session.scalar(
        sa.select(Batch).join(BillingPeriod).where(
            Batch.regie_id == regie.id, BillingPeriod.start_date <= clean["end_date"],
            BillingPeriod.end_date >= clean["start_date"], BillingPeriod.corrects_id.is_(None),
            BillingPeriod.id != (period.id if period else -1),
            Batch.status.in_([s for s in BatchStatus if not s.numbered])))
    if overlapping is not None:
        other = overlapping.period
        raise DomainError(
            f"La régie « {regie.name} » a déjà la période « {other.label} » (du {other.start_date:%d/%m/%Y} "
            f"au {other.end_date:%d/%m/%Y}), créée {_who_when(overlapping.created_by, overlapping.created_at)}, "
            "pas encore numérotée : corrigez-la plutôt (une période ne se facture qu'une fois).", "start_date")


def create_period(org: Organisation, data: dict[str, Any], regies: list[Regie], activities: list[Activity]) -> BillingPeriod:
    if not regies:
        raise DomainError("Choisissez au moins une régie.", "regies")
    if any(r.organisation_id != org.id for r in regies):
        raise DomainError("Une régie ou une activité choisie n'appartient pas à ces régies.", "activities")
    clean = clean_period(org, data, activities, {r.id for r in regies})
    for regie in regies:
        refuse_overlap(regie, clean)
    period = BillingPeriod(organisation_id=org.id, activities=activities, **clean)
    db.session.add(period)
    db.session.flush()
    for regie in regies:
        db.session.add(Batch(period_id=period.id, regie_id=regie.id, created_at=utcnow(), created_by_id=actor_id()))
    record_creation("billing_period", period, PERIOD_FIELDS, organisation_id=org.id)
    return period


def compute_batch(batch: Batch) -> list[Invoice]:
    db.session.refresh(batch, with_for_update=True)  # a second compute, or a numbering, waits for this one
    if not batch.status.may(BatchAction.COMPUTE):
        raise DomainError(
            f"Ce lot est {batch.status.label.lower()} "
            f"{_who_when(batch.numbered_by, batch.numbered_at)} : il ne se calcule plus."
        )
    invoices = computing.compute(batch)
    batch.status = batch.status.after(BatchAction.COMPUTE)
    batch.computed_at = utcnow()
    batch.computed_by_id = actor_id()
    record("compute", "batch", batch, {"factures": [None, len(invoices)]},
           organisation_id=batch.period.organisation_id)
    return invoices


def _payment_reference(regie: Regie, country: Country, invoice: Invoice) -> str:
    """Belgium: a structured communication; France: the invoice number."""
    if country is Country.BE:
        return numbering.structured_communication(regie, invoice.fiscal_year, invoice.sequence)
    return invoice.number or ""


def number_batch(batch: Batch) -> list[Invoice]:
    """Number every draft of the batch in a stable order (payer's name, family number), in one go."""
    db.session.refresh(batch, with_for_update=True)  # a second agent waits here, then sees the new status
    # The régie (shared) before the numbers, as every booking: a reminder run billing its fees holds it exclusively
    # while it takes invoice numbers, so taking them the other way round could deadlock.
    hold_regie(batch.regie_id)
    if not batch.status.may(BatchAction.NUMBER):
        if batch.status.numbered:
            raise DomainError(f"Ce lot a déjà été numéroté {_who_when(batch.numbered_by, batch.numbered_at)}.")
        raise DomainError("Calculez le lot avant de le numéroter.")
    drafts = db.session.scalars(
        sa.select(Invoice).join(Invoice.family)
        .where(Invoice.batch_id == batch.id, Invoice.status == InvoiceStatus.DRAFT)
        .order_by(sa.text("families.label"), sa.text("families.number"))
        .options(selectinload(Invoice.lines))
    ).all()
    attendances, consumptions = _billed_rows(drafts)
    _refuse_if_attendance_changed(batch, [row["id"] for row in attendances], [row["id"] for row in consumptions])
    give_numbers(batch, drafts)
    now = utcnow()
    db.update_rows(Attendance.__table__, attendances, billed_at=now, changed_since_billing=False)
    db.update_rows(ImportedConsumption.__table__, consumptions)
    if not invoices_numbered.receivers:  # numbered but never booked: the books would be wrong unnoticed
        raise RuntimeError("Nothing books numbered invoices: numbering needs the app (webapp.create_app).")
    invoices_numbered.send(batch, invoices=drafts)  # the counter books them on the families' accounts
    batch.status = batch.status.after(BatchAction.NUMBER)
    batch.numbered_at = now
    batch.numbered_by_id = actor_id()
    numbers = [i.number for i in drafts]
    record("number", "batch", batch, {"numéros": [None, f"{numbers[0]} … {numbers[-1]}" if numbers else "aucun"]},
           organisation_id=batch.period.organisation_id)
    return drafts


def give_numbers(batch: Batch, drafts: list[Invoice]) -> None:
    """Invoices and credit notes each from their own gapless sequence, in the drafts' order."""
    country = batch.period.organisation.country
    for kind in InvoiceKind:
        of_kind = [invoice for invoice in drafts if invoice.kind is kind]
        if not of_kind:
            continue
        numbers = numbering.take(NUMBER_KINDS[kind], batch.regie, batch.period.fiscal_year, len(of_kind))
        for number, invoice in zip(numbers, of_kind, strict=True):
            invoice.sequence, invoice.number = number.sequence, number.text
            invoice.status = InvoiceStatus.NUMBERED
            invoice.payment_reference = _payment_reference(batch.regie, country, invoice)


def _billed_rows(drafts: list[Invoice]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The attendances (with the amount each now counts as billed) and the imported rows the drafts bill: what
    numbering marks as billed by each invoice."""
    attendances: list[dict[str, Any]] = []
    consumptions: list[dict[str, Any]] = []
    for invoice in drafts:
        invoice_id = invoice.id
        for line in invoice.lines:
            for item in line.line_items:
                if item.consumption_id is not None:
                    consumptions.append({"id": item.consumption_id, "billed_invoice_id": invoice_id})
                else:
                    attendances.append({"id": item.attendance_id, "billed_invoice_id": invoice_id,
                                        "billed_amount": item.billed_amount})
    return attendances, consumptions


def _refuse_if_attendance_changed(batch: Batch, attendance_ids: list[int], consumption_ids: list[int]) -> None:
    """The drafts must still describe the attendances: none edited, removed or billed since the compute."""
    activity_ids = [a.id for a in computing.batch_activities(batch)]
    edited = db.session.scalar(sa.select(sa.func.count()).select_from(Attendance).where(
        Attendance.activity_id.in_(activity_ids), Attendance.updated_at > batch.computed_at))
    still_there = sum(db.session.scalar(sa.select(sa.func.count()).select_from(Attendance).where(
        listed, sa.or_(Attendance.billed_invoice_id.is_(None), Attendance.changed_since_billing)))
        for listed in db.among(Attendance.id, attendance_ids))
    imported_left = sum(db.session.scalar(sa.select(sa.func.count()).select_from(ImportedConsumption).where(
        listed, ImportedConsumption.billed_invoice_id.is_(None))) for listed in db.among(ImportedConsumption.id, consumption_ids))
    if edited or still_there != len(attendance_ids) or imported_left != len(consumption_ids):
        raise DomainError(
            f"Des pointages ou des consommations importées ont changé depuis le calcul {_who_when(batch.computed_by, batch.computed_at)} : "
            "recalculez le lot avant de le numéroter.")


def export_batch(batch: Batch) -> Batch:
    """Irreversible: after it, the batch's invoices are neither recomputed, deleted nor cancelled."""
    db.session.refresh(batch, with_for_update=True)
    if not batch.status.may(BatchAction.EXPORT):
        if batch.status.reached(BatchAction.EXPORT):
            raise DomainError(f"Ce lot a déjà été exporté {_who_when(batch.exported_by, batch.exported_at)}.")
        raise DomainError("Seul un lot numéroté s'exporte.")
    before = batch.status
    batch.status = before.after(BatchAction.EXPORT)
    batch.exported_at = utcnow()
    batch.exported_by_id = actor_id()
    record("export", "batch", batch, {"statut": [before.value, batch.status.value]},
           organisation_id=batch.period.organisation_id)
    return batch

