"""People who log in, what they are granted, and their login attempts."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import Base, Timestamped, enum_column, utcnow
from webapp.organisations.models import Organisation, Regie


class Role(enum.StrEnum):
    ADMIN = "administrateur"
    REGISSEUR = "regisseur"
    AGENT = "agent"
    READER = "lecteur"


ROLE_LABELS = {
    Role.ADMIN: "Administrateur",
    Role.REGISSEUR: "Régisseur",
    Role.AGENT: "Agent (saisie)",
    Role.READER: "Lecteur",
}


class User(UserMixin, Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    is_operator: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def membership_in(self, organisation_id: int) -> Membership | None:
        return next((m for m in self.memberships if m.organisation_id == organisation_id), None)

    def __str__(self) -> str:
        return self.full_name


membership_regies = sa.Table(
    "membership_regies",
    Base.metadata,
    sa.Column("membership_id", sa.ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("regie_id", sa.ForeignKey("regies.id", ondelete="CASCADE"), primary_key=True),
)


class Membership(Base):
    """A user's role in one organisation; `regies` empty means every régie of it."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "organisation_id", name="uq_memberships_user_id_organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    role: Mapped[Role] = enum_column(Role)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    regies: Mapped[list[Regie]] = relationship(secondary=membership_regies, order_by=Regie.name)

    def visible_regies(self) -> list[Regie]:
        return self.regies or self.organisation.regies


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    ip: Mapped[str] = mapped_column(sa.String(45), index=True)
    success: Mapped[bool]
