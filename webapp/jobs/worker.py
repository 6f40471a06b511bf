"""The job runner's entry point: `huey_consumer webapp.jobs.worker.huey`. One app for the process: each worker
thread works inside its context, and each task ends with its database session closed. Importing the app
imports every area, and with them the tasks they declare on the queue."""

from __future__ import annotations

from typing import Any

from webapp import create_app, db, housekeeping  # noqa: F401 (housekeeping declares the hourly task)
from webapp.jobs.queue import huey

app = create_app()


@huey.on_startup()
def _enter_app() -> None:
    app.app_context().push()


@huey.post_execute()
def _close_session(_task: Any, _value: Any, _error: BaseException | None) -> None:
    db.session.remove()
