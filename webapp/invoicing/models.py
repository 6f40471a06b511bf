"""Billing periods, batches (lots), invoices and their lines."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from webapp.auth.models import User
from webapp.db import Base, Timestamped, enum_column
from webapp.families.models import Child, Family
from webapp.labels import Labelled
from webapp.organisations.models import Organisation, Regie
from webapp.tariffs.models import Activity

period_activities = sa.Table(
    "period_activities",
    Base.metadata,
    sa.Column("period_id", sa.ForeignKey("billing_periods.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("activity_id", sa.ForeignKey("activities.id"), primary_key=True),
)


class BillingPeriod(Timestamped, Base):
    """What is billed together; its fiscal year is its own, not the invoice date's."""

    __tablename__ = "billing_periods"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates_ordered"),
        sa.CheckConstraint("due_date >= invoice_date", name="due_after_invoice"),
        sa.CheckConstraint(
            "regularisation_from IS NULL OR regularisation_from <= start_date", name="regularisation_before"
        ),
        sa.CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="fiscal_year_plausible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    start_date: Mapped[date]
    end_date: Mapped[date]
    invoice_date: Mapped[date]
    debit_date: Mapped[date | None]
    due_date: Mapped[date]
    regularisation_from: Mapped[date | None]
    fiscal_year: Mapped[int]
    # A correction period holds the credit notes that cancel invoices of the period it corrects.
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("billing_periods.id"), index=True)
    # A fees period bills one-off fees (a reminder's) in a lot born numbered (`invoicing.fees`): it bills no
    # attendance, is never computed, and its lot is neither debited nor rolled.
    fees_only: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    organisation: Mapped[Organisation] = relationship()
    corrects: Mapped[BillingPeriod | None] = relationship(remote_side=[id])
    # Empty: every activity of the régie.
    activities: Mapped[list[Activity]] = relationship(secondary=period_activities)
    batches: Mapped[list[Batch]] = relationship(back_populates="period")

    def __str__(self) -> str:
        return self.label


class BatchAction(enum.StrEnum):
    COMPUTE = "compute"
    DISCARD = "discard"
    NUMBER = "number"
    EXPORT = "export"


class BatchStatus(Labelled):
    """Where a batch is in its life, its members in that order; what may happen next is BATCH_TRANSITIONS'."""

    NEW = "nouveau", "Nouveau"
    COMPUTED = "calcule", "Calculé"
    NUMBERED = "numerote", "Numéroté"
    EXPORTED = "exporte", "Exporté"

    def may(self, action: BatchAction | str) -> bool:
        return self in BATCH_TRANSITIONS[BatchAction(action)].start

    def after(self, action: BatchAction) -> BatchStatus:
        """The status the action leads to; the services refuse a forbidden one first, in French."""
        if not self.may(action):
            raise ValueError(f"A batch {self.value} cannot {action.value}.")
        return BATCH_TRANSITIONS[action].end

    def reached(self, action: BatchAction) -> bool:
        """The action was taken: the batch is at the status it leads to, or further on."""
        order = list(BatchStatus)
        return order.index(self) >= order.index(BATCH_TRANSITIONS[action].end)

    @property
    def open(self) -> bool:
        """Still taking consumptions (attendance, imported files): computed again at will until numbered."""
        return self.may(BatchAction.COMPUTE)

    @property
    def computed(self) -> bool:
        """Computed at least once: the batch has its invoices, drafts until numbered."""
        return self.reached(BatchAction.COMPUTE)

    @property
    def numbered(self) -> bool:
        """Its invoices carry their final numbers: they are issued, sent and printed as such."""
        return self.reached(BatchAction.NUMBER)


@dataclass(frozen=True, slots=True)
class Transition:
    """An action on a batch: the statuses it may start from, and the one it leads to."""

    start: frozenset[BatchStatus]
    end: BatchStatus


# Every batch status change, in one place: the services, the import of canteen files and the pages ask it.
BATCH_TRANSITIONS: dict[BatchAction, Transition] = {
    BatchAction.COMPUTE: Transition(frozenset({BatchStatus.NEW, BatchStatus.COMPUTED}), BatchStatus.COMPUTED),
    # « Supprimer les factures »: the drafts go, the consumptions they billed stay to bill.
    BatchAction.DISCARD: Transition(frozenset({BatchStatus.NEW, BatchStatus.COMPUTED}), BatchStatus.NEW),
    BatchAction.NUMBER: Transition(frozenset({BatchStatus.COMPUTED}), BatchStatus.NUMBERED),
    BatchAction.EXPORT: Transition(frozenset({BatchStatus.NUMBERED}), BatchStatus.EXPORTED),
}



