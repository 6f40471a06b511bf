"""A month's count per child (« 14 repas en mars »), for communes that receive monthly counts rather than daily
ones: the count is recorded as daily attendance on the month's open days, in order, each day at most what one
day may hold, so that pricing, closed days, the day checks and billing treat it like any other attendance."""

from __future__ import annotations

import calendar as months
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.attendance.calendar import closed_days
from webapp.attendance.models import Attendance, Presence
from webapp.attendance.services import MOST_PER_DAY, set_attendance
from webapp.errors import DomainError
from webapp.families.models import Child
from webapp.formatting import number
from webapp.tariffs.models import Activity, Unit


def month_bounds(first: date) -> tuple[date, date]:
    first = first.replace(day=1)
    return first, first.replace(day=months.monthrange(first.year, first.month)[1])


def open_days(activity: Activity, first: date) -> list[date]:
    start, end = month_bounds(first)
    closed = closed_days(activity, start, end)
    return [start + timedelta(days=n) for n in range((end - start).days + 1) if start + timedelta(days=n) not in closed]


def month_totals(activity: Activity, first: date, child_ids: list[int]) -> dict[int, Decimal]:
    """Each child's present quantity of the month, as the grid shows it."""
    start, end = month_bounds(first)
    return {child_id: Decimal(total) for child_id, total in db.session.execute(
        sa.select(Attendance.child_id, sa.func.sum(Attendance.quantity)).where(
            Attendance.activity_id == activity.id, Attendance.day >= start, Attendance.day <= end,
            Attendance.child_id.in_(child_ids), Attendance.presence == Presence.PRESENT)
        .group_by(Attendance.child_id))}


def set_month(child: Child, activity: Activity, first: date, total: Decimal | None) -> None:
    """The child's quantity of the month becomes `total` (None or 0 clears it), spread over the open days:
    one a day in order, more a day only when the month has fewer open days than the count."""
    if activity.unit is Unit.SLOT:
        raise DomainError(f"« {activity.name} » se facture au temps : pointez ses arrivées et départs jour par jour.",
                          "quantity")
    total = total or Decimal(0)
    if total < 0:
        raise DomainError(f"Quantité : un nombre positif (saisi : {number(total)}).", "quantity")
    start, end = month_bounds(first)
    existing = {a.day: a for a in db.session.scalars(sa.select(Attendance).where(
        Attendance.child_id == child.id, Attendance.activity_id == activity.id,
        Attendance.day >= start, Attendance.day <= end))}
    if any(a.billed_invoice_id is not None for a in existing.values()):
        raise DomainError("Ce mois est déjà facturé pour cet enfant : corrigez-le jour par jour (la différence sera "
                          "régularisée).", "quantity")
    most, unit = MOST_PER_DAY[activity.unit]
    days = open_days(activity, first)
    if total > most * len(days):
        raise DomainError(f"Quantité : au plus {number(most * len(days))} {unit} ce mois-ci "
                          f"({len(days)} jours d'ouverture).", "quantity")
    # One a day first (a meal a day, a day a day), then more on the same days only if the month needs it.
    wanted: dict[date, Decimal] = {}
    left = total
    for cap in (min(Decimal(1), most), most):
        for day in days:
            add = min(cap - wanted.get(day, Decimal(0)), left)
            if add > 0:
                wanted[day] = wanted.get(day, Decimal(0)) + add
                left -= add
    for day in sorted(set(existing) | set(wanted)):
        set_attendance(child, activity, day, Presence.PRESENT if day in wanted else None,
                       quantity=wanted.get(day, Decimal(1)))
