"""Starting a job, running it step by step with visible progress, and the jobs themselves."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from webapp import db, mail
from webapp.audit.services import actor_id, record
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.invoicing.documents import filename, render_invoices, write_batch_pdf, write_batch_zip
from webapp.invoicing.models import Batch, BatchStatus, Invoice, InvoiceLine, InvoiceStatus
from webapp.invoicing.services import compute_batch
from webapp.jobs.models import InvoiceNotice, Job, JobStatus
from webapp.jobs.queue import huey


class JobNotReady(Exception):
    """The job row is not committed yet; the runner tries again a moment later."""


@huey.task(retries=5, retry_delay=1)  # the request that queued it may not have committed yet
def run_job(job_id: int) -> None:
    """The runner's side of a job: see `perform`."""
    perform(job_id)


def stale_after() -> timedelta:
    return timedelta(minutes=current_app.config["JOB_STALE_MINUTES"])


def is_stale(job: Job) -> bool:
    return job.stale(stale_after())


def fail_stale(batch_id: int | None = None) -> int:
    """Running jobs whose heartbeat stopped are failed, so that their lot is free and they can be started again."""
    stale = [job for job in db.session.scalars(sa.select(Job).where(
        Job.status == JobStatus.RUNNING, *([Job.batch_id == batch_id] if batch_id else [])))
        if is_stale(job)]
    for job in stale:
        job.status, job.finished_at = JobStatus.FAILED, utcnow()
        job.message = ("Interrompu : le travail ne donnait plus signe de vie (serveur redémarré ?). "
                       "Relancez-le.")
    return len(stale)


def beat(job: Job) -> None:
    """A step done: the page sees the progress, and the job shows it is alive."""
    job.heartbeat_at = utcnow()
    db.session.commit()


def start_job(kind: str, batch: Batch) -> Job:
    if kind not in KINDS:
        raise DomainError(f"Travail inconnu : {kind}.")
    fail_stale(batch.id)
    running = db.session.scalar(sa.select(Job).where(
        Job.batch_id == batch.id, Job.kind == kind, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])))
    if running is not None:
        raise DomainError("Ce travail est déjà en cours pour ce lot : suivez sa progression ci-dessous.")
    job = Job(organisation_id=batch.period.organisation_id, kind=kind, batch_id=batch.id, created_at=utcnow(),
              created_by_id=actor_id())
    db.session.add(job)
    db.session.flush()
    return job


def perform(job_id: int) -> Job:
    """Run a queued job; each step commits so its page sees the progress."""
    with db.as_writer():
        job = db.session.get(Job, job_id)
        if job is None:
            raise JobNotReady(job_id)
        job.status = JobStatus.RUNNING
        beat(job)
        try:
            job.message = KINDS[job.kind](job)
            job.status = JobStatus.DONE
        except Exception as error:  # the page must say it failed, whatever the cause
            db.session.rollback()
            job = db.session.get(Job, job_id)
            job.status = JobStatus.FAILED
            job.message = f"Échec : {error}"
            current_app.logger.exception("job %s failed", job_id)
        job.finished_at = utcnow()
        db.session.commit()
        return job


def unnotified(batch: Batch) -> tuple[list[Invoice], list[Invoice]]:
    """The batch's numbered invoices not yet sent: (with an e-mail address, without one)."""
    sent = set(db.session.scalars(sa.select(InvoiceNotice.invoice_id).join(Invoice).where(
        Invoice.batch_id == batch.id, InvoiceNotice.sent.is_(True))))
    invoices = [i for i in printable_invoices(batch) if i.status is InvoiceStatus.NUMBERED and i.id not in sent]
    with_email = [i for i in invoices if i.family.payer and i.family.payer.email]
    return with_email, [i for i in invoices if i not in with_email]


def _message(invoice: Invoice) -> EmailMessage:
    message = mail.compose(invoice.family.payer.email, f"Votre facture {invoice.number} · {invoice.regie.name}",
                           "jobs/invoice_email.txt", invoice=invoice)
    message.add_attachment(render_invoices([invoice]), maintype="application", subtype="pdf",
                           filename=filename(invoice))
    return message


