"""Everyday corrections of a billing period before anything of it is numbered: edit or delete the period,
drop a lot's drafts (all, or those under a threshold), and add lines by hand to a family's draft.

Nothing here touches a numbered invoice: once numbered, a mistake is corrected by a credit note
(`cancellation`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from webapp import db
from webapp.audit.services import apply_changes, declare, record
from webapp.errors import DomainError
from webapp.families.models import Child, Family
from webapp.imports.models import ConsumptionImport, ImportedConsumption
from webapp.invoicing import compute as computing
from webapp.invoicing.models import (
    Batch, BatchAction, BillingPeriod, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, LineKind,
)
from webapp.invoicing.services import clean_period, refuse_overlap
from webapp.jobs.models import Job, JobStatus
from webapp.tariffs.models import Activity

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# What the lot's drafts were computed from: changing one of these makes them wrong.
COMPUTED_FROM = ("start_date", "end_date", "regularisation_from", "fiscal_year", "activités")

declare({"invoice_line": "Ligne de facture"}, {
    "activités": "activités", "seuil": "seuil", "imports": "imports", "ligne": "ligne", "montant": "montant",
    "famille": "famille",
})


def _refuse_numbered(period: BillingPeriod, doing: str) -> None:
    numbered = [b for b in period.batches if b.status.numbered]
    if numbered:
        raise DomainError(f"Le lot « {numbered[0].regie.name} » de cette période est numéroté : la période ne se "
                          f"{doing} plus. Annulez ses factures par un avoir, puis facturez une période complémentaire.")


def update_period(period: BillingPeriod, data: dict[str, Any], activities: list[Activity]) -> dict[str, list[Any]]:
    """Dates, label and activities, while no lot is numbered. Drafts computed on other dates or activities are
    dropped (the lot is computed again); new invoice or due dates are carried onto the drafts."""
    _refuse_numbered(period, "modifie")
    regies = [batch.regie for batch in period.batches]
    clean = clean_period(period.organisation, data, activities, {r.id for r in regies})
    for regie in regies:
        refuse_overlap(regie, clean, period)
    before = sorted(a.id for a in period.activities)
    changes = apply_changes(period, clean)
    if sorted(a.id for a in activities) != before:
        period.activities = activities
        changes["activités"] = [", ".join(map(str, before)), ", ".join(str(a.id) for a in activities)]
    for batch in period.batches:
        if any(name in changes for name in COMPUTED_FROM) and batch.status.computed:
            discard_drafts(batch)
        elif {"invoice_date", "due_date"} & changes.keys():
            db.session.execute(sa.update(Invoice).where(Invoice.batch_id == batch.id)
                               .values(issued_on=period.invoice_date, due_on=period.due_date))
    if changes:
        record("update", "billing_period", period, changes, organisation_id=period.organisation_id)
    return changes


def delete_period(period: BillingPeriod) -> None:
    """Gone with its lots and drafts while nothing of it is numbered; the canteen files imported into it are
    deleted too, so the same files can be imported into the right period."""
    _refuse_numbered(period, "supprime")
    batch_ids = [batch.id for batch in period.batches]
    running = db.session.scalar(sa.select(Job).where(Job.batch_id.in_(batch_ids), Job.status.in_(
        [JobStatus.QUEUED, JobStatus.RUNNING])))
    if running is not None:
        raise DomainError("Un travail est en cours sur un lot de cette période (calcul, documents ou envoi) : "
                          "attendez qu'il finisse pour la supprimer.")
    # The finished work stays in the log of jobs, without its lot.
    db.session.execute(sa.update(Job).where(Job.batch_id.in_(batch_ids)).values(batch_id=None)
                       .execution_options(synchronize_session=False))
    for batch in period.batches:
        computing.delete_drafts(batch)
        db.session.delete(batch)
    imports = db.session.scalars(sa.select(ConsumptionImport).where(ConsumptionImport.period_id == period.id)).all()
    if imports:
        db.session.execute(sa.delete(ImportedConsumption).where(
            ImportedConsumption.import_id.in_([i.id for i in imports])))
        for imported in imports:
            db.session.delete(imported)
    record("delete", "billing_period", period, {
        "label": [period.label, None], "start_date": [period.start_date.isoformat(), None],
        "end_date": [period.end_date.isoformat(), None],
        "imports": [", ".join(i.filename for i in imports) or None, None]}, organisation_id=period.organisation_id)
    db.session.flush()
    db.session.delete(period)
    db.session.flush()


def discard_drafts(batch: Batch) -> int:
    """« Supprimer les factures »: the lot's drafts go (lines added by hand with them), the attendances and
    imported rows they billed stay to bill; the lot is new again."""
    db.session.refresh(batch, with_for_update=True)  # a compute or a numbering under way finishes first
    if not batch.status.may(BatchAction.DISCARD):
        raise DomainError("Ce lot est numéroté : ses factures ne se suppriment plus, elles s'annulent par un avoir.")
    count = computing.delete_drafts(batch)
    before = batch.status
    batch.status = before.after(BatchAction.DISCARD)
    record("discard", "batch", batch, {"factures": [count, 0], "statut": [before.value, batch.status.value]},
           organisation_id=batch.period.organisation_id)
    return count


def apply_threshold(batch: Batch, threshold: Decimal | None) -> int:
    """« Suppression par seuil »: drafts under the amount leave the lot now and at each later compute; what they
    billed stays billable (by a later period's regularisation, or this lot once the threshold is lowered)."""
    db.session.refresh(batch, with_for_update=True)
    if batch.status.numbered:
        raise DomainError("Ce lot est numéroté : le seuil ne s'applique plus.", "threshold")
    if threshold is not None and threshold <= 0:
        raise DomainError("Le seuil est un montant positif.", "threshold")
    before = batch.threshold
    batch.threshold = threshold
    dropped = 0
    if threshold is not None:
        small = db.session.scalars(sa.select(Invoice).where(
            Invoice.batch_id == batch.id, Invoice.status == InvoiceStatus.DRAFT, Invoice.kind == InvoiceKind.INVOICE,
            Invoice.total < threshold,
            ~sa.exists().where(InvoiceLine.invoice_id == Invoice.id, InvoiceLine.manual.is_(True)))).all()
        for invoice in small:
            db.session.delete(invoice)
        dropped = len(small)
    record("threshold", "batch", batch, {"seuil": [str(before) if before is not None else None,
                                                   str(threshold) if threshold is not None else None],
                                         "factures": [None, f"{dropped} retirée(s)"]},
           organisation_id=batch.period.organisation_id)
    db.session.flush()
    db.session.expire(batch, ["invoices"])
    return dropped


def add_manual_line(batch: Batch, family: Family, data: dict[str, Any]) -> Invoice:
    """A line typed by an agent on the family's draft in this lot (opened when the family has none: a one-off
    invoice); numbered with the lot, kept when the lot is computed again. A negative price is a correction."""
    db.session.refresh(batch, with_for_update=True)
    if batch.status.numbered:
        raise DomainError("Ce lot est numéroté : ajoutez la ligne dans un lot pas encore numéroté.", "family")
    if family.organisation_id != batch.period.organisation_id:
        raise DomainError("Cette famille n'est pas de cette collectivité.", "family")
    label = (data.get("label") or "").strip()
    if not label:
        raise DomainError("Le libellé de la ligne est obligatoire.", "label")
    activity = db.session.get(Activity, data.get("activity_id") or 0)
    if activity is None or activity.regie_id != batch.regie_id:
        raise DomainError("Choisissez une activité de la régie du lot.", "activity_id")
    child = db.session.get(Child, data["child_id"]) if data.get("child_id") else None
    if child is not None and child.family_id != family.id:
        raise DomainError("Cet enfant n'est pas de cette famille.", "child_id")
    quantity, unit_price = data.get("quantity"), data.get("unit_price")
    if quantity is None or quantity <= 0:
        raise DomainError("La quantité est positive.", "quantity")
    if unit_price is None or unit_price == 0:
        raise DomainError("Le prix unitaire est obligatoire (négatif pour une correction en faveur de la famille).",
                          "unit_price")
    amount = (quantity * unit_price).quantize(CENT, rounding=ROUND_HALF_UP)  # as a computed line rounds
    invoice = db.session.scalar(sa.select(Invoice).where(Invoice.batch_id == batch.id, Invoice.family_id == family.id)
                                .with_for_update())
    if invoice is None:
        period = batch.period
        invoice = Invoice(batch_id=batch.id, regie_id=batch.regie_id, family_id=family.id,
                          fiscal_year=period.fiscal_year, kind=InvoiceKind.INVOICE, status=InvoiceStatus.DRAFT,
                          issued_on=period.invoice_date, due_on=period.due_date, total=ZERO)
        db.session.add(invoice)
    invoice.lines.append(InvoiceLine(child_id=child.id if child else None, activity_id=activity.id,
                                     kind=LineKind.CONSUMPTION, label=label[:200],
                                     accounting_code=activity.accounting_code, unit_price=unit_price,
                                     quantity=quantity, amount=amount, items=[], manual=True))
    invoice.total += amount
    # A total below zero makes the draft a credit note, by the table's own rule.
    invoice.kind = InvoiceKind.CREDIT_NOTE if invoice.total < 0 else InvoiceKind.INVOICE
    db.session.flush()
    record("add_line", "invoice", invoice, {"ligne": [None, label], "montant": [None, str(amount)],
                                            "famille": [None, family.label]},
           organisation_id=batch.period.organisation_id)
    return invoice
