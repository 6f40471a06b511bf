"""Reminders (relances) of unpaid invoices: the levels a régie configured, the disputed invoices set apart, and
the runs that chase what is due. A run stays a draft recomputed from the books until it is validated; the
reminders it then sent, and the invoices each one covered, are never updated nor deleted."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.db import Base, enum_column, utcnow
from webapp.families.models import Family
from webapp.invoicing.models import Invoice
from webapp.labels import Labelled
from webapp.organisations.models import Regie
from webapp.tariffs.models import Activity

MONEY = sa.Numeric(12, 2)


class ReminderLevel(Base):
    """Level `rank` of a régie's chase: when it is reached, from which amount, what it costs, what it says. The
    régie's levels (no activity) chase every invoice, unless an activity has levels of its own: they chase the
    invoices that bill that activity alone (`runs.level_set`)."""

    __tablename__ = "reminder_levels"
    __table_args__ = (
        # One rank per set: the régie's own levels (a partial index, NULLs being distinct), and each activity's.
        sa.Index("uq_reminder_levels_regie_id_rank", "regie_id", "rank", unique=True,
                 sqlite_where=sa.text("activity_id IS NULL"), postgresql_where=sa.text("activity_id IS NULL")),
        sa.UniqueConstraint("regie_id", "activity_id", "rank", name="uq_reminder_levels_regie_id_activity_id_rank"),
        sa.CheckConstraint("rank > 0 AND delay_days >= 0", name="rank_and_delay_positive"),
        sa.CheckConstraint("minimum_amount >= 0 AND fee >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    rank: Mapped[int]
    # Days after the due date, or after the previous level's reminder when `after_previous`.
    delay_days: Mapped[int]
    after_previous: Mapped[bool] = mapped_column(default=True)
    minimum_amount: Mapped[Decimal] = mapped_column(MONEY)
    fee: Mapped[Decimal] = mapped_column(MONEY)
    letter_text: Mapped[str] = mapped_column(sa.Text, default="")
    # The e-mail that carries the letter; empty: the default wording (levels.DEFAULT_EMAIL_TEXT).
    email_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    last: Mapped[bool] = mapped_column(default=False)

    regie: Mapped[Regie] = relationship()
    activity: Mapped[Activity | None] = relationship()

    def __str__(self) -> str:
        return f"Niveau {self.rank}" + (f" · {self.activity.name}" if self.activity_id and self.activity else "")


class InvoiceDispute(Base):
    """An invoice the family contests: no reminder chases it while the dispute stands (lifting it deletes the row,
    audited)."""

    __tablename__ = "invoice_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    invoice: Mapped[Invoice] = relationship()

    def __str__(self) -> str:
        return f"Contestation de la facture {self.invoice}"


class ReminderRunStatus(Labelled):
    DRAFT = "brouillon", "Brouillon"
    VALIDATED = "validee", "Validée"


class FamilyAtBailiff(Base):
    """A family whose debts at a régie a bailiff (huissier) collects: no reminder chases it there until it is lifted
    (lifting deletes the row; the audit keeps both reasons)."""

    __tablename__ = "families_at_bailiff"
    __table_args__ = (sa.UniqueConstraint("regie_id", "family_id", name="uq_families_at_bailiff_regie_id_family_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"))
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    family: Mapped[Family] = relationship()

    def __str__(self) -> str:
        return f"{self.family} chez l'huissier"


class RunMode(Labelled):
    """How a run groups what it chases (the screens of BL.enfance)."""

    BALANCE = "solde", "Par solde"
    CHILD = "enfant", "Par enfant"
    INVOICE = "facture", "Par facture"


class ReminderRun(Base):
    """One chase of a régie's unpaid invoices at a reference date, above a threshold, by balance, by child or by
    invoice; optionally only the invoices issued within a period."""

    __tablename__ = "reminder_runs"
    __table_args__ = (sa.CheckConstraint("threshold >= 0", name="threshold_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    status: Mapped[ReminderRunStatus] = enum_column(ReminderRunStatus, default=ReminderRunStatus.DRAFT)
    mode: Mapped[RunMode] = enum_column(RunMode, default=RunMode.BALANCE, server_default="solde")
    reference_date: Mapped[date]
    # The letters' date; empty on the runs opened before it was asked (their reminders carry the day).
    reminder_date: Mapped[date | None]
    issued_from: Mapped[date | None]
    issued_to: Mapped[date | None]
    threshold: Mapped[Decimal] = mapped_column(MONEY)
    # What the agent unticked (families; invoices in a run by invoice): the rest of the draft follows the books.
    excluded: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    validated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    validated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    regie: Mapped[Regie] = relationship()
    validated_by: Mapped[User | None] = relationship(foreign_keys=[validated_by_id])
    reminders: Mapped[list[Reminder]] = relationship(back_populates="run", order_by="Reminder.sequence")

    def __str__(self) -> str:
        return f"Relances au {self.reference_date:%d/%m/%Y}"


class ReminderChannel(Labelled):
    PAPER = "courrier", "Courrier"
    EMAIL = "email", "E-mail"


class Reminder(Base):
    """What one family was reminded of: its level, its amount, and its own payment reference. Its fee, when it has
    one, is billed as a numbered invoice of its own (`fee_invoice`), chased with the invoices: the amount claims
    both, and a payment to the reference settles the invoices first, then the fee."""

    __tablename__ = "reminders"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "year", "sequence", name="uq_reminders_regie_id_year_sequence"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("reminder_runs.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"))
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    level_id: Mapped[int] = mapped_column(sa.ForeignKey("reminder_levels.id"))
    rank: Mapped[int]
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(40))
    payment_reference: Mapped[str] = mapped_column(sa.String(40), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    sent_on: Mapped[date]
    pay_by: Mapped[date]
    # What the letter says, as the level said it when the run was validated: a level edited later (the law
    # changes the caps) does not rewrite the letters sent.
    last: Mapped[bool] = mapped_column(default=False)
    letter_text: Mapped[str] = mapped_column(sa.Text, default="")
    next_fee: Mapped[Decimal | None] = mapped_column(MONEY)
    fee: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"), server_default="0")
    fee_invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))
    # How it goes, decided at validation (an e-mail when the payer has an address): the delay to pay follows.
    channel: Mapped[ReminderChannel] = enum_column(ReminderChannel, default=ReminderChannel.PAPER,
                                                   server_default=ReminderChannel.PAPER.value)

    run: Mapped[ReminderRun] = relationship(back_populates="reminders")
    family: Mapped[Family] = relationship()
    level: Mapped[ReminderLevel] = relationship()
    fee_invoice: Mapped[Invoice | None] = relationship()
    invoices: Mapped[list[RemindedInvoice]] = relationship(back_populates="reminder", order_by="RemindedInvoice.id")
    # Loaded with the reminders: every list of them says how each went.
    email: Mapped[ReminderEmail | None] = relationship(back_populates="reminder", lazy="selectin")

    def __str__(self) -> str:
        return f"Relance {self.number}"


class RemindedInvoice(Base):
    """An invoice a reminder chased, with what it still owed then."""

    __tablename__ = "reminded_invoices"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(sa.ForeignKey("reminders.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    reminder: Mapped[Reminder] = relationship(back_populates="invoices")
    invoice: Mapped[Invoice] = relationship()


class ReminderEmailStatus(Labelled):
    WAITING = "en_attente", "En attente"
    SENT = "envoye", "Envoyé"
    FAILED = "echec", "Échec"


class ReminderEmail(Base):
    """The e-mail of a reminder sent by e-mail: waiting from the validation, then sent or failed with the reason
    (a failed one is tried again by the next sending, to the family's address of that day)."""

    __tablename__ = "reminder_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(sa.ForeignKey("reminders.id"), unique=True)
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id"))
    email: Mapped[str] = mapped_column(sa.String(254))
    status: Mapped[ReminderEmailStatus] = enum_column(ReminderEmailStatus, default=ReminderEmailStatus.WAITING)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    reminder: Mapped[Reminder] = relationship(back_populates="email")
