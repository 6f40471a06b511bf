"""Direct debits: a family's bank account and SEPA mandate at a régie, the debit run of a numbered lot, the
files `regie-sepa` built for it, and the bank's rejects.

A run transmitted and validated is never edited: its payments are cancelled (rollback, reject) by new rows; a
run not yet validated is deleted whole when cancelled, leaving nothing behind.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.counter.models import MONEY, Cancellation, Payment
from webapp.db import Base, Timestamped, enum_column, utcnow
from webapp.families.models import Family
from webapp.invoicing.models import Batch, Invoice
from webapp.labels import Labelled
from webapp.organisations.models import Regie


class DebtorAccount(Timestamped, Base):
    """The bank account a family's mandate debits at a régie; its holder may be another person than the payer."""

    __tablename__ = "debtor_accounts"
    __table_args__ = (sa.UniqueConstraint("regie_id", "family_id", name="uq_debtor_accounts_regie_id_family_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"))
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    holder: Mapped[str] = mapped_column(sa.String(70))
    iban: Mapped[str] = mapped_column(sa.String(34))
    bic: Mapped[str] = mapped_column(sa.String(11), default="")
    street: Mapped[str] = mapped_column(sa.String(70), default="")
    postcode: Mapped[str] = mapped_column(sa.String(16), default="")
    town: Mapped[str] = mapped_column(sa.String(35), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="FR")

    family: Mapped[Family] = relationship()
    regie: Mapped[Regie] = relationship()

    def __str__(self) -> str:
        return f"Compte de {self.holder} ({self.iban[:4]}…{self.iban[-4:]})"


class MandateState(Labelled):
    """Stored state; a mandate is also *lapsed* when 36 months pass without a collection (computed by the
    adapter from its dates, never stored)."""

    ACTIVE = "actif", "Actif"
    REVOKED = "revoque", "Révoqué"
    REPLACED = "remplace", "Remplacé"
    CLOSED = "clos", "Clos"


class Mandate(Base):
    """A SEPA mandate (recurrent, CORE): its RUM, where and when it was signed, and where its sequence stands.

    `amendment` is what the next collection must report (a change of account, as `regie_sepa` computes it);
    `previous` is its state before the last transmitted file, so that file can be rolled back. Both are the
    adapter's records as JSON.
    """

    __tablename__ = "mandates"
    __table_args__ = (sa.UniqueConstraint("regie_id", "reference", name="uq_mandates_regie_id_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("debtor_accounts.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(35))
    signed_on: Mapped[date]
    signed_at: Mapped[str] = mapped_column(sa.String(80), default="")
    migrated: Mapped[bool] = mapped_column(default=False)
    state: Mapped[MandateState] = enum_column(MandateState, default=MandateState.ACTIVE)
    last_collection_date: Mapped[date | None]
    last_sequence: Mapped[str | None] = mapped_column(sa.String(4))
    amendment: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    previous: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_reason: Mapped[str] = mapped_column(sa.Text, default="")

    account: Mapped[DebtorAccount] = relationship()
    family: Mapped[Family] = relationship()
    regie: Mapped[Regie] = relationship()

    def __str__(self) -> str:
        return f"Mandat {self.reference}"


class RunStatus(Labelled):
    PREPARED = "prepare", "Préparé"
    BUILT = "fichiers", "Fichiers construits"
    TRANSMITTED = "transmis", "Transmis"
    VALIDATED = "valide", "Validé"
    ROLLED_BACK = "annule", "Annulé après validation"

    @property
    def cancellable(self) -> bool:
        """Before its files reach the bank a run leaves nothing behind when cancelled; once transmitted, what the bank
        received is kept, and only validation, a bank reject or the rollback follow."""
        return self in (RunStatus.PREPARED, RunStatus.BUILT)


class DebitRun(Base):
    """The direct debits of one numbered lot at its régie: the invoices collected, the dates, the files."""

    __tablename__ = "debit_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id"), index=True)
    status: Mapped[RunStatus] = enum_column(RunStatus, default=RunStatus.PREPARED)
    first_date: Mapped[date]
    recurrent_date: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(140), default="")
    message_id: Mapped[str] = mapped_column(sa.String(30), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    built_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    transmitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    transmitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    validated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    validated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    rolled_back_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    rollback_reason: Mapped[str] = mapped_column(sa.Text, default="")

    regie: Mapped[Regie] = relationship()
    batch: Mapped[Batch] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    transmitted_by: Mapped[User | None] = relationship(foreign_keys=[transmitted_by_id])
    validated_by: Mapped[User | None] = relationship(foreign_keys=[validated_by_id])
    items: Mapped[list[DebitRunItem]] = relationship(back_populates="run", order_by="DebitRunItem.id",
                                                     cascade="all, delete-orphan")
    files: Mapped[list[DebitFile]] = relationship(back_populates="run", order_by="DebitFile.name",
                                                  cascade="all, delete-orphan")

    @property
    def collected(self) -> list[DebitRunItem]:
        return [item for item in self.items if not item.excluded]

    @property
    def excluded(self) -> list[DebitRunItem]:
        return [item for item in self.items if item.excluded]

    def __str__(self) -> str:
        return f"Prélèvements n° {self.id} · {self.batch}"


class DebitRunItem(Base):
    """An invoice of the lot: collected (its amount, sequence, mandate, end-to-end id), or left out for `excluded`."""

    __tablename__ = "debit_run_items"
    __table_args__ = (sa.UniqueConstraint("run_id", "invoice_id", name="uq_debit_run_items_run_id_invoice_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("debit_runs.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"))
    mandate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mandates.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    sequence: Mapped[str] = mapped_column(sa.String(4), default="")
    end_to_end_id: Mapped[str] = mapped_column(sa.String(35), default="")
    excluded: Mapped[str] = mapped_column(sa.String(200), default="")
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"), unique=True)

    run: Mapped[DebitRun] = relationship(back_populates="items")
    invoice: Mapped[Invoice] = relationship()
    family: Mapped[Family] = relationship()
    mandate: Mapped[Mandate | None] = relationship()
    payment: Mapped[Payment | None] = relationship()

    @property
    def cancellation(self) -> Cancellation | None:
        return self.payment.cancellation if self.payment else None


class DebitFile(Base):
    """A pain.008 file as `regie-sepa` built it, with its SHA-256: what was sent is what is kept."""

    __tablename__ = "debit_files"
    __table_args__ = (sa.UniqueConstraint("run_id", "name", name="uq_debit_files_run_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("debit_runs.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    message_id: Mapped[str] = mapped_column(sa.String(35), unique=True)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    transactions: Mapped[int]
    total: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    run: Mapped[DebitRun] = relationship(back_populates="files")


class BankReject(Base):
    """One debit the bank refused (a pain.002, or typed by hand): its code and French label, the cancellation
    it led to. One per run item, so the same report twice books nothing twice."""

    __tablename__ = "bank_rejects"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("debit_run_items.id"), unique=True)
    code: Mapped[str] = mapped_column(sa.String(35))
    label: Mapped[str] = mapped_column(sa.Text)
    report_id: Mapped[str] = mapped_column(sa.String(35), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    item: Mapped[DebitRunItem] = relationship()
