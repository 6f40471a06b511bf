"""A job's progress, polled by its page through htmx while it runs; its file; starting it again."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, g, send_file

from webapp import db
from webapp.auth.access import can, requires, tenant_blueprint, visible_regie_ids
from webapp.forms import attempt
from webapp.htmx import redirect_to, render
from webapp.jobs import services
from webapp.jobs.models import Job, JobStatus

bp = tenant_blueprint("jobs", __name__, "/travaux")


@bp.app_template_global()
def job_kind(job: Job) -> services.JobKind:
    """What the job is (its label) and where its work is seen (its page)."""
    return services.KINDS[job.kind]


bp.add_app_template_global(services.is_stale, "job_is_stale")


def _job(job_id: int) -> Job:
    """A job of one of the user's régies: the ids are sequential, the documents are not for everyone."""
    return db.first_or_404(sa.select(Job).where(
        Job.id == job_id, Job.organisation_id == g.org.id, Job.regie_id.in_(visible_regie_ids())))


@bp.get("/<int:job_id>")
@requires("billing.view")
def progress(job_id: int) -> Any:
    return render("jobs/progress.html", "progress", job=_job(job_id))


@bp.get("/<int:job_id>/fichier")
@requires("billing.view")
def download(job_id: int) -> Any:
    job = _job(job_id)
    path = services.export_folder() / job.result if job.result else None
    if job.status is not JobStatus.DONE or path is None or not path.exists():
        abort(404)
    return send_file(path, as_attachment=True, download_name=job.file_name)


@bp.post("/<int:job_id>/relance")
@requires("billing.view")
def restart(job_id: int) -> Any:
    job = _job(job_id)
    kind = services.KINDS[job.kind]
    if not can(kind.permission):
        abort(403)

    attempt(lambda: services.restart(job), "Travail relancé : sa progression s'affiche ci-dessous.")
    return redirect_to(kind.page(job))
