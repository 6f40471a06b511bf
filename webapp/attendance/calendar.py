"""When an activity is open: the weekdays it runs, less its country's public holidays (the `holidays`
package, named in French) and the closures the régie enters. Nothing here refuses an attendance: the grid
does not offer a closed day, the compute holds what was entered on one, the day checks list it."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import sqlalchemy as sa

from webapp import db
from webapp.attendance.models import Closure
from webapp.audit.services import apply_changes, declare, record, record_creation, snapshot
from webapp.errors import DomainError
from webapp.tariffs.models import Activity

declare({"closure": "Fermeture"}, {"first_day": "du", "last_day": "au", "reason": "motif",
                                   "weekdays": "jours d'ouverture", "max_age": "âge maximum"})

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# How far the grid looks for the next open day: beyond a year, the activity has stopped.
HORIZON = timedelta(days=366)


def public_holidays(activity: Activity, first: date, last: date) -> dict[date, str]:
    country = activity.regie.organisation.country.value
    named = holidays.country_holidays(country, years=range(first.year, last.year + 1), language="fr")
    return {day: name for day, name in named.items() if first <= day <= last}


def closed_days(activity: Activity, first: date, last: date) -> dict[date, str]:
    """Every closed day from first to last with why: a closure's reason first (the régie said it), then a
    public holiday, then a weekday the activity does not run."""
    closures = db.session.scalars(sa.select(Closure).where(
        Closure.activity_id == activity.id, Closure.first_day <= last, Closure.last_day >= first)
        .order_by(Closure.first_day)).all()
    public = public_holidays(activity, first, last)
    reasons: dict[date, str] = {}
    day = first
    while day <= last:
        closure = next((c for c in closures if c.first_day <= day <= c.last_day), None)
        if closure is not None:
            reasons[day] = closure.reason
        elif day in public:
            reasons[day] = f"jour férié ({public[day]})"
        elif str(day.isoweekday()) not in activity.weekdays:
            reasons[day] = f"pas de {activity.name} le {WEEKDAYS[day.weekday()]}"
        day += timedelta(days=1)
    return reasons


def closed_reason(activity: Activity, day: date) -> str | None:
    return closed_days(activity, day, day).get(day)


def next_open_day(activity: Activity, day: date) -> date | None:
    closed = closed_days(activity, day, day + HORIZON)
    return next((day + timedelta(days=n) for n in range(HORIZON.days + 1) if day + timedelta(days=n) not in closed),
                None)


def set_schedule(activity: Activity, weekdays: str, max_age: int | None) -> Activity:
    """The weekdays an activity runs and the oldest age it takes."""
    if not weekdays:
        raise DomainError("Jours d'ouverture : cochez au moins un jour.", "weekdays")
    if max_age is not None and not 1 <= max_age <= 25:
        raise DomainError("Âge maximum : un nombre d'années entre 1 et 25.", "max_age")
    changes = apply_changes(activity, {"weekdays": "".join(sorted(set(weekdays))), "max_age": max_age})
    if changes:
        record("update", "activity", activity, changes, organisation_id=activity.regie.organisation_id)
    return activity


def add_closure(activity: Activity, first_day: date, last_day: date, reason: str) -> Closure:
    if last_day < first_day:
        raise DomainError("Au : la fermeture finit après son premier jour.", "last_day")
    if not reason.strip():
        raise DomainError("Motif : dites pourquoi l'activité ferme (il s'affiche sur la grille).", "reason")
    closure = Closure(activity_id=activity.id, activity=activity, first_day=first_day, last_day=last_day,
                      reason=reason.strip())
    db.session.add(closure)
    db.session.flush()
    record_creation("closure", closure, ("first_day", "last_day", "reason"),
                    organisation_id=activity.regie.organisation_id)
    return closure


def remove_closure(closure: Closure) -> None:
    record("delete", "closure", closure, {k: [v, None] for k, v in snapshot(
        closure, ("first_day", "last_day", "reason")).items()}, organisation_id=closure.activity.regie.organisation_id)
    db.session.delete(closure)
