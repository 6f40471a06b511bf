"""People who log in, what they are granted, the invitations that grant it, and their login attempts."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import Base, Timestamped, enum_column, utcnow
from webapp.organisations.models import Organisation, Regie
from webapp.labels import Labelled


class Role(Labelled):
    ADMIN = "administrateur", "Administrateur"
    REGISSEUR = "regisseur", "Régisseur"
    AGENT = "agent", "Agent (saisie)"
    READER = "lecteur", "Lecteur"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    is_operator: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every session and « remember me » cookie: drawing a new one ends them all.
    session_token: Mapped[str] = mapped_column(sa.String(40), default=new_session_token)
    # False while the password may be someone else's choice (set by an administrator before invitations): an
    # invitation then makes its owner choose one, proven by the mailbox.
    password_chosen_by_owner: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The last reset link sent: one per few minutes at most.
    reset_sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def open_memberships(self) -> list[Membership]:
        """The organisations this user may enter now: membership not suspended, organisation active."""
        return [m for m in self.memberships if m.active and m.organisation.active]

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
    """A user's role in one organisation; `regies` empty means every régie of it. An administrator suspends
    it (`active`) rather than the account, which may serve other organisations."""

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "organisation_id", name="uq_memberships_user_id_organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    role: Mapped[Role] = enum_column(Role)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    regies: Mapped[list[Regie]] = relationship(secondary=membership_regies, order_by=Regie.name)

    def visible_regies(self) -> list[Regie]:
        return self.regies or self.organisation.regies


class Invitation(Base):
    """An organisation's offer of a role, sent to an e-mail address: only whoever reads that mailbox can take it,
    so no organisation ever chooses or learns another person's password, nor which addresses have an account."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    full_name: Mapped[str] = mapped_column(sa.String(120), default="")
    role: Mapped[Role] = enum_column(Role)
    regie_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # SHA-256 of the token sent by e-mail: the database alone does not open the door.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()

    def __str__(self) -> str:
        return self.email


class AttemptOutcome(enum.StrEnum):
    FAILURE = "echec"
    SUCCESS = "succes"
    UNLOCK = "deblocage"  # an administrator ended the account's delay: failures before it no longer count


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (sa.Index("ix_login_attempts_email_at", "email", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    ip: Mapped[str] = mapped_column(sa.String(45), index=True)
    outcome: Mapped[AttemptOutcome] = enum_column(AttemptOutcome)
