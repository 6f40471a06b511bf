"""Activities of a régie and their tariffs."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import Base, Timestamped, enum_column
from webapp.organisations.models import Regie


class Unit(enum.StrEnum):
    DAY = "jour"
    HALF_DAY = "demi-journee"
    SLOT = "creneau"
    MEAL = "repas"
    FLAT = "forfait"


UNIT_LABELS = {Unit.DAY: "Journée", Unit.HALF_DAY: "Demi-journée", Unit.SLOT: "Heure ou créneau",
               Unit.MEAL: "Repas", Unit.FLAT: "Forfait"}


class PricingMode(enum.StrEnum):
    UNIT = "unitaire"
    SLOT = "creneau"
    EFFORT = "taux_effort"


PRICING_LABELS = {PricingMode.UNIT: "Prix unitaire", PricingMode.SLOT: "Par créneau commencé, plafonné",
                  PricingMode.EFFORT: "Taux d'effort sur le QF"}


class Activity(Timestamped, Base):
    __tablename__ = "activities"
    __table_args__ = (
        sa.UniqueConstraint("regie_id", "name", name="uq_activities_regie_id_name"),
        sa.CheckConstraint("monthly_fee IS NULL OR monthly_fee > 0", name="monthly_fee_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    unit: Mapped[Unit] = enum_column(Unit)
    accounting_code: Mapped[str] = mapped_column(sa.String(20))
    monthly_fee: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    # An unjustified absence is billed like a presence when this is set; a justified one never is.
    bill_unjustified_absence: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)

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
