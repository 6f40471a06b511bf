"""What a shared server tidies by itself, every hour, as a periodic job of the runner: nothing here is money,
only what would otherwise pile up or stay stuck."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from huey import crontab

from webapp import db, submissions
from webapp.auth.services import purge_attempts
from webapp.imports.services import purge_previews
from webapp.jobs.queue import huey
from webapp.jobs.services import fail_stale

PREVIEWS_KEEP = timedelta(days=1)


def tidy() -> dict[str, int]:
    """How many of each were removed or closed; the caller commits."""
    return {
        "login_attempts": purge_attempts(timedelta(days=current_app.config["LOGIN_ATTEMPTS_KEEP_DAYS"])),
        "submissions": submissions.purge(),
        "import_previews": purge_previews(PREVIEWS_KEEP),
        "stale_jobs": fail_stale(),
    }


@huey.periodic_task(crontab(minute="7"))
def hourly() -> None:
    with db.as_writer():
        tidy()
        db.session.commit()
