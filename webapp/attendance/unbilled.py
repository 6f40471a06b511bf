"""Attendance not yet billed: what a period would still bill, by activity, school and child, so that nothing is
forgotten before a period is closed; exported like every list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.attendance.models import Attendance, Presence
from webapp.exports import Column, Kind
from webapp.families.models import Child, Family
from webapp.tariffs.models import Activity


@dataclass(frozen=True)
class Unbilled:
    activity: str
    school: str
    child: str
    family: str
    days: int
    quantity: Decimal
    first: date
    last: date


def billable() -> sa.ColumnElement[bool]:
    """An attendance a compute bills: present, or absent without reason where the activity bills that."""
    return sa.or_(Attendance.presence == Presence.PRESENT,
                  sa.and_(Attendance.presence == Presence.UNJUSTIFIED, Activity.bill_unjustified_absence.is_(True)))


def unbilled(organisation_id: int, regie_ids: list[int], first: date, last: date, activity_id: int | None = None,
             school: str = "") -> list[Unbilled]:
    """Per activity, school and child: the billable days between `first` and `last` that no invoice bills yet
    (billed never, or given back by a cancellation), and those edited since their billing."""
    stmt = (sa.select(Activity.name, Child.school, Child.last_name, Child.first_name, Family.label,
                      sa.func.count(Attendance.id), sa.func.sum(Attendance.quantity), sa.func.min(Attendance.day),
                      sa.func.max(Attendance.day))
            .join(Activity, Attendance.activity_id == Activity.id).join(Child, Attendance.child_id == Child.id)
            .join(Family, Child.family_id == Family.id)
            .where(Family.organisation_id == organisation_id, Activity.regie_id.in_(regie_ids),
                   Attendance.day >= first, Attendance.day <= last, billable(),
                   sa.or_(Attendance.billed_invoice_id.is_(None), Attendance.changed_since_billing.is_(True)))
            .group_by(Activity.name, Child.school, Child.id, Child.last_name, Child.first_name, Family.label)
            .order_by(Activity.name, Child.school, Child.last_name, Child.first_name))
    if activity_id:
        stmt = stmt.where(Activity.id == activity_id)
    if school:
        stmt = stmt.where(Child.school == school)
    return [Unbilled(activity, school_name, f"{last_name.upper()} {first_name}", family, days, Decimal(quantity),
                     first_day, last_day)
            for activity, school_name, last_name, first_name, family, days, quantity, first_day, last_day
            in db.session.execute(stmt)]


COLUMNS = [
    Column("Activité", lambda u: u.activity), Column("École", lambda u: u.school), Column("Enfant", lambda u: u.child),
    Column("Famille", lambda u: u.family), Column("Jours", lambda u: u.days, Kind.NUMBER),
    Column("Quantité", lambda u: u.quantity, Kind.NUMBER), Column("Du", lambda u: u.first, Kind.DATE),
    Column("Au", lambda u: u.last, Kind.DATE),
]
