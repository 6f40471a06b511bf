"""The job runner's side of long work: starting a job, running it step by step with visible progress and a
heartbeat, failing it when it dies. What a job does is its area's: each area registers its kinds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from webapp import db
from webapp.audit.services import actor_id
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.jobs.models import Job, JobStatus
from webapp.jobs.queue import huey


@dataclass(frozen=True)
class JobKind:
    label: str
    run: Callable[[Job], str]  # does the work, says how it went
    permission: str  # what starting it (again) takes
    page: Callable[[Job], str]  # where its work is seen: the page it was started from


KINDS: dict[str, JobKind] = {}


def register(name: str, label: str, permission: str, page: Callable[[Job], str]) -> Callable[
        [Callable[[Job], str]], Callable[[Job], str]]:
    """Declare a kind of job: the decorated function does its work when the runner performs it."""

    def decorator(run: Callable[[Job], str]) -> Callable[[Job], str]:
        KINDS[name] = JobKind(label, run, permission, page)
        return run

    return decorator


class JobInterrupted(Exception):
    """Someone marked the job failed while it ran (it looked stale): it stops, and its restart goes on alone."""


@huey.task()
def run_job(job_id: int) -> None:
    """The runner's side of a job: see `perform`."""
    perform(job_id)


def stale_after() -> timedelta:
    return timedelta(minutes=current_app.config["JOB_STALE_MINUTES"])


def is_stale(job: Job) -> bool:
    return job.stale(stale_after())


def fail_stale(batch_id: int | None = None) -> int:
    """Jobs that will not finish by themselves are failed, so that their lot is free and they can start again."""
    stale = [job for job in db.session.scalars(sa.select(Job).where(
        Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]), *([Job.batch_id == batch_id] if batch_id else [])))
        if is_stale(job)]
    for job in stale:
        job.status, job.finished_at = JobStatus.FAILED, utcnow()
        job.message = ("Interrompu : le travail ne donnait plus signe de vie (serveur redémarré ?). "
                       "Relancez-le.")
    return len(stale)


def beat(job: Job) -> None:
    """A step done: the page sees the progress, and the job shows it is alive (or learns it was given up)."""
    job.heartbeat_at = utcnow()
    db.session.commit()
    db.session.refresh(job, ["status"])
    if job.status is not JobStatus.RUNNING:
        raise JobInterrupted("le travail a été marqué interrompu pendant qu'il tournait ; sa relance continue.")


def start_job(kind: str, *, organisation_id: int, regie_id: int, batch_id: int | None = None, source: str = "") -> Job:
    """Queue a job of the kind on a lot (or on a `source`: a file, a reminder run); the runner gets it once this
    transaction has committed."""
    if kind not in KINDS:
        raise DomainError(f"Travail inconnu : {kind}.")
    fail_stale(batch_id)
    job = Job(organisation_id=organisation_id, regie_id=regie_id, kind=kind, batch_id=batch_id, source=source,
              created_at=utcnow(), created_by_id=actor_id())
    try:
        with db.session.begin_nested():  # one of a kind at a time on a lot or a source (unique indexes say so)
            db.session.add(job)
    except sa.exc.IntegrityError:
        raise DomainError("Ce travail est déjà en cours : suivez sa progression ci-dessous.") from None
    job_id = job.id
    db.after_commit(lambda: run_job(job_id))
    return job


def restart(job: Job) -> Job:
    return start_job(job.kind, organisation_id=job.organisation_id, regie_id=job.regie_id, batch_id=job.batch_id,
                     source=job.source)


def perform(job_id: int) -> Job | None:
    """Run a queued job; each step commits so its page sees the progress."""
    with db.as_writer():
        claimed = db.session.execute(sa.update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                                     .values(status=JobStatus.RUNNING, heartbeat_at=utcnow())).rowcount
        db.session.commit()
        if not claimed:  # taken by another runner, or given up meanwhile: nothing to do
            return db.session.get(Job, job_id)
        job = db.session.get(Job, job_id)
        db.session.refresh(job)
        try:
            job.message = KINDS[job.kind].run(job)
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


def write_result(job: Job, filename: str, write: Callable[[Path, Callable[[int], None]], None]) -> None:
    """The file a job produces, under the export folder in a folder of the job's own (two jobs may name their files
    alike): `write` gets its path and a progress callback that shows how many items are done. A failure leaves no
    file: half a file must not look like a result."""

    def progress(done: int) -> None:
        job.done = done
        beat(job)

    name = f"{job.id}/{filename}"
    path = export_folder() / name
    path.parent.mkdir(exist_ok=True)
    try:
        write(path, progress)
    except BaseException:
        path.unlink(missing_ok=True)
        path.parent.rmdir()
        raise
    job.result = name


def export_folder() -> Path:
    """Where jobs leave the files they produce, until they are downloaded."""
    folder = Path(current_app.config["EXPORT_FOLDER"] or Path(current_app.instance_path) / "exports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
