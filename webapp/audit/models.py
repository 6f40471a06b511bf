"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_organisation_id_at", "organisation_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    # The actor's name is copied so the entry still reads right after the user is renamed.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    actor: Mapped[str] = mapped_column(sa.String(120))
    action: Mapped[str] = mapped_column(sa.String(40))
    entity_type: Mapped[str] = mapped_column(sa.String(40), index=True)
    entity_id: Mapped[int | None]
    entity_label: Mapped[str] = mapped_column(sa.String(200), default="")
    # {field: [before, after]}, JSON-safe values (Decimal and dates as strings).
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
