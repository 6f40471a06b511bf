"""The counter's books: family accounts and their entries, payments and refunds, how they settle
invoices, cancellations, write-offs, deposit slips, cash closings and closed school years.

Nothing here is ever updated or deleted except an account's running balance, an invoice's settled
amounts and a provisional slip's content: every correction is a new row (a closed day is reopened by one).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.db import Base, enum_column, utcnow
from webapp.families.models import Family
from webapp.invoicing.models import Invoice
from webapp.organisations.models import Regie
from webapp.labels import Labelled

MONEY = sa.Numeric(12, 2)


class Account(Base):
    """A family's account at one régie; `balance` is the sum of its entries (positive: the family owes)."""

    __tablename__ = "accounts"
    __table_args__ = (sa.UniqueConstraint("regie_id", "family_id", name="uq_accounts_regie_id_family_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"))
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))

    regie: Mapped[Regie] = relationship()
    family: Mapped[Family] = relationship()

    def __str__(self) -> str:
        return f"Compte de {self.family.label} · {self.regie.name}"


class EntryKind(Labelled):
    INVOICE = "facture", "Facture"
    CREDIT_NOTE = "avoir", "Avoir"
    PAYMENT = "paiement", "Règlement"
    REFUND = "remboursement", "Remboursement"
    CANCELLATION = "annulation", "Annulation"
    WRITE_OFF = "non_valeur", "Non-valeur"
    CARRY_FORWARD = "report", "Report à nouveau"
    TITLE = "titre", "Mise en titre"


