"""The batch's long work, done by the job runner: computing a large batch, its documents, its e-mails."""

from __future__ import annotations

from flask import url_for

from webapp import db
from webapp.invoicing.documents import write_batch_pdf, write_batch_zip, write_in_background
from webapp.invoicing.models import Batch
from webapp.invoicing.notices import notify_batch
from webapp.invoicing.services import compute_batch
from webapp.jobs import services as jobs
from webapp.jobs.models import Job


def _batch_page(job: Job) -> str:
    return url_for("invoicing.batch", org_id=job.organisation_id, batch_id=job.batch_id)


def start(kind: str, batch: Batch) -> Job:
    """Queue one of these jobs on the batch."""
    return jobs.start_job(kind, organisation_id=batch.period.organisation_id, regie_id=batch.regie_id,
                          batch_id=batch.id)


@jobs.register("compute", "Calcul du lot", "billing.run", _batch_page)
def compute_in_background(job: Job) -> str:
    invoices = compute_batch(db.session.get(Batch, job.batch_id))
    job.total = job.done = len(invoices)
    return f"{len(invoices)} facture(s) calculée(s)."


jobs.register("notify", "Envoi des factures par e-mail", "billing.run", _batch_page)(notify_batch)
jobs.register("pdf", "PDF du lot", "billing.view", _batch_page)(
    lambda job: write_in_background(job, write_batch_pdf, "pdf", False))
jobs.register("pdf_detail", "PDF détaillé du lot", "billing.view", _batch_page)(
    lambda job: write_in_background(job, write_batch_pdf, "pdf", True))
jobs.register("zip", "ZIP des factures", "billing.view", _batch_page)(
    lambda job: write_in_background(job, write_batch_zip, "zip", False))
