"""Background jobs on a shared server: seen only by whoever sees their lot, never stuck, never half a file."""

from __future__ import annotations

import os
from dataclasses import replace
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from webapp import db, housekeeping, make_engine
from webapp.auth.models import Role
from webapp.db import utcnow
from webapp.imports.services import preview_folder
from webapp.invoicing.models import Batch
from webapp.invoicing.documents import write_in_background
from webapp.invoicing.jobs import start as start_job
from webapp.jobs import services
from webapp.jobs.models import Job, JobStatus
from webapp.organisations.models import Organisation


@pytest.fixture
def world(make_world):
    return make_world()


def test_a_user_limited_to_one_regie_sees_no_job_of_another(login, world, make_user, make_regie, session):
    org = session.get(Organisation, world["org_id"])
    elsewhere = make_regie(org)
    client = login(make_user(org, Role.ADMIN, regies=[elsewhere]))
    base = f"/o/{org.id}/travaux/{world['job_id']}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/fichier").status_code == 404
    assert client.post_form(f"{base}/relance").status_code == 404


def _running(session, job_id, silent_for):
    job = session.get(Job, job_id)
    job.status, job.heartbeat_at = JobStatus.RUNNING, utcnow() - silent_for
    session.flush()
    return job


def test_a_job_whose_heartbeat_stopped_shows_as_interrupted_and_starts_again(app, login, world, make_user,
                                                                             session):
    org_id = world["org_id"]
    job = _running(session, world["job_id"], timedelta(minutes=app.config["JOB_STALE_MINUTES"] + 1))
    client = login(make_user(session.get(Organisation, org_id)))
    page = client.get(f"/o/{org_id}/travaux/{job.id}").get_data(as_text=True)
    assert "Interrompu" in page and "Relancer" in page and "every 1s" not in page
    assert client.post_form(f"/o/{org_id}/travaux/{job.id}/relance").status_code == 303
    jobs = session.scalars(sa.select(Job).where(Job.batch_id == world["batch_id"]).order_by(Job.id)).all()
    assert [j.status for j in jobs] == [JobStatus.FAILED, JobStatus.QUEUED]
    assert "Interrompu" in jobs[0].message


def test_a_slow_job_with_a_heartbeat_is_left_running(app, world, session):
    job = _running(session, world["job_id"], timedelta(minutes=1))
    with app.app_context():
        assert services.fail_stale() == 0
        with pytest.raises(Exception, match="déjà en cours"):
            start_job("notify", session.get(Batch, world["batch_id"]))
    assert job.status is JobStatus.RUNNING


def test_a_failed_document_leaves_no_half_file(app, world, session, monkeypatch, tmp_path):
    def half_then_crash(invoices, path, **_):
        path.write_bytes(b"%PDF-1.4 half")
        raise OSError("disque plein")

    monkeypatch.setitem(services.KINDS, "pdf", replace(
        services.KINDS["pdf"], run=lambda job: write_in_background(job, half_then_crash, "pdf", False)))
    monkeypatch.setitem(app.config, "EXPORT_FOLDER", str(tmp_path))
    with app.app_context():
        job = services.perform(start_job("pdf", session.get(Batch, world["batch_id"])).id)
    assert job.status is JobStatus.FAILED and "disque plein" in job.message
    assert list(tmp_path.iterdir()) == []


def test_a_job_takes_sqlites_write_lock_as_it_begins(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    begun = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *args: begun.append(statement) if "BEGIN" in statement else None)
    for writer in (False, True):
        with engine.connect() as connection:
            if writer:
                with db.as_writer(), connection.begin():
                    connection.exec_driver_sql("SELECT 1")
            else:
                with connection.begin():
                    connection.exec_driver_sql("SELECT 1")
    engine.dispose()
    assert begun == ["BEGIN", "BEGIN IMMEDIATE"]


def test_housekeeping_forgets_unconfirmed_previews_and_fails_stale_jobs(app, world, session):
    with app.app_context():
        folder = preview_folder()
        old, recent = folder / f"{'a' * 64}.tsv", folder / f"{'b' * 64}.tsv"
        for path in (old, recent):
            path.write_bytes(b"P1\t20260302\t20260306\t2\t\r\n")
        two_days_ago = time.time() - 2 * 86400
        os.utime(old, (two_days_ago, two_days_ago))
        _running(session, world["job_id"], timedelta(hours=1))
        counts = housekeeping.tidy()
    assert (counts["import_previews"], counts["stale_jobs"]) == (1, 1)
    assert not old.exists() and recent.exists()
    recent.unlink()


def test_a_job_whose_task_was_lost_in_the_queue_is_given_up_and_starts_again(app, world, session):
    job = session.get(Job, world["job_id"])
    job.created_at = utcnow() - timedelta(minutes=app.config["JOB_STALE_MINUTES"] + 1)  # still queued
    session.flush()
    with app.app_context():
        again = start_job("notify", session.get(Batch, world["batch_id"]))
    assert (job.status, again.status) == (JobStatus.FAILED, JobStatus.QUEUED)


def test_a_job_given_up_while_it_ran_stops_at_its_next_step(app, world, session):
    job = _running(session, world["job_id"], timedelta(0))
    job.status = JobStatus.FAILED  # someone restarted it meanwhile
    session.flush()
    with pytest.raises(services.JobInterrupted):
        services.beat(job)


def test_a_job_already_taken_by_a_runner_is_not_run_twice(app, world, session):
    _running(session, world["job_id"], timedelta(0))
    with app.app_context():
        assert services.perform(world["job_id"]).status is JobStatus.RUNNING  # untouched: the other runner has it