def notify_batch(job: Job) -> str:
    """E-mail each family its invoice, in groups with a pause between them (mail servers throttle)."""
    batch = db.session.get(Batch, job.batch_id)
    if batch.status not in (BatchStatus.NUMBERED, BatchStatus.EXPORTED):
        raise DomainError("Seules des factures numérotées s'envoient.")
    invoices, paper = unnotified(batch)
    job.total = len(invoices)
    db.session.commit()
    size, pause = current_app.config["NOTIFY_GROUP_SIZE"], current_app.config["NOTIFY_GROUP_PAUSE"]
    earlier = {n.invoice_id: n for n in db.session.scalars(  # failed before: this attempt replaces the record
        sa.select(InvoiceNotice).where(InvoiceNotice.invoice_id.in_([i.id for i in invoices])))}
    sent = failed = 0
    for start in range(0, len(invoices), size):
        if start:
            time.sleep(pause)
        with mail.connect() as connection:
            for invoice in invoices[start:start + size]:
                error = ""
                try:
                    connection.send_message(_message(invoice))
                except (smtplib.SMTPException, OSError) as problem:
                    error = str(problem)
                notice = earlier.get(invoice.id) or InvoiceNotice(invoice_id=invoice.id)
                notice.job_id, notice.email, notice.sent = job.id, invoice.family.payer.email, not error
                notice.error, notice.at = error, utcnow()
                db.session.add(notice)
                sent, failed = sent + (not error), failed + bool(error)
                job.done += 1
        beat(job)
    summary = f"{sent} e-mail(s) envoyé(s), {failed} échec(s), {len(paper)} famille(s) sans e-mail à imprimer."
    record("notify", "batch", batch, {"envoi": [None, summary]}, organisation_id=job.organisation_id)
    return summary


def export_folder() -> Path:
    folder = Path(current_app.config["EXPORT_FOLDER"] or Path(current_app.instance_path) / "exports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def printable_invoices(batch: Batch) -> list[Invoice]:
    """What a batch PDF or ZIP holds: every invoice but the held ones, with what the template reads."""
    return list(db.session.scalars(
        sa.select(Invoice).where(Invoice.batch_id == batch.id, Invoice.status != InvoiceStatus.HELD)
        .options(selectinload(Invoice.lines).selectinload(InvoiceLine.child),
                 selectinload(Invoice.family).selectinload(Family.guardians))
        .order_by(Invoice.sequence, Invoice.id)))


def _document(job: Job, writer: Callable[..., None], suffix: str, detailed: bool) -> str:
    batch = db.session.get(Batch, job.batch_id)
    invoices = printable_invoices(batch)
    job.total = len(invoices)
    db.session.commit()

    def progress(done: int) -> None:
        job.done = done
        beat(job)

    name = f"lot-{batch.id}-{job.id}{'-detail' if detailed else ''}.{suffix}"
    try:
        writer(invoices, export_folder() / name, detailed=detailed, progress=progress)
    except BaseException:
        (export_folder() / name).unlink(missing_ok=True)  # half a file must not look like a result
        raise
    job.result = name
    return f"{len(invoices)} facture(s) prêtes à télécharger."


def compute_in_background(job: Job) -> str:
    invoices = compute_batch(db.session.get(Batch, job.batch_id))
    job.total = job.done = len(invoices)
    return f"{len(invoices)} facture(s) calculée(s)."


KINDS: dict[str, Callable[[Job], str]] = {
    "compute": compute_in_background,
    "notify": notify_batch,
    "pdf": lambda job: _document(job, write_batch_pdf, "pdf", False),
    "pdf_detail": lambda job: _document(job, write_batch_pdf, "pdf", True),
    "zip": lambda job: _document(job, write_batch_zip, "zip", False),
}
KIND_LABELS = {"compute": "Calcul du lot", "notify": "Envoi des factures par e-mail", "pdf": "PDF du lot", "pdf_detail": "PDF détaillé du lot",
               "zip": "ZIP des factures"}
