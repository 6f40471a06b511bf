"""Long work done in the background, with the progress its page shows."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import PurePosixPath

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.db import Base, aware, enum_column, utcnow
from webapp.labels import Labelled


class JobStatus(Labelled):
    QUEUED = "en_attente", "En attente"
    RUNNING = "en_cours", "En cours"
    DONE = "termine", "Terminé"
    FAILED = "echec", "Échec"


ACTIVE = "status IN ('en_attente', 'en_cours')"
ACTIVE_ON_SOURCE = f"{ACTIVE} AND source <> ''"


class Job(Base):
    __tablename__ = "jobs"
    # One job of a kind at a time on a lot, or on what else it works on (`source`): two agents clicking together,
    # or a restart while the first still runs, would e-mail every family twice.
    __table_args__ = (sa.Index("uq_jobs_batch_id_kind_active", "batch_id", "kind", unique=True,
                               sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE)),
                      sa.Index("uq_jobs_source_kind_active", "source", "kind", unique=True,
                               sqlite_where=sa.text(ACTIVE_ON_SOURCE), postgresql_where=sa.text(ACTIVE_ON_SOURCE)))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    # The régie whose users see the job (and its file), and the lot it works on.
    regie_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("batches.id"), index=True)
    status: Mapped[JobStatus] = enum_column(JobStatus, default=JobStatus.QUEUED)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Renewed at each step: a running job whose heartbeat stopped was killed (a restart, a crash), not slow.
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The file a job produced (a batch's PDF or ZIP), under the export folder.
    result: Mapped[str] = mapped_column(sa.String(200), default="")
    # What a job works on when it is not a lot: a bank statement waiting to be imported, a reminder run.
    source: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")

    created_by: Mapped[User | None] = relationship()

    @property
    def file_name(self) -> str:
        """The name the file downloads under: `result` is its path in the export folder."""
        return PurePosixPath(self.result).name

    @property
    def percent(self) -> int:
        return 100 if self.status is JobStatus.DONE else int(100 * self.done / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    def stale(self, after: timedelta) -> bool:
        """Running without a heartbeat for `after` (killed by a restart, a crash), or queued that long (its task
        lost with the queue): it will not finish by itself."""
        since = self.heartbeat_at if self.status is JobStatus.RUNNING else self.created_at
        return self.active and (since is None or aware(since) < utcnow() - after)
