"""Activities of a régie and their tariffs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import Base, Timestamped, enum_column
from webapp.organisations.models import Regie
from webapp.labels import Labelled


class Unit(Labelled):
    DAY = "jour", "Journée"
    HALF_DAY = "demi-journee", "Demi-journée"
    SLOT = "creneau", "Heure ou créneau"
    MEAL = "repas", "Repas"
    FLAT = "forfait", "Forfait"


class PricingMode(Labelled):
    UNIT = "unitaire", "Prix unitaire"
    SLOT = "creneau", "Par créneau commencé, plafonné"
    EFFORT = "taux_effort", "Taux d'effort sur le QF"


class Activity(Timestamped, Base):
    __tablename__ = "activities"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "name", name="uq_activities_regie_id_name"),
        sa.CheckConstraint("monthly_fee IS NULL OR monthly_fee > 0", name="monthly_fee_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Where it takes place (a school's canteen, a centre), as a French invoice must say.
    place: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    unit: Mapped[Unit] = enum_column(Unit)
    accounting_code: Mapped[str] = mapped_column(sa.String(20))
    monthly_fee: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    # An unjustified absence is billed like a presence when this is set; a justified one never is.
    bill_unjustified_absence: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    # The ISO weekdays it runs (1 Monday … 7 Sunday): its school days, before holidays and closures.
    weekdays: Mapped[str] = mapped_column(sa.String(7), default="12345", server_default="12345")
    # The oldest a child may be on the day (whole years), for an activity meant for an age group.
    max_age: Mapped[int | None]

    regie: Mapped[Regie] = relationship()
    tariffs: Mapped[list[Tariff]] = relationship(
        back_populates="activity", order_by="(Tariff.valid_from, Tariff.id)"
    )

    def __str__(self) -> str:
        return self.name


class Tariff(Timestamped, Base):
    """One price of an activity for the days, QF bracket, category and sibling ranks it covers.

    Ranges are inclusive except the QF maximum, so brackets 0–500 and 500–1000 meet without a gap;
    an empty bound means "any"; an empty category is the standard one (families without a category).
    """

    __tablename__ = "tariffs"
    __table_args__ = (
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_ordered"),
        sa.CheckConstraint("qf_max IS NULL OR qf_min IS NULL OR qf_max > qf_min", name="qf_ordered"),
        sa.CheckConstraint("rank_to IS NULL OR rank_from IS NULL OR rank_to >= rank_from", name="ranks_ordered"),
        sa.CheckConstraint("price IS NULL OR price >= 0", name="price_positive"),
        sa.CheckConstraint(
            "(mode = 'unitaire' AND price IS NOT NULL)"
            " OR (mode = 'creneau' AND slot_minutes > 0 AND price IS NOT NULL)"
            " OR (mode = 'taux_effort' AND effort_rate > 0 AND price_floor IS NOT NULL"
            " AND price_ceiling >= price_floor)",
            name="mode_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120), default="")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    qf_min: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    qf_max: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    category: Mapped[str] = mapped_column(sa.String(40), default="")
    rank_from: Mapped[int | None]
    rank_to: Mapped[int | None]
    mode: Mapped[PricingMode] = enum_column(PricingMode)
    # Unit price, or the price of one started slot.
    price: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    slot_minutes: Mapped[int | None]
    daily_cap: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    effort_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 5))
    price_floor: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    price_ceiling: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))

    activity: Mapped[Activity] = relationship(back_populates="tariffs")

    def __str__(self) -> str:
        return self.label or f"Tarif n° {self.id}"


class DiscountBasis(Labelled):
    RANK = "rang", "Rang de l'enfant dans la fratrie"
    CHILDREN_BILLED = "enfants_factures", "Nombre d'enfants facturés"


class Discount(Timestamped, Base):
    """A reduction on an activity's consumptions: from a sibling rank on, or when enough children of the
    family are billed for it; a percentage of the amount or an amount off each unit."""

    __tablename__ = "discounts"
    __table_args__ = (
        sa.CheckConstraint("(percent IS NULL) != (amount_per_unit IS NULL)", name="percent_or_amount"),
        sa.CheckConstraint("percent IS NULL OR (percent > 0 AND percent <= 100)", name="percent_range"),
        sa.CheckConstraint("amount_per_unit IS NULL OR amount_per_unit > 0", name="amount_positive"),
        sa.CheckConstraint("threshold >= 1", name="threshold_positive"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    basis: Mapped[DiscountBasis] = enum_column(DiscountBasis)
    # The rank from which it applies, or the number of children billed from which it applies.
    threshold: Mapped[int]
    percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    amount_per_unit: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    activity: Mapped[Activity] = relationship()

    def __str__(self) -> str:
        return self.label


class ChildDiscount(Timestamped, Base):
    """An exceptional reduction for one child (a social decision, a medical protocol…), with its reason."""

    __tablename__ = "child_discounts"
    __table_args__ = (
        sa.CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("children.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"))
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    reason: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    def __str__(self) -> str:
        return f"{self.percent} % · {self.reason}"


class FamilyFee(Timestamped, Base):
    """A fee billed to a family that has something billed in the régie's batch: in every batch (a file fee),
    or once per fiscal year (a membership), recognised by its label on the year's numbered invoices."""

    __tablename__ = "family_fees"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    accounting_code: Mapped[str] = mapped_column(sa.String(20))
    once_per_year: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]

    def __str__(self) -> str:
        return self.label
