"""Handing unpaid debts to the treasury: a « mise en titre » (one bordereau of titles for one régie), the titles
it issued, one per family, and the invoices each title closed; and the rolls (ORMC, ROLMRE) a numbered lot is
exported as, when the treasury collects the whole lot.

A run stays a draft whose selection is recomputed from the books at every step; its file, once written, is kept
with its hash, and the settlement freezes the titles. Titles and titled invoices are never updated nor deleted.
"""

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


class RunStatus(Labelled):
    DRAFT = "brouillon", "Sélection en cours"
    FILE = "fichier", "Fichier produit"
    CONTROLLED = "controle", "Fichier contrôlé"
    SETTLED = "reglee", "Réglée par titre"


class TitleRun(Base):
    """One « mise en titre »: a bordereau number and a first title number reserved by the accounting service."""

    __tablename__ = "title_runs"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "fiscal_year", "bordereau_number",
                            name="uq_title_runs_regie_id_fiscal_year_bordereau_number"),
        sa.CheckConstraint("minimum_amount >= 0", name="minimum_not_negative"),
        sa.CheckConstraint("bordereau_number > 0 AND first_title_number > 0", name="numbers_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    status: Mapped[RunStatus] = enum_column(RunStatus, default=RunStatus.DRAFT)
    reference_date: Mapped[date]
    fiscal_year: Mapped[int]
    bordereau_number: Mapped[int]
    first_title_number: Mapped[int]
    minimum_amount: Mapped[Decimal] = mapped_column(MONEY)
    # Only the invoices past the last reminder level: reminded at it, its pay-by day gone.
    after_last_reminder: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    object: Mapped[str] = mapped_column(sa.String(160))
    # Families the agent unticked: the rest of the selection follows the books.
    excluded: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    file_name: Mapped[str] = mapped_column(sa.String(100), default="")
    file_data: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    file_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    file_count: Mapped[int | None]
    file_total: Mapped[Decimal | None] = mapped_column(MONEY)
    controlled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    settled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    regie: Mapped[Regie] = relationship()
    settled_by: Mapped[User | None] = relationship(foreign_keys=[settled_by_id])
    titles: Mapped[list[TreasuryTitle]] = relationship(back_populates="run", order_by="TreasuryTitle.number")

    def __str__(self) -> str:
        return f"Mise en titre, bordereau {self.bordereau_number}/{self.fiscal_year}"


class TreasuryTitle(Base):
    """A title de recettes issued to one family for what its selected invoices still owed."""

    __tablename__ = "treasury_titles"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "fiscal_year", "number", name="uq_treasury_titles_regie_id_fiscal_year_number"),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("title_runs.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"))
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    fiscal_year: Mapped[int]
    number: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    issued_on: Mapped[date]

    run: Mapped[TitleRun] = relationship(back_populates="titles")
    family: Mapped[Family] = relationship()
    invoices: Mapped[list[TitledInvoice]] = relationship(back_populates="title", order_by="TitledInvoice.id")

    def __str__(self) -> str:
        return f"Titre n° {self.number}/{self.fiscal_year}"


class TitledInvoice(Base):
    """What a title took over of one invoice: the invoice is settled by title for that amount, once."""

    __tablename__ = "titled_invoices"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("treasury_titles.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)

    title: Mapped[TreasuryTitle] = relationship(back_populates="invoices")
    invoice: Mapped[Invoice] = relationship()


class RollStatus(Labelled):
    EXPORTED = "exporte", "Exporté"
    ACKNOWLEDGED = "acquitte", "Pris en charge par le Trésor"
    DELETED = "supprime", "Supprimé"


class RollExport(Base):
    """A numbered lot written as a treasury roll: the file kept with its hash. « Suppression » is allowed until the
    treasury acknowledged it; a deleted roll stays listed, with who deleted it and why."""

    __tablename__ = "roll_exports"
    __table_args__ = (sa.CheckConstraint("roll_format IN ('pes', 'rolmre')", name="roll_format_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("batches.id"), index=True)
    roll_format: Mapped[str] = mapped_column(sa.String(6))
    fiscal_year: Mapped[int]
    number: Mapped[int]
    status: Mapped[RollStatus] = enum_column(RollStatus, default=RollStatus.EXPORTED)
    file_name: Mapped[str] = mapped_column(sa.String(100))
    file_data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    file_hash: Mapped[str] = mapped_column(sa.String(64))
    count: Mapped[int]
    total: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])

    def __str__(self) -> str:
        return f"Rôle {self.number}/{self.fiscal_year} ({self.file_name})"
