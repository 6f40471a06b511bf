"""A job's progress, polled by its page through htmx while it runs."""

from __future__ import annotations

from typing import Any

from flask import abort, g, send_file

from webapp import db
from webapp.auth.access import requires, tenant_blueprint
from webapp.htmx import render
from webapp.jobs.models import JOB_STATUS_LABELS, Job, JobStatus
from webapp.jobs.services import export_folder

bp = tenant_blueprint("jobs", __name__, "/travaux")


@bp.get("/<int:job_id>")
@requires("billing.view")
def progress(job_id: int) -> Any:
    job = db.get_or_404(Job, job_id, organisation_id=g.org.id)
    return render("jobs/progress.html", "progress", job=job, status_labels=JOB_STATUS_LABELS)


@bp.get("/<int:job_id>/fichier")
@requires("billing.view")
def download(job_id: int) -> Any:
    job = db.get_or_404(Job, job_id, organisation_id=g.org.id)
    path = export_folder() / job.result if job.result else None
    if job.status is not JobStatus.DONE or path is None or not path.exists():
        abort(404)
    return send_file(path, as_attachment=True, download_name=job.result)
