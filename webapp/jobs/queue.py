"""The job queue: huey, with its queue in an SQLite file by default (no server to run, only the consumer
`make run` starts beside the web server); on a shared server REGIE_JOBS_REDIS_URL puts it in Redis. Areas
declare their tasks on it; `webapp.jobs.worker` is the consumer's entry point."""

from __future__ import annotations

import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey
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