class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (sa.UniqueConstraint("period_id", "regie_id", name="uq_batches_period_id_regie_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("billing_periods.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    status: Mapped[BatchStatus] = enum_column(BatchStatus, default=BatchStatus.NEW)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    computed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    computed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    numbered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    numbered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    exported_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    exported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # « Suppression par seuil »: drafts under this total are left out of the lot, at each compute.
    threshold: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))

    period: Mapped[BillingPeriod] = relationship(back_populates="batches")
    regie: Mapped[Regie] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    computed_by: Mapped[User | None] = relationship(foreign_keys=[computed_by_id])
    numbered_by: Mapped[User | None] = relationship(foreign_keys=[numbered_by_id])
    exported_by: Mapped[User | None] = relationship(foreign_keys=[exported_by_id])
    invoices: Mapped[list[Invoice]] = relationship(back_populates="batch", order_by="Invoice.id")

    def __str__(self) -> str:
        return f"{self.period.label} · {self.regie.name}"


class InvoiceKind(enum.StrEnum):
    INVOICE = "facture"
    CREDIT_NOTE = "avoir"


class InvoiceStatus(enum.StrEnum):
    DRAFT = "brouillon"
    HELD = "en_attente"
    NUMBERED = "numerotee"


class Settlement(Labelled):
    CREDIT_NOTE = "avoir", "Avoir"
    NOT_ISSUED = "non_emise", "Non émise"
    PAID = "payee", "Payée"
    WRITTEN_OFF = "non_valeur", "Non-valeur"
    PARTLY_PAID = "partielle", "Partiellement payée"
    UNPAID = "impayee", "Impayée"
    CANCELLED = "annulee", "Annulée"
    TITLED = "titre", "Mise en titre (à payer au Trésor public)"

    @property
    def due(self) -> bool:
        return self in (Settlement.UNPAID, Settlement.PARTLY_PAID)


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "fiscal_year", "kind", "sequence",
                            name="uq_invoices_regie_id_fiscal_year_kind_sequence"),
        sa.UniqueConstraint("batch_id", "family_id", name="uq_invoices_batch_id_family_id"),
        sa.Index("ix_invoices_cancels_id", "cancels_id", unique=True),
        sa.CheckConstraint("(status = 'numerotee') = (number IS NOT NULL AND sequence IS NOT NULL)",
                           name="numbered_has_number"),
        sa.CheckConstraint("(kind = 'avoir') = (total < 0)", name="credit_note_is_negative"),
        # The last guard against two agents settling the same euro: never more than the invoice's total (within
        # half a cent: SQLite adds these NUMERIC values as floats, and 2.20 + 1.10 is not 3.30 there).
        sa.CheckConstraint("paid >= 0 AND written_off >= 0 AND (kind = 'avoir' AND paid = 0 AND written_off = 0"
                           " OR paid + written_off < total + 0.005)", name="settled_within_total"),
        # `titled` joins that sum in a trigger (regie_settled_within_total, migration 5377900e9a47): changing this
        # CHECK would rebuild `invoices` on SQLite, which the rows that name the invoices forbid.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"))
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    fiscal_year: Mapped[int]
    kind: Mapped[InvoiceKind] = enum_column(InvoiceKind, default=InvoiceKind.INVOICE)
    status: Mapped[InvoiceStatus] = enum_column(InvoiceStatus, default=InvoiceStatus.DRAFT)
    hold_reason: Mapped[str] = mapped_column(sa.Text, default="")
    sequence: Mapped[int | None]
    number: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    payment_reference: Mapped[str] = mapped_column(sa.String(40), default="")
    issued_on: Mapped[date]
    due_on: Mapped[date]
    total: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    # Kept by the counter: the sums of the invoice's allocations and write-offs.
    paid: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0.00"), server_default="0")
    written_off: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0.00"), server_default="0")
    # A credit note that cancels an invoice names it, with the reason; the invoice itself never changes.
    cancels_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Kept by the treasury: what a title took over (the family then owes it to the Trésor public, not the régie).
    titled: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2), default=Decimal("0.00"), server_default="0")

    batch: Mapped[Batch] = relationship(back_populates="invoices")
    cancels: Mapped[Invoice | None] = relationship(remote_side=[id], back_populates="cancelled_by")
    cancelled_by: Mapped[Invoice | None] = relationship(back_populates="cancels", uselist=False)
    family: Mapped[Family] = relationship()
    regie: Mapped[Regie] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.id", cascade="all, delete-orphan"
    )

    @property
    def outstanding(self) -> Decimal:
        return max(self.total - self.paid - self.written_off - self.titled, Decimal("0.00"))

    @property
    def settlement(self) -> Settlement:
        """Impayée, partiellement payée, payée (or written off): what the counter shows."""
        if self.kind is InvoiceKind.CREDIT_NOTE:
            return Settlement.CREDIT_NOTE
        if self.cancelled_by is not None:
            return Settlement.CANCELLED
        if self.status is not InvoiceStatus.NUMBERED:
            return Settlement.NOT_ISSUED
        if self.titled:
            return Settlement.TITLED
        if self.outstanding == 0:
            return Settlement.PAID if self.paid > 0 or self.total == 0 else Settlement.WRITTEN_OFF
        return Settlement.PARTLY_PAID if self.paid else Settlement.UNPAID

    def __str__(self) -> str:
        return self.number or f"Brouillon n° {self.id}"


