"""The attendance grid: one day, one activity, a class or a school; each row saves itself through htmx,
and the whole grid saves with its button when JavaScript is off."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from htmx_flask import request as htmx_request

from webapp import db
from webapp.attendance.models import Attendance, Presence
from webapp.attendance.services import set_attendance
from webapp.auth.access import requires, tenant_blueprint, visible_regie_ids
from webapp.errors import DomainError
from webapp.families.models import Child, Family
from webapp.forms import parse_time
from webapp.guards import query_date, query_int, row_ids
from webapp.htmx import render
from webapp.tariffs.models import Activity
from webapp.text import de
from webapp.formatting import today

bp = tenant_blueprint("attendance", __name__, "/pointage")
bp.context_processor(lambda: {"de": de})


def _activities() -> list[Activity]:
    return list(db.session.scalars(sa.select(Activity).where(
        Activity.regie_id.in_(visible_regie_ids()), Activity.active.is_(True)).order_by(Activity.name)))


def _children(school: str, school_class: str, ids: list[int] | None = None) -> list[Child]:
    stmt = (sa.select(Child).join(Family)
            .where(Family.organisation_id == g.org.id, Family.archived_at.is_(None), Child.archived_at.is_(None))
            .order_by(Child.last_name, Child.first_name))
    if ids is not None:
        stmt = stmt.where(Child.id.in_(ids))
    if school:
        stmt = stmt.where(Child.school == school)
    if school_class:
        stmt = stmt.where(Child.school_class == school_class)
    return list(db.session.scalars(stmt))


def _presence(value: str | None) -> Presence | None:
    try:
        return Presence(value) if value else None
    except ValueError:
        raise DomainError("Présence : choisissez une valeur de la liste.", "presence") from None


def _selection() -> tuple[Activity | None, date, str, str]:
    """The grid's activity, day and class, from the query string of both the page and its posts."""
    wanted = query_int("activity_id")
    activity = {a.id: a for a in _activities()}.get(wanted or 0)
    if wanted and activity is None:
        abort(404)
    return activity, query_date("day", today()), request.args.get("school", ""), request.args.get("school_class", "")


@bp.get("/")
@requires("attendance.edit")
def grid() -> Any:
    activity, day, school, school_class = _selection()
    schools = db.session.execute(
        sa.select(Child.school, Child.school_class).join(Family)
        .where(Family.organisation_id == g.org.id, Child.archived_at.is_(None), Child.school != "")
        .distinct().order_by(Child.school, Child.school_class)
    ).all()
    children = _children(school, school_class) if activity else []
    attendances = {a.child_id: a for a in db.session.scalars(sa.select(Attendance).where(
        Attendance.activity_id == activity.id, Attendance.day == day,
        Attendance.child_id.in_([c.id for c in children])))} if activity else {}
    return render("attendance/grid.html", activities=_activities(), activity=activity, day=day, school=school,
                  school_class=school_class, schools=schools, children=children, attendances=attendances,
                  presences=Presence, errors={})


@bp.post("/")
@requires("attendance.edit")
def save() -> Any:
    activity, day, school, school_class = _selection()
    if activity is None:
        flash("Choisissez une activité.", "error")
        return redirect(url_for("attendance.grid"), 303)
    one_row = htmx_request.htmx and not htmx_request.htmx.boosted
    ids = row_ids("presence")
    target = htmx_request.headers.get("HX-Target", "")
    if one_row and target.startswith("row-"):
        # The row swapped is the only one saved: whatever else the request carries is not this row's.
        ids = [i for i in ids if f"row-{i}" == target]
    children = _children("", "", ids)
    errors: dict[int, str] = {}
    saved: dict[int, Attendance | None] = {}
    form = request.form
    for child in children:
        try:
            with db.session.begin_nested():
                saved[child.id] = set_attendance(
                    child, activity, day, _presence(form.get(f"presence-{child.id}")),
                    arrival=parse_time(form.get(f"arrival-{child.id}"), "Arrivée", "arrival"),
                    departure=parse_time(form.get(f"departure-{child.id}"), "Départ", "departure"))
        except DomainError as error:
            errors[child.id] = error.message
    if one_row:
        rows = "".join(render_template("attendance/_row.html", child=child, attendance=saved.get(child.id),
                                       activity=activity, error=errors.get(child.id), presences=Presence,
                                       saved=child.id not in errors, values=request.form, day=day)
                       for child in children)
        # 200 even with an error: the other rows of the request are saved, and the row shows its message.
        return rows
    if errors:
        for child in children:
            if child.id in errors:
                flash(f"{child} : {errors[child.id]}", "error")
    else:
        flash(f"Pointage du {day:%d/%m/%Y} enregistré.", "success")
    return redirect(url_for("attendance.grid", activity_id=activity.id, day=day.isoformat(), school=school,
                            school_class=school_class), 303)
