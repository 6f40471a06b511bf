"""Invoices e-mailed to families by the job runner, in throttled groups, each family's outcome kept."""

from __future__ import annotations

from email.message import EmailMessage

import sqlalchemy as sa

from webapp import db, mail
from webapp.audit.services import record
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.invoicing.documents import filename, printable_invoices, render_invoices
from webapp.invoicing.models import Batch, Invoice, InvoiceNotice, InvoiceStatus
from webapp.jobs.models import Job


def address(family: Family) -> str:
    """Where a family's documents are e-mailed: its payer's address ("" when it has none: paper)."""
    return family.payer.email if family.payer else ""


def unnotified(batch: Batch) -> tuple[list[Invoice], list[Invoice]]:
    """The batch's numbered invoices not yet sent: (with an e-mail address, without one)."""
    sent = set(db.session.scalars(sa.select(InvoiceNotice.invoice_id).join(Invoice).where(
        Invoice.batch_id == batch.id, InvoiceNotice.sent.is_(True))))
    invoices = [i for i in printable_invoices(batch) if i.status is InvoiceStatus.NUMBERED and i.id not in sent]
    with_email = [i for i in invoices if address(i.family)]
    return with_email, [i for i in invoices if i not in with_email]


def _message(invoice: Invoice) -> EmailMessage:
    message = mail.compose(address(invoice.family), f"Votre facture {invoice.number} · {invoice.regie.name}",
                           "invoicing/invoice_email.txt", invoice=invoice)
    message.add_attachment(render_invoices([invoice]), maintype="application", subtype="pdf",
                           filename=filename(invoice))
    return message


def notify_batch(job: Job) -> str:
    """E-mail each family its invoice, in groups with a pause between them (mail servers throttle)."""
    batch = db.session.get(Batch, job.batch_id)
    if not batch.status.numbered:
        raise DomainError("Seules des factures numérotées s'envoient.")
    invoices, paper = unnotified(batch)
    job.total = len(invoices)
    db.session.commit()
    earlier = {n.invoice_id: n for n in db.session.scalars(  # failed before: this attempt replaces the record
        sa.select(InvoiceNotice).where(InvoiceNotice.invoice_id.in_([i.id for i in invoices])))}

    def keep(invoice: Invoice, error: str) -> None:
        notice = earlier.get(invoice.id) or InvoiceNotice(invoice_id=invoice.id)
        notice.job_id, notice.email, notice.sent = job.id, address(invoice.family), not error
        notice.error, notice.at = error, utcnow()
        db.session.add(notice)

    sent, failed = mail.send_in_groups(job, invoices, _message, keep)
    summary = f"{sent} e-mail(s) envoyé(s), {failed} échec(s), {len(paper)} famille(s) sans e-mail à imprimer."
    record("notify", "batch", batch, {"envoi": [None, summary]}, organisation_id=job.organisation_id)
    return summary
