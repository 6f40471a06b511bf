"""A big bank file (thousands of movements) is imported by the job runner, still in one transaction: the page
follows its progress. On PostgreSQL the progress is written through a connection of its own while the import's
transaction is open; SQLite has one writer at a time, so there the bar moves when the import is done."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import url_for

from webapp import db
from webapp.bank import services
from webapp.bank.models import MovementStatus
from webapp.imports.services import preview_folder, stored_path
from webapp.jobs import services as jobs
from webapp.jobs.models import Job
from webapp.organisations.models import Regie

KIND = "bank_import"


def summary(imported: services.Imported) -> str:
    plan = imported.plan
    known = f" ; {plan.known} déjà connu(s), ignoré(s)" if plan.known else ""
    return (f"{plan.new} mouvement(s) importé(s) : {imported.booked} paiement(s) accepté(s), {imported.rejected} "
            f"rejeté(s) à corriger, {plan.count(MovementStatus.DEBIT)} débit(s){known}.")


def recent(organisation_id: int, regie_ids: set[int]) -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(
        Job.organisation_id == organisation_id, Job.kind == KIND, Job.regie_id.in_(regie_ids))
        .order_by(Job.id.desc()).limit(3)))


def start(regie: Regie, filename: str, content_hash: str) -> Job:
    return jobs.start_job(KIND, organisation_id=regie.organisation_id, regie_id=regie.id,
                          source=f"{content_hash}:{filename}")


def _progress(job: Job) -> Callable[[int, int], None] | None:
    if not db.on_postgresql():
        return None
    bind = db.session.get_bind()
    engine = getattr(bind, "engine", bind)  # a connection of its own, outside the import's transaction

    def report(done: int, total: int) -> None:
        with engine.begin() as connection:
            connection.execute(sa.update(Job).where(Job.id == job.id).values(done=done, total=total,
                                                                              heartbeat_at=db.utcnow()))

    return report


@jobs.register(KIND, "Import d'un relevé bancaire", "counter.take",
               lambda job: url_for("bank.index", org_id=job.organisation_id))
def import_in_background(job: Job) -> str:
    content_hash, _, filename = job.source.partition(":")
    path = stored_path(preview_folder(), content_hash)
    imported = services.import_file(db.session.get(Regie, job.regie_id), filename, path.read_bytes(),
                                    _progress(job))
    job.total = job.done = len(imported.plan.rows)
    db.after_commit(lambda: path.unlink(missing_ok=True))
    return summary(imported)
