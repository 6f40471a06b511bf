"""Bank statements imported from CODA or OFX files, and each movement they carry: booked as a transfer payment,
rejected until an agent corrects it, set aside as not for the régie, or listed apart as a debit.

A movement's `identity` is unique per bank account: a file imported twice, or two exports that overlap, book
nothing twice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from regie_coda import ogm

from webapp.auth.models import User
from webapp.counter.models import MONEY, Payment
from webapp.db import Base, enum_column, utcnow
from webapp.families.models import Family
from webapp.invoicing.models import Invoice
from webapp.labels import Labelled
from webapp.organisations.models import Regie


class StatementFormat(Labelled):
    CODA = "coda", "CODA"
    OFX = "ofx", "OFX"


class MovementStatus(Labelled):
    ACCEPTED = "accepte", "Paiement accepté"
    REJECTED = "rejete", "Paiement rejeté"
    CORRECTED = "corrige", "Corrigé"
    NOT_FOR_REGIE = "hors_regie", "Pas pour la régie"
    DEBIT = "debit", "Débit"


class BankStatement(Base):
    """One statement of an imported file (a CODA file may hold several; an OFX file is one)."""

    __tablename__ = "bank_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    format: Mapped[StatementFormat] = enum_column(StatementFormat)
    account: Mapped[str] = mapped_column(sa.String(40), index=True)
    number: Mapped[str] = mapped_column(sa.String(20), default="")
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # OFX gives no opening balance.
    old_balance: Mapped[Decimal | None] = mapped_column(MONEY)
    old_balance_date: Mapped[date | None]
    new_balance: Mapped[Decimal | None] = mapped_column(MONEY)
    new_balance_date: Mapped[date | None]
    movement_count: Mapped[int] = mapped_column(default=0)
    known_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    regie: Mapped[Regie] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"Extrait {self.number or self.id} du compte {self.account}"


class BankMovement(Base):
    """One movement of a statement, as the bank wrote it, and what the régie did with it."""

    __tablename__ = "bank_movements"
    __table_args__ = (sa.UniqueConstraint("account", "identity", name="uq_bank_movements_account_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_statements.id"), index=True)
    account: Mapped[str] = mapped_column(sa.String(40))
    identity: Mapped[str] = mapped_column(sa.String(64))
    booked_on: Mapped[date]
    value_date: Mapped[date | None]
    amount: Mapped[Decimal] = mapped_column(MONEY)  # signed: a debit is negative
    communication: Mapped[str] = mapped_column(sa.Text, default="")
    structured_ref: Mapped[str] = mapped_column(sa.String(12), default="")
    counterparty_name: Mapped[str] = mapped_column(sa.String(120), default="")
    counterparty_account: Mapped[str] = mapped_column(sa.String(40), default="")
    bank_reference: Mapped[str] = mapped_column(sa.String(80), default="")
    status: Mapped[MovementStatus] = enum_column(MovementStatus, index=True)
    # Why it was rejected (for the agent), or why it is not for the régie, or what a debit looks like.
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))
    family_id: Mapped[int | None] = mapped_column(sa.ForeignKey("families.id"))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"), unique=True)
    handled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    statement: Mapped[BankStatement] = relationship()
    invoice: Mapped[Invoice | None] = relationship()
    family: Mapped[Family | None] = relationship()
    payment: Mapped[Payment | None] = relationship()
    handled_by: Mapped[User | None] = relationship()

    @property
    def text(self) -> str:
        """What the payer wrote: the structured communication, else the free text."""
        return ogm.format(self.structured_ref) if self.structured_ref else self.communication

    def __str__(self) -> str:
        return f"Mouvement du {self.booked_on:%d/%m/%Y} ({self.amount} €)"
