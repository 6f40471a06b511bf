"""Families (the paying accounts), their guardians and their children."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import Base, Timestamped, enum_column


class Civility(enum.StrEnum):
    MME = "Mme"
    M = "M."


def quotient_on(quotient: Decimal | None, valid_from: date | None, valid_to: date | None,
                day: date) -> Decimal | None:
    """The quotient that prices that day: none outside its validity, so the no-quotient tariff applies."""
    if quotient is None or (valid_from and day < valid_from) or (valid_to and day > valid_to):
        return None
    return quotient


class Family(Timestamped, Base):
    __tablename__ = "families"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "number", name="uq_families_organisation_id_number"),
        sa.CheckConstraint("quotient >= 0", name="quotient_positive"),
        sa.CheckConstraint(
            "quotient_valid_to IS NULL OR quotient_valid_from IS NULL"
            " OR quotient_valid_to >= quotient_valid_from",
            name="quotient_dates_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(20))
    direct_debit: Mapped[bool] = mapped_column(default=False)
    quotient: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    quotient_valid_from: Mapped[date | None]
    quotient_valid_to: Mapped[date | None]
    tariff_category: Mapped[str] = mapped_column(sa.String(40), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Payer's name, kept for lists; search_text: unaccented lower-case names and number.
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    search_text: Mapped[str] = mapped_column(sa.String(1000), default="")

    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="family", order_by="(Guardian.is_payer.desc(), Guardian.id)"
    )
    children: Mapped[list[Child]] = relationship(
        back_populates="family", order_by="(Child.birth_date, Child.id)"
    )

    def quotient_on(self, day: date) -> Decimal | None:
        return quotient_on(self.quotient, self.quotient_valid_from, self.quotient_valid_to, day)

    @property
    def payer(self) -> Guardian | None:
        return next((g for g in self.guardians if g.is_payer), None)

    def __str__(self) -> str:
        return f"{self.number} · {self.label}"


class Guardian(Timestamped, Base):
    __tablename__ = "guardians"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    is_payer: Mapped[bool] = mapped_column(default=False)
    civility: Mapped[Civility] = enum_column(Civility)
    last_name: Mapped[str] = mapped_column(sa.String(80))
    first_name: Mapped[str] = mapped_column(sa.String(80))
    address_line1: Mapped[str] = mapped_column(sa.String(120), default="")
    address_line2: Mapped[str] = mapped_column(sa.String(120), default="")
    postcode: Mapped[str] = mapped_column(sa.String(10), default="")
    city: Mapped[str] = mapped_column(sa.String(80), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="FR")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")

    family: Mapped[Family] = relationship(back_populates="guardians")

    @property
    def full_name(self) -> str:
        return f"{self.civility} {self.last_name.upper()} {self.first_name}"

    def __str__(self) -> str:
        return self.full_name


class Child(Timestamped, Base):
    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(sa.ForeignKey("families.id"), index=True)
    last_name: Mapped[str] = mapped_column(sa.String(80))
    first_name: Mapped[str] = mapped_column(sa.String(80))
    birth_date: Mapped[date | None]
    school: Mapped[str] = mapped_column(sa.String(120), default="")
    school_class: Mapped[str] = mapped_column(sa.String(40), default="")
    # The pupil's identifier in the school's self-service canteen system (unique within the organisation).
    canteen_id: Mapped[str] = mapped_column(sa.String(10), default="", index=True)
    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    family: Mapped[Family] = relationship(back_populates="children")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"
