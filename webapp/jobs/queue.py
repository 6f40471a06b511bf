"""The job runner: huey, with its queue in an SQLite file by default (no server to run, only the consumer
`make run` starts beside the web server); on a shared server REGIE_JOBS_REDIS_URL puts it in Redis."""

from __future__ import annotations

import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey


def _make() -> Huey:
    redis_url = os.environ.get("REGIE_JOBS_REDIS_URL")
    if redis_url:
        return RedisHuey("regie", url=redis_url)
    default = Path(__file__).resolve().parents[2] / "instance" / "jobs.sqlite3"
    path = Path(os.environ.get("REGIE_JOBS_SQLITE", default))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("regie", filename=str(path))


huey = _make()


@huey.task(retries=5, retry_delay=1)  # the request that queued it may not have committed yet
def run_job(job_id: int) -> None:
    """The consumer's entry point: one app, one session, one commit per step of the job."""
    from webapp import create_app
    from webapp.jobs.services import perform

    with create_app().app_context():
        perform(job_id)


@huey.task(retries=5, retry_delay=60)  # a mail server down for a few minutes loses nothing
def deliver_mail(message: bytes) -> None:
    from webapp import create_app
    from webapp.mail import deliver

    with create_app().app_context():
        deliver(message)


@huey.periodic_task(crontab(minute="7"))
def hourly_housekeeping() -> None:
    from webapp import create_app, db, housekeeping

    with create_app().app_context(), db.as_writer():
        housekeeping.tidy()
        db.session.commit()
