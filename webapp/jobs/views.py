"""A job's progress, polled by its page through htmx while it runs."""

from __future__ import annotations

from typing import Any

from flask import g

from webapp import db
from webapp.auth.access import requires, tenant_blueprint
from webapp.htmx import render
from webapp.jobs.models import JOB_STATUS_LABELS, Job

bp = tenant_blueprint("jobs", __name__, "/travaux")


@bp.get("/<int:job_id>")
@requires("billing.view")
def progress(job_id: int) -> Any:
    job = db.get_or_404(Job, job_id, organisation_id=g.org.id)
    return render("jobs/progress.html", "progress", job=job, status_labels=JOB_STATUS_LABELS)
