"""Who came when: one child, one activity, one day."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import Base, Timestamped, enum_column
from webapp.families.models import Child
from webapp.tariffs.models import Activity
from webapp.labels import Labelled


class Presence(Labelled):
    PRESENT = "present", "Présent"
    JUSTIFIED = "absence_justifiee", "Absence justifiée"
    UNJUSTIFIED = "absence_injustifiee", "Absence non justifiée"


class Attendance(Timestamped, Base):
    """Billed at most once: `billed_invoice_id` and `billed_amount` record that billing, and a later
    change sets `changed_since_billing` so the next batch bills the difference as a regularisation."""

    __tablename__ = "attendances"
    __table_args__ = (
        sa.UniqueConstraint("child_id", "activity_id", "day", name="uq_attendances_child_id_activity_id_day"),
        sa.Index("ix_attendances_activity_id_day", "activity_id", "day"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("departure IS NULL OR arrival IS NULL OR departure > arrival", name="times_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("children.id"), index=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"))
    day: Mapped[date]
    presence: Mapped[Presence] = enum_column(Presence, default=Presence.PRESENT)
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal(1))
    arrival: Mapped[time | None]
    departure: Mapped[time | None]
    billed_invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    billed_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    billed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    changed_since_billing: Mapped[bool] = mapped_column(default=False)

    child: Mapped[Child] = relationship()
    activity: Mapped[Activity] = relationship()

    def __str__(self) -> str:
        return f"{self.child} · {self.activity} · {self.day:%d/%m/%Y}"

    @property
    def minutes(self) -> int | None:
        if self.arrival is None or self.departure is None:
            return None
        return (self.departure.hour * 60 + self.departure.minute) - (self.arrival.hour * 60 + self.arrival.minute)


class Closure(Timestamped, Base):
    """Days the régie closes an activity (a school holiday, a strike, works): the grid refuses them and the
    compute holds what was entered on them."""

    __tablename__ = "closures"
    __table_args__ = (sa.CheckConstraint("last_day >= first_day", name="days_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.String(200))

    activity: Mapped[Activity] = relationship()

    def __str__(self) -> str:
        return f"{self.activity} · {self.first_day:%d/%m/%Y}–{self.last_day:%d/%m/%Y} · {self.reason}"


class Enrolment(Timestamped, Base):
    """A child enrolled in an activity from a day, until a day or for good."""

    __tablename__ = "enrolments"
    __table_args__ = (
        sa.CheckConstraint("last_day IS NULL OR last_day >= first_day", name="days_ordered"),
        sa.Index("ix_enrolments_activity_id_first_day", "activity_id", "first_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(sa.ForeignKey("children.id"), index=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"))
    first_day: Mapped[date]
    last_day: Mapped[date | None]

    child: Mapped[Child] = relationship()
    activity: Mapped[Activity] = relationship()

    def __str__(self) -> str:
        return f"{self.child} · {self.activity} · {self.first_day:%d/%m/%Y}"


class DayCheck(Timestamped, Base):
    """A day of an activity an agent looked at and declared right; a day without one is not processed yet."""

    __tablename__ = "day_checks"
    __table_args__ = (sa.UniqueConstraint("activity_id", "day", name="uq_day_checks_activity_id_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"))
    day: Mapped[date]
    verified_by: Mapped[str] = mapped_column(sa.String(200))

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y}"
