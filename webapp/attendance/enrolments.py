"""Who is enrolled in what, when. An activity nobody is enrolled in (the canteen of a commune that does not
enrol) lists every child of the school on its grid; from its first enrolment on, only the enrolled ones: a
régie that enrols does it for everyone, and a child left out shows up as « non inscrit » on the day checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from webapp import db
from webapp.attendance.models import Enrolment
from webapp.audit.services import declare, record_creation
from webapp.errors import DomainError
from webapp.families.models import Child, Family
from webapp.tariffs.models import Activity

declare({"enrolment": "Inscription"}, {"first_day": "du", "last_day": "au"})

# School classes in the order a school lists them; any other class comes after, by name.
SCHOOL_ORDER = {name: rank for rank, name in enumerate(("PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"))}


def school_order(child: Child) -> tuple:
    return (SCHOOL_ORDER.get(child.school_class.strip().upper(), len(SCHOOL_ORDER)), child.school_class,
            child.last_name, child.first_name)


def age_on(child: Child, day: date) -> int | None:
    if child.birth_date is None:
        return None
    return day.year - child.birth_date.year - ((day.month, day.day) < (child.birth_date.month, child.birth_date.day))


def check_age(child: Child, activity: Activity, day: date) -> None:
    """A child older than the activity takes is refused; a child without a birth date cannot be checked."""
    age = age_on(child, day)
    if activity.max_age is not None and age is not None and age > activity.max_age:
        raise DomainError(f"{child} a {age} ans le {day:%d/%m/%Y} : « {activity.name} » accueille les enfants "
                          f"jusqu'à {activity.max_age} ans.", "child_id")


def _covering(activity_id: int, first_day: date, last_day: date | None) -> sa.ColumnElement[bool]:
    """Enrolments of the activity that share a day with first_day … last_day (open-ended when None)."""
    condition = sa.and_(Enrolment.activity_id == activity_id,
                        sa.or_(Enrolment.last_day.is_(None), Enrolment.last_day >= first_day))
    return condition if last_day is None else sa.and_(condition, Enrolment.first_day <= last_day)


def enrol(child: Child, activity: Activity, first_day: date, last_day: date | None) -> Enrolment:
    if db.session.get(Family, child.family_id).organisation_id != activity.regie.organisation_id:
        raise DomainError("Cet enfant n'appartient pas à la collectivité de l'activité.", "child_id")
    if last_day is not None and last_day < first_day:
        raise DomainError("Au : l'inscription finit après son premier jour.", "last_day")
    check_age(child, activity, first_day)
    if db.session.scalar(sa.select(Enrolment.id).where(_covering(activity.id, first_day, last_day),
                                                       Enrolment.child_id == child.id).limit(1)):
        raise DomainError(f"{child} est déjà inscrit(e) à « {activity.name} » sur une partie de ces dates.",
                          "first_day")
    enrolment = Enrolment(child_id=child.id, activity_id=activity.id, child=child, activity=activity,
                          first_day=first_day, last_day=last_day)
    db.session.add(enrolment)
    db.session.flush()
    record_creation("enrolment", enrolment, ("first_day", "last_day"),
                    organisation_id=activity.regie.organisation_id)
    return enrolment


def enrol_all(children: Iterable[Child], activity: Activity, first_day: date, last_day: date | None) -> int:
    """A whole class at once: those already enrolled on these dates are skipped, an age refusal stops it all
    (nothing half done) with the child named."""
    already = set(db.session.scalars(sa.select(Enrolment.child_id).where(_covering(activity.id, first_day, last_day))))
    count = 0
    for child in children:
        if child.id not in already:
            enrol(child, activity, first_day, last_day)
            count += 1
    return count


def enrolled_ids(activity: Activity, day: date) -> set[int] | None:
    """The children enrolled that day; None when the activity enrols nobody (every child may come)."""
    if db.session.scalar(sa.select(Enrolment.id).where(Enrolment.activity_id == activity.id).limit(1)) is None:
        return None
    return set(db.session.scalars(sa.select(Enrolment.child_id).where(_covering(activity.id, day, day))))


def enrolments_of(children: Iterable[Child]) -> dict[int, list[Enrolment]]:
    """Each child's enrolments, latest first (the family's page)."""
    found: dict[int, list[Enrolment]] = {}
    ids = [c.id for c in children]
    for enrolment in db.session.scalars(sa.select(Enrolment).where(Enrolment.child_id.in_(ids))
                                        .order_by(Enrolment.first_day.desc())):
        found.setdefault(enrolment.child_id, []).append(enrolment)
    return found
