"""Payment plans (échéanciers): a family's chosen invoices at a régie, paid by instalments under the plan's own
payment reference.

A plan stores what was agreed and never what was received: its invoices with what each still owed when the plan
started, and its instalments (rank, due date, amount; their sum is the plan's total). What the family has paid
since is read from the books (see `services.progress`), so a payment from any channel — counter, bank statement,
direct debit — counts, and a cancelled payment counts no more. For the same reason « soldé » is not stored: a
plan in force whose invoices owe nothing is completed, and becomes in force again if a payment is cancelled.
The stored status only moves once, from « en cours » to « annulé » (with its reason); the invoices and
instalments are never changed (the database refuses it)."""

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

MONEY = sa.Numeric(12, 2)


class PlanStatus(Labelled):
    IN_FORCE = "en_cours", "En cours"
    CANCELLED = "annule", "Annulé"


class PlanFrequency(Labelled):
    MONTHLY = "mensuelle", "Mensuelle"
    DATES = "dates", "Dates choisies"


class PaymentPlan(Base):
    __tablename__ = "payment_plans"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "year", "sequence", name="uq_payment_plans_regie_id_year_sequence"),
        sa.CheckConstraint("total > 0", name="total_positive"),
        sa.CheckConstraint("status = 'en_cours' OR cancel_reason <> ''", name="cancelled_with_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(40))
    payment_reference: Mapped[str] = mapped_column(sa.String(40), index=True)
    status: Mapped[PlanStatus] = enum_column(PlanStatus, default=PlanStatus.IN_FORCE)
    frequency: Mapped[PlanFrequency] = enum_column(PlanFrequency)
    total: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    regie: Mapped[Regie] = relationship()
    family: Mapped[Family] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    invoices: Mapped[list[PlanInvoice]] = relationship(back_populates="plan", order_by="PlanInvoice.id")
    instalments: Mapped[list[PlanInstalment]] = relationship(back_populates="plan", order_by="PlanInstalment.rank")

    def __str__(self) -> str:
        return f"Échéancier {self.number}"


class PlanInvoice(Base):
    """An invoice of the plan, oldest first by id, with what it still owed when the plan started."""

    __tablename__ = "plan_invoices"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "invoice_id", name="uq_plan_invoices_plan_id_invoice_id"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_plans.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    plan: Mapped[PaymentPlan] = relationship(back_populates="invoices")
    invoice: Mapped[Invoice] = relationship()


class PlanInstalment(Base):
    __tablename__ = "plan_instalments"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "rank", name="uq_plan_instalments_plan_id_rank"),
        sa.CheckConstraint("rank > 0 AND amount > 0", name="rank_and_amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("payment_plans.id"), index=True)
    rank: Mapped[int]
    due_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(MONEY)

    plan: Mapped[PaymentPlan] = relationship(back_populates="instalments")