def not_cancelled() -> sa.ColumnElement[bool]:
    """No credit note cancels the invoice: what the counter may still settle, and the lists call due."""
    credit_note = aliased(Invoice)
    return ~sa.exists().where(credit_note.cancels_id == Invoice.id)




class LineKind(enum.StrEnum):
    CONSUMPTION = "consommation"
    MONTHLY_FEE = "forfait"
    REGULARISATION = "regularisation"
    DISCOUNT = "reduction"
    FAMILY_FEE = "frais"


@dataclass(frozen=True, slots=True)
class LineItem:
    """One thing an invoice line bills: a day of attendance, or a row of an imported canteen file.

    The detailed invoice lists their days; numbering marks exactly these attendances and rows as billed. A
    regularisation item bills the difference (`amount`) and carries the attendance's new billed total
    (`billed`). Stored in `InvoiceLine.items` as {"id": attendance, "day": ISO date, "amount": "1.20"} (with
    "billed" for a regularisation), or {"consumption": row, "day", "amount"}.
    """

    day: date
    amount: Decimal
    attendance_id: int | None = None
    consumption_id: int | None = None
    billed: Decimal | None = None

    @property
    def billed_amount(self) -> Decimal:
        """What the attendance counts as billed once its invoice is numbered."""
        return self.amount if self.billed is None else self.billed

    def to_json(self) -> dict[str, int | str]:
        if self.consumption_id is not None:
            return {"consumption": self.consumption_id, "day": self.day.isoformat(), "amount": str(self.amount)}
        stored: dict[str, int | str] = {"id": self.attendance_id, "day": self.day.isoformat(), "amount": str(self.amount)}
        if self.billed is not None:
            stored["billed"] = str(self.billed)
        return stored

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> LineItem:
        billed = stored.get("billed")
        return cls(date.fromisoformat(stored["day"]), Decimal(stored["amount"]), stored.get("id"),
                   stored.get("consumption"), None if billed is None else Decimal(billed))


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int | None] = mapped_column(sa.ForeignKey("children.id"))
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"))
    kind: Mapped[LineKind] = enum_column(LineKind)
    label: Mapped[str] = mapped_column(sa.String(200))
    accounting_code: Mapped[str] = mapped_column(sa.String(20))
    unit_price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    # What the line bills: LineItem.to_json() of each (the templates list their "day").
    items: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # Added by an agent (a one-off charge, a correction): kept when the lot is computed again.
    manual: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    child: Mapped[Child | None] = relationship()
    activity: Mapped[Activity | None] = relationship()

    @property
    def line_items(self) -> list[LineItem]:
        return [LineItem.from_json(stored) for stored in self.items]


class InvoiceNotice(Base):
    """One e-mail telling a family its invoice is available: sent, or failed with the reason."""

    __tablename__ = "invoice_notices"
    __table_args__ = (sa.UniqueConstraint("invoice_id", name="uq_invoice_notices_invoice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"))
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id"))
    email: Mapped[str] = mapped_column(sa.String(254))
    sent: Mapped[bool]
    error: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
