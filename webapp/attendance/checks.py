"""« Vérifier les journées »: a day of an activity is not processed, in error, or verified by an agent. The
errors are what would make its invoices wrong: a double entry, a departure without an arrival, a presence on
a closed day, a child not enrolled, no tariff for the child."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.attendance import calendar, enrolments
from webapp.attendance.models import Attendance, DayCheck, Presence
from webapp.audit.services import declare, record_creation
from webapp.errors import DomainError
from webapp.families.models import Child, Family
from webapp.labels import Labelled
from webapp.tariffs.models import Activity, Tariff, Unit
from webapp.tariffs.pricing import Criteria, PricingError, select

declare({"day_check": "Journée vérifiée"}, {"day": "jour", "verified_by": "vérifiée par"})


class DayState(Labelled):
    PENDING = "non_traitee", "Non traitée"
    ERROR = "en_erreur", "En erreur"
    VERIFIED = "verifiee", "Vérifiée"


@dataclass
class Day:
    day: date
    count: int
    state: DayState
    closed: str | None = None
    errors: list[str] = field(default_factory=list)
    verified_by: str = ""


def sibling_ranks(children: Iterable[Child]) -> dict[int, int]:
    """Rank among the family's current children, the eldest first (the sibling rank tariffs and reductions use)."""
    ordered = sorted(children, key=lambda c: (c.birth_date or date.max, c.id))
    return {child.id: rank for rank, child in enumerate(ordered, start=1)}


def _rank_of(family_ids: set[int]) -> Callable[[Child], int]:
    """Each child's sibling rank, as the compute gives it: an archived child after its current siblings."""
    siblings: dict[int, list[Child]] = defaultdict(list)
    for child in db.session.scalars(sa.select(Child).where(Child.family_id.in_(family_ids),
                                                           Child.archived_at.is_(None))):
        siblings[child.family_id].append(child)
    ranks = {child_id: rank for kids in siblings.values() for child_id, rank in sibling_ranks(kids).items()}
    return lambda child: ranks.get(child.id, len(siblings[child.family_id]) + 1)


def _overlap(a: Attendance, b: Attendance) -> bool:
    if a.arrival and a.departure and b.arrival and b.departure:
        return a.arrival < b.departure and b.arrival < a.departure
    return a.activity.unit is b.activity.unit and a.activity.unit is not Unit.SLOT


def day_errors(activity: Activity, day: date) -> list[str]:
    rows = _attendances(activity, day)
    if not rows:
        return []
    closed = calendar.closed_reason(activity, day)
    enrolled = enrolments.enrolled_ids(activity, day)
    tariffs = db.session.scalars(sa.select(Tariff).where(Tariff.activity_id == activity.id)).all()
    others = db.session.scalars(sa.select(Attendance).where(
        Attendance.day == day, Attendance.activity_id != activity.id, Attendance.presence == Presence.PRESENT,
        Attendance.child_id.in_([a.child_id for a in rows]))).all()
    family_ids = {row.child.family_id for row in rows}
    families = {f.id: f for f in db.session.scalars(sa.select(Family).where(Family.id.in_(family_ids)))}
    rank_of = _rank_of(family_ids)
    errors = []
    for row in rows:
        child = row.child
        billed = row.presence is Presence.PRESENT or (
            row.presence is Presence.UNJUSTIFIED and activity.bill_unjustified_absence)
        for other in others:
            if other.child_id == row.child_id and row.presence is Presence.PRESENT and _overlap(row, other):
                errors.append(f"{child} : double saisie, aussi pointé(e) à « {other.activity.name} » ce jour-là.")
        if row.departure is not None and row.arrival is None:
            errors.append(f"{child} : départ à {row.departure:%H:%M} sans arrivée.")
        if closed and billed:
            errors.append(f"{child} : pointé(e) un jour fermé ({closed}).")
        if enrolled is not None and row.child_id not in enrolled:
            errors.append(f"{child} : non inscrit(e) à « {activity.name} » ce jour-là.")
        if billed:
            family = families[child.family_id]
            try:
                select(tariffs, Criteria(day, family.quotient_on(day), family.tariff_category, rank_of(child)),
                       activity=activity.name, child=str(child))
            except PricingError as error:
                errors.append(error.message)
    return errors


def _attendances(activity: Activity, day: date) -> list[Attendance]:
    return list(db.session.scalars(sa.select(Attendance).where(
        Attendance.activity_id == activity.id, Attendance.day == day)
        .options(selectinload(Attendance.child)).order_by(Attendance.id)))


def days(activity: Activity, first: date, last: date, *, with_errors: bool = True) -> list[Day]:
    """Each open day of the range, and each closed day that holds an attendance, with its state (a day not
    verified is in error or not processed: telling which costs a look at each of its attendances)."""
    closed = calendar.closed_days(activity, first, last)
    counts = dict(db.session.execute(
        sa.select(Attendance.day, sa.func.count()).where(Attendance.activity_id == activity.id,
                                                         Attendance.day.between(first, last))
        .group_by(Attendance.day)).all())
    checks = {c.day: c for c in db.session.scalars(sa.select(DayCheck).where(
        DayCheck.activity_id == activity.id, DayCheck.day.between(first, last)))}
    found = []
    day = first
    while day <= last:
        if day not in closed or counts.get(day):
            errors = day_errors(activity, day) if counts.get(day) and with_errors and day not in checks else []
            check = checks.get(day)
            state = DayState.VERIFIED if check else DayState.ERROR if errors else DayState.PENDING
            found.append(Day(day, counts.get(day, 0), state, closed.get(day), errors,
                             check.verified_by if check else ""))
        day += timedelta(days=1)
    return found


def verify(activity: Activity, day: date, agent: str) -> DayCheck:
    """An agent declares the day right; a day with errors is corrected first."""
    if db.session.scalar(sa.select(DayCheck.id).where(DayCheck.activity_id == activity.id, DayCheck.day == day)):
        raise DomainError(f"Le {day:%d/%m/%Y} est déjà vérifié.")
    errors = day_errors(activity, day)
    if errors:
        raise DomainError(f"Le {day:%d/%m/%Y} a {len(errors)} erreur{'s' if len(errors) > 1 else ''} à corriger "
                          f"d'abord : {errors[0]}")
    check = DayCheck(activity_id=activity.id, day=day, verified_by=agent)
    try:
        with db.session.begin_nested():  # a double click: the unique (activity, day) keeps one
            db.session.add(check)
    except sa.exc.IntegrityError:
        raise DomainError(f"Le {day:%d/%m/%Y} est déjà vérifié.") from None
    record_creation("day_check", check, ("day", "verified_by"), organisation_id=activity.regie.organisation_id)
    return check


def reopen(activity_id: int, day: date) -> None:
    """A change to a verified day makes it to be verified again."""
    db.session.execute(sa.delete(DayCheck).where(DayCheck.activity_id == activity_id, DayCheck.day == day))


def unverified(activities: Iterable[Activity], first: date, last: date) -> list[tuple[Activity, list[date]]]:
    """The days of a billing period not verified yet, per activity (the lot's page warns about them)."""
    found = []
    for activity in activities:
        pending = [d.day for d in days(activity, first, last, with_errors=False)
                   if d.state is not DayState.VERIFIED and d.count]
        if pending:
            found.append((activity, pending))
    return found