class AccountEntry(Base):
    """One movement on an account: what the family owes goes up (positive) or down (negative)."""

    __tablename__ = "account_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    kind: Mapped[EntryKind] = enum_column(EntryKind)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    booked_on: Mapped[date]
    school_year: Mapped[int] = mapped_column(index=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    write_off_id: Mapped[int | None] = mapped_column(sa.ForeignKey("write_offs.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    account: Mapped[Account] = relationship()


class PaymentKind(enum.StrEnum):
    PAYMENT = "encaissement"
    REFUND = "remboursement"


class PaymentMode(Labelled):
    CASH = "especes", "Espèces"
    CHEQUE = "cheque", "Chèque"
    TRANSFER = "virement", "Virement"
    CARD = "carte", "Carte bancaire"
    VOUCHER = "bon", "Bon, chèque-vacances ou CESU"
    DIRECT_DEBIT = "prelevement", "Prélèvement"
    ONLINE_CARD = "payfip_carte", "Carte bancaire en ligne (PayFiP)"
    ONLINE_DEBIT = "payfip_prelevement", "Prélèvement en ligne (PayFiP)"


# What an agent records at the counter; the online modes are booked only from PayFiP's answer.
COUNTER_MODES = (PaymentMode.CASH, PaymentMode.CHEQUE, PaymentMode.TRANSFER, PaymentMode.CARD, PaymentMode.VOUCHER)
# What is carried to the bank (or to the voucher centre) on a deposit slip; PayFiP's collections are reconciled
# with the treasury's statement on a slip of their own mode.
SLIP_MODES = (PaymentMode.CASH, PaymentMode.CHEQUE, PaymentMode.VOUCHER, PaymentMode.ONLINE_CARD,
              PaymentMode.ONLINE_DEBIT)


class Payment(Base):
    """Money received from a family (an encaissement) or paid back to it (a remboursement); always positive."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("mode <> 'cheque' OR kind <> 'encaissement' OR cheque_number <> ''",
                           name="cheque_has_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    kind: Mapped[PaymentKind] = enum_column(PaymentKind, default=PaymentKind.PAYMENT)
    mode: Mapped[PaymentMode] = enum_column(PaymentMode)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    received_on: Mapped[date] = mapped_column(index=True)
    school_year: Mapped[int]
    bank: Mapped[str] = mapped_column(sa.String(80), default="")
    holder: Mapped[str] = mapped_column(sa.String(120), default="")
    cheque_number: Mapped[str] = mapped_column(sa.String(20), default="")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The reason a refund is paid out.
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    receipt_number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    regie: Mapped[Regie] = relationship()
    family: Mapped[Family] = relationship()
    account: Mapped[Account] = relationship()
    created_by: Mapped[User | None] = relationship()
    allocations: Mapped[list[Allocation]] = relationship(back_populates="payment", order_by="Allocation.id")
    cancellation: Mapped[Cancellation | None] = relationship(back_populates="payment")
    slip_item: Mapped[SlipItem | None] = relationship(back_populates="payment")

    @property
    def signed_amount(self) -> Decimal:
        """What the payment did to the family's balance."""
        return -self.amount if self.kind is PaymentKind.PAYMENT else self.amount

    def __str__(self) -> str:
        what = "Règlement" if self.kind is PaymentKind.PAYMENT else "Remboursement"
        return f"{what} n° {self.id} du {self.received_on:%d/%m/%Y}"


class Cancellation(Base):
    """A payment or refund undone (a bounced cheque, a mistake): the payment row itself stays as it was."""

    __tablename__ = "cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    cancelled_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    payment: Mapped[Payment] = relationship(back_populates="cancellation")
    created_by: Mapped[User | None] = relationship()


class Allocation(Base):
    """Part of a payment, or of the family's credit (no payment), settling an invoice. A cancellation adds
    a negative allocation pointing at the one it reverses; their sum per invoice is `invoice.paid`."""

    __tablename__ = "allocations"
    __table_args__ = (sa.CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("allocations.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    invoice: Mapped[Invoice] = relationship()
    payment: Mapped[Payment | None] = relationship(back_populates="allocations")


class WriteOffKind(Labelled):
    UNRECOVERABLE = "non_valeur", "Admission en non-valeur (créance irrécouvrable)"
    EXTINGUISHED = "eteinte", "Créance éteinte (surendettement, liquidation)"
    REMITTED = "remise_gracieuse", "Remise gracieuse"
    MINIMAL = "seuil", "Montant inférieur au seuil de recouvrement"


class WriteOff(Base):
    __tablename__ = "write_offs"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    kind: Mapped[WriteOffKind] = enum_column(WriteOffKind)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(sa.Text)
    written_on: Mapped[date]
    school_year: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    invoice: Mapped[Invoice] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"Non-valeur sur {self.invoice}"


class SlipStatus(enum.StrEnum):
    PROVISIONAL = "provisoire"
    FINAL = "definitif"


class DepositSlip(Base):
    """A bordereau de remise: payments of one mode carried to the bank together. Final means numbered and
    frozen for ever."""

    __tablename__ = "deposit_slips"
    __table_args__ = (
        sa.CheckConstraint("(status = 'definitif') = (number IS NOT NULL AND total IS NOT NULL)",
                           name="final_is_numbered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    mode: Mapped[PaymentMode] = enum_column(PaymentMode)
    status: Mapped[SlipStatus] = enum_column(SlipStatus, default=SlipStatus.PROVISIONAL)
    number: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    total: Mapped[Decimal | None] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    finalized_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finalized_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    regie: Mapped[Regie] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    finalized_by: Mapped[User | None] = relationship(foreign_keys=[finalized_by_id])
    items: Mapped[list[SlipItem]] = relationship(back_populates="slip", order_by="SlipItem.payment_id")

    @property
    def final(self) -> bool:
        return self.status is SlipStatus.FINAL

    def __str__(self) -> str:
        return f"Bordereau {self.number}" if self.number else f"Bordereau provisoire n° {self.id}"


class SlipItem(Base):
    """A payment on a slip: its primary key is the payment, so a payment is on one slip at most."""

    __tablename__ = "slip_items"

    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), primary_key=True)
    slip_id: Mapped[int] = mapped_column(sa.ForeignKey("deposit_slips.id"), index=True)

    slip: Mapped[DepositSlip] = relationship(back_populates="items")
    payment: Mapped[Payment] = relationship(back_populates="slip_item")


class CashClosing(Base):
    """The régisseur's count of a day's cash: the difference with the books is kept, whatever it is. A day
    reopened (`CashReopening`) and closed again gets its next `attempt`; only the last one can be live."""

    __tablename__ = "cash_closings"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "day", "attempt", name="uq_cash_closings_regie_id_day_attempt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"))
    day: Mapped[date]
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")
    expected_cash: Mapped[Decimal] = mapped_column(MONEY)
    counted_cash: Mapped[Decimal] = mapped_column(MONEY)
    difference: Mapped[Decimal] = mapped_column(MONEY)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()
    reopening: Mapped[CashReopening | None] = relationship(back_populates="closing")

    def __str__(self) -> str:
        return f"Caisse du {self.day:%d/%m/%Y}"


class CashReopening(Base):
    """A closed day opened again by a régisseur, for a stated reason; its closing stays as it was counted."""

    __tablename__ = "cash_reopenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    closing_id: Mapped[int] = mapped_column(sa.ForeignKey("cash_closings.id"), unique=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    closing: Mapped[CashClosing] = relationship(back_populates="reopening")
    created_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"Réouverture de la caisse du {self.closing.day:%d/%m/%Y}"


class SchoolYearClosure(Base):
    """A school year whose balances were carried forward: nothing more is booked in it."""

    __tablename__ = "school_year_closures"
    __table_args__ = (sa.UniqueConstraint("regie_id", "school_year", name="uq_school_year_closures_regie_id_school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"))
    school_year: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    def __str__(self) -> str:
        return f"Année scolaire {self.school_year}-{self.school_year + 1}"
