"""A job's progress, polled by its page through htmx while it runs; its file; starting it again."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, g, send_file, url_for

from webapp import db
from webapp.auth.access import can, requires, tenant_blueprint, visible_regie_ids
from webapp.forms import attempt
from webapp.htmx import redirect_to, render
from webapp.invoicing.models import Batch
from webapp.jobs import services
from webapp.jobs.models import Job, JobStatus

bp = tenant_blueprint("jobs", __name__, "/travaux")
# Starting a job again needs what starting it needed.
RESTART_PERMISSIONS = {"compute": "billing.run", "notify": "billing.run", "pdf": "billing.view",
                       "pdf_detail": "billing.view", "zip": "billing.view"}


def _job(job_id: int) -> Job:
    """A job of a lot of one of the user's régies: the ids are sequential, the documents are not for everyone."""
    return db.first_or_404(sa.select(Job).join(Batch).where(
        Job.id == job_id, Job.organisation_id == g.org.id, Batch.regie_id.in_(visible_regie_ids())))


@bp.get("/<int:job_id>")
@requires("billing.view")
def progress(job_id: int) -> Any:
    job = _job(job_id)
    return render("jobs/progress.html", "progress", job=job)


@bp.get("/<int:job_id>/fichier")
@requires("billing.view")
def download(job_id: int) -> Any:
    job = _job(job_id)
    path = services.export_folder() / job.result if job.result else None
    if job.status is not JobStatus.DONE or path is None or not path.exists():
        abort(404)
    return send_file(path, as_attachment=True, download_name=job.result)


@bp.post("/<int:job_id>/relance")
@requires("billing.view")
def restart(job_id: int) -> Any:
    job = _job(job_id)
    if not can(RESTART_PERMISSIONS[job.kind]):
        abort(403)

    def start_again() -> None:
        again = services.start_job(job.kind, db.session.get(Batch, job.batch_id))
        services.run_job(again.id)  # the runner retries until this request has committed the job

    attempt(start_again, "Travail relancé : sa progression s'affiche ci-dessous.")
    return redirect_to(url_for("invoicing.batch", batch_id=job.batch_id))
