"""Consumptions imported from a school's self-service canteen file, billed by the batches like attendance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.auth.models import User
from webapp.db import Base
from webapp.families.models import Child
from webapp.invoicing.models import BillingPeriod
from webapp.tariffs.models import Activity


class ConsumptionImport(Base):
    """One file imported; kept after an undo, so the log says who imported and who took it back."""

    __tablename__ = "consumption_imports"
    __table_args__ = (sa.Index("ix_consumption_imports_organisation_id_content_hash", "organisation_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    period_id: Mapped[int] = mapped_column(sa.ForeignKey("billing_periods.id"))
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"))
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    encoding: Mapped[str] = mapped_column(sa.String(20))
    row_count: Mapped[int]
    meals: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    period: Mapped[BillingPeriod] = relationship()
    activity: Mapped[Activity] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])
    rows: Mapped[list[ImportedConsumption]] = relationship(back_populates="source", order_by="ImportedConsumption.line")

    def __str__(self) -> str:
        return self.filename


class ImportedConsumption(Base):
    __tablename__ = "imported_consumptions"
    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates_ordered"),
        sa.CheckConstraint("unit_price IS NULL OR unit_price >= 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(sa.ForeignKey("consumption_imports.id"), index=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("children.id"), index=True)
    line: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date]
    # Negative: a correction, billed as a credit line.
    meals: Mapped[int]
    unit_price: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    billed_invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))

    source: Mapped[ConsumptionImport] = relationship(back_populates="rows")
    child: Mapped[Child] = relationship()
