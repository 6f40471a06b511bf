"""Invoices as PDF (xhtml2pdf): one invoice, a whole batch in one file, or a ZIP of one file each."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.families.models import Family
from webapp.invoicing.models import Batch, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from webapp.jobs.models import Job
from webapp.jobs.services import beat, export_folder
from webapp.pdf import file_name, html_to_pdf, write_merged, write_zip


def debited_automatically(invoice: Invoice) -> bool:
    """Whether the invoice will be collected by direct debit, as its documents tell the family: only an active
    SEPA mandate of the family at the invoice's régie, not lapsed on the debit day, allows one, whatever the
    family's wish (`Family.direct_debit`)."""
    from webapp.debits.queries import collectable_on  # debits builds on invoicing, not the reverse

    day = invoice.batch.period.debit_date or invoice.due_on
    return invoice.kind is InvoiceKind.INVOICE and collectable_on(invoice.regie_id, invoice.family_id, day)


def _by_child(invoice: Invoice) -> dict[Any, list[InvoiceLine]]:
    groups: dict[Any, list[InvoiceLine]] = defaultdict(list)
    for line in invoice.lines:
        groups[line.child].append(line)
    return groups


def _html(invoices: Iterable[Invoice], detailed: bool) -> str:
    documents = [(invoice, _by_child(invoice)) for invoice in invoices]
    return render_template("invoicing/pdf/invoices.html", documents=documents, detailed=detailed)


def render_invoices(invoices: Iterable[Invoice], *, detailed: bool = False) -> bytes:
    """One PDF, one invoice per page group."""
    return html_to_pdf(_html(invoices, detailed))


def write_batch_pdf(invoices: Sequence[Invoice], path: Path, *, detailed: bool = False,
                    progress: Callable[[int], None] = lambda done: None, chunk: int = 100) -> None:
    """A whole batch into one file; `progress` hears how many invoices are done."""
    write_merged((_html(invoices[start:start + chunk], detailed) for start in range(0, len(invoices), chunk)), path,
                 lambda done: progress(min(done * chunk, len(invoices))))


def filename(invoice: Invoice) -> str:
    """« facture-cant-2026-000042.pdf »; a draft by its period and family, whose number tells it from a namesake."""
    kind = "avoir" if invoice.kind is InvoiceKind.CREDIT_NOTE else "facture"
    if invoice.number:
        return file_name(kind, invoice.number)
    return file_name(kind, "brouillon", invoice.batch.period.label, invoice.family.label, invoice.family.number)


def batch_filename(batch: Batch, suffix: str, detailed: bool) -> str:
    """« factures-novembre-2026-restauration.pdf »: what the file holds, the period and the régie."""
    return file_name("factures", "détaillées" if detailed else "", "" if batch.status.numbered else "brouillons",
                     batch.period.label, batch.regie.name, extension=suffix)


def write_batch_zip(invoices: Sequence[Invoice], path: Path, *, detailed: bool = False,
                    progress: Callable[[int], None] = lambda done: None) -> None:
    """One PDF per invoice in a ZIP."""
    write_zip(((filename(invoice), _html([invoice], detailed)) for invoice in invoices), path, progress)


#: A batch's invoices by family, as numbering gives their numbers: a batch reads the same before and after.
FAMILY_ORDER = (Family.label, Family.number, Invoice.id)


def printable_invoices(batch: Batch) -> list[Invoice]:
    """What a batch PDF or ZIP holds: every invoice but the held ones, with what the template reads."""
    return list(db.session.scalars(
        sa.select(Invoice).join(Invoice.family)
        .where(Invoice.batch_id == batch.id, Invoice.status != InvoiceStatus.HELD)
        .options(selectinload(Invoice.lines).selectinload(InvoiceLine.child),
                 selectinload(Invoice.family).selectinload(Family.guardians),
                 selectinload(Invoice.cancelled_by))  # the settlement the payment box and the QR code read
        .order_by(*FAMILY_ORDER)))


def write_in_background(job: Job, writer: Callable[..., None], suffix: str, detailed: bool) -> str:
    """A batch's PDF or ZIP written by the job runner, its progress shown as it goes; a failure leaves no file."""
    batch = db.session.get(Batch, job.batch_id)
    invoices = printable_invoices(batch)
    job.total = len(invoices)
    db.session.commit()

    def progress(done: int) -> None:
        job.done = done
        beat(job)

    name = f"{job.id}/{batch_filename(batch, suffix, detailed)}"  # a folder per job: two batches may share a name
    path = export_folder() / name
    path.parent.mkdir(exist_ok=True)
    try:
        writer(invoices, path, detailed=detailed, progress=progress)
    except BaseException:
        path.unlink(missing_ok=True)  # half a file must not look like a result
        path.parent.rmdir()
        raise
    job.result = name
    return f"{len(invoices)} facture(s) prêtes à télécharger."
