"""The attendance grid: one day, one activity, a class or a school; each row saves itself through htmx,
and the whole grid saves with its button when JavaScript is off. Beside it: an activity's calendar,
enrolments (a class from the grid, a child from the family's page) and « Vérifier les journées »."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from htmx_flask import request as htmx_request
from wtforms import SelectChoice

from webapp import db
from webapp.attendance import calendar, checks, enrolments, monthly, unbilled
from webapp.attendance.forms import ClassEnrolmentForm, ClosureForm, EnrolmentForm, ScheduleForm
from webapp.attendance.models import Attendance, Closure, Presence
from webapp.attendance.services import set_attendance
from webapp.auth.access import requires, tenant_blueprint, visible_regie_ids
from webapp.errors import DomainError
from webapp.exports import export_response
from webapp.invoicing.models import BillingPeriod
from webapp.families.models import Child, Family
from webapp.forms import attempt, form_status, french_decimal, parse_time, plausible_integer, submit
from webapp.guards import query_date, query_int, row_ids
from webapp.htmx import redirect_to, render
from webapp.tariffs.models import Activity
from webapp.formatting import today

bp = tenant_blueprint("attendance", __name__, "/pointage")


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
    closed = calendar.closed_reason(activity, day) if activity else None
    children = _children(school, school_class) if activity and not closed else []
    attendances = {a.child_id: a for a in db.session.scalars(sa.select(Attendance).where(
        Attendance.activity_id == activity.id, Attendance.day == day,
        Attendance.child_id.in_([c.id for c in children])))} if activity else {}
    enrolled = enrolments.enrolled_ids(activity, day) if activity else None
    if enrolled is not None:  # one recorded without enrolment stays, for the day's check names it to correct
        children = [child for child in children if child.id in enrolled or child.id in attendances]
    children.sort(key=enrolments.school_order)
    return render("attendance/grid.html", activities=_activities(), activity=activity, day=day, school=school,
                  school_class=school_class, schools=schools, children=children, attendances=attendances,
                  presences=Presence, errors={}, closed=closed,
                  next_open=calendar.next_open_day(activity, day) if closed else None, enrolling=enrolled is not None,
                  class_form=ClassEnrolmentForm(formdata=None, data={"first_day": day}))


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
    back = url_for("attendance.grid", activity_id=activity.id, day=day.isoformat(), school=school,
                   school_class=school_class)
    closed = calendar.closed_reason(activity, day)
    if closed and not one_row:  # a grid loaded before the closure was entered
        flash(f"{activity.name} est fermé le {day:%d/%m/%Y} ({closed}) : rien n'est enregistré.", "error")
        return redirect(back, 303)
    for child in children:
        if closed:
            errors[child.id] = f"Jour fermé ({closed}) : rien n'est enregistré."
            continue
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
        return rows  # 200 even with an error: the row shows its message in place
    if errors:
        for child in children:
            if child.id in errors:
                flash(f"{child} : {errors[child.id]}", "error")
    else:
        flash(f"Pointage du {day:%d/%m/%Y} enregistré.", "success")
    return redirect(back, 303)


def _activity(activity_id: int) -> Activity:
    activity = {a.id: a for a in _activities()}.get(activity_id)
    if activity is None:
        abort(404)
    return activity


def _calendar(activity: Activity, block: str, form: ScheduleForm | None = None,
              closure_form: ClosureForm | None = None) -> Any:
    """The calendar page, or the block of the form that failed, with status 422."""
    failed = form or closure_form
    start = today()
    return render("attendance/calendar.html", block, form_status(failed) if failed else 200, activity=activity,
                  form=form or ScheduleForm(data={"weekdays": list(activity.weekdays), "max_age": activity.max_age}),
                  closure_form=closure_form or ClosureForm(formdata=None),
                  closures=db.session.scalars(sa.select(Closure).where(Closure.activity_id == activity.id)
                                              .order_by(Closure.first_day.desc())).all(),
                  public=calendar.public_holidays(activity, start, start + calendar.HORIZON))


@bp.route("/activites/<int:activity_id>/calendrier", methods=["GET", "POST"])
@requires("tariffs.manage")
def calendar_page(activity_id: int) -> Any:
    """The weekdays and age limit, the closures, and the public holidays of the year ahead."""
    activity = _activity(activity_id)
    if request.method == "GET":
        return _calendar(activity, "form")
    form = ScheduleForm()
    if submit(form, lambda data: calendar.set_schedule(activity, "".join(data["weekdays"]), data["max_age"])):
        flash("Calendrier enregistré.", "success")
        return redirect_to(url_for("attendance.calendar_page", activity_id=activity.id))
    return _calendar(activity, "form", form=form)


@bp.post("/activites/<int:activity_id>/fermetures")
@requires("tariffs.manage")
def add_closure(activity_id: int) -> Any:
    activity = _activity(activity_id)
    form = ClosureForm()
    if submit(form, lambda data: calendar.add_closure(activity, data["first_day"], data["last_day"], data["reason"])):
        flash("Fermeture enregistrée.", "success")
        return redirect_to(url_for("attendance.calendar_page", activity_id=activity.id))
    return _calendar(activity, "closure_form", closure_form=form)


@bp.post("/activites/<int:activity_id>/fermetures/suppression")
@requires("tariffs.manage")
def remove_closure(activity_id: int) -> Any:
    activity = _activity(activity_id)
    try:
        closure = db.session.get(Closure, plausible_integer(request.form.get("closure_id", ""), "Fermeture"))
    except ValueError:
        abort(404)
    if closure is None or closure.activity_id != activity.id:
        abort(404)
    attempt(lambda: calendar.remove_closure(closure), "Fermeture supprimée.")
    return redirect_to(url_for("attendance.calendar_page", activity_id=activity.id))


@bp.post("/inscriptions/classe")
@requires("attendance.edit")
def enrol_class() -> Any:
    """Everyone of the grid's school and class, enrolled at once."""
    activity, day, school, school_class = _selection()
    if activity is None:
        abort(404)
    form = ClassEnrolmentForm()
    back = url_for("attendance.grid", activity_id=activity.id, day=day.isoformat(), school=school,
                   school_class=school_class)
    if not school_class:
        flash("Choisissez d'abord une classe : l'inscription groupée inscrit une classe.", "error")
    elif form.validate_on_submit():
        attempt(lambda: enrolments.enrol_all(_children(school, school_class), activity, form.first_day.data,
                                             form.last_day.data),
                lambda count: f"{count} enfant{'s' if count > 1 else ''} de {school_class} inscrit{'s' if count > 1 else ''} "
                              f"à « {activity.name} ».")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect_to(back)


@bp.post("/inscriptions/enfant/<int:child_id>")
@requires("attendance.edit")
def enrol_child(child_id: int) -> Any:
    """From the family's page: one child in one activity."""
    child = db.session.get(Child, child_id)
    if child is None or db.session.get(Family, child.family_id).organisation_id != g.org.id:
        abort(404)
    form = EnrolmentForm()
    form.activity_id.choices = [SelectChoice(a.id, a.name) for a in _activities()]
    if form.validate_on_submit():
        attempt(lambda: enrolments.enrol(child, _activity(form.activity_id.data), form.first_day.data,
                                         form.last_day.data),
                lambda enrolment: f"{child} est inscrit(e) à « {enrolment.activity.name} ».")
    else:
        flash(" ".join(f"{form[name].label.text} : {e}" for name, errors in form.errors.items() for e in errors),
              "error")
    return redirect_to(url_for("families.detail", family_id=child.family_id))


@bp.app_template_global()
def child_enrolments(children: list[Child]) -> dict[int, list[Any]]:
    """The family's page lists each child's enrolments (families does not import attendance)."""
    return enrolments.enrolments_of(children)


@bp.app_template_global()
def enrolment_form() -> EnrolmentForm:
    form = EnrolmentForm(formdata=None, data={"first_day": today()})
    form.activity_id.choices = [SelectChoice(a.id, a.name) for a in _activities()]
    return form


@bp.get("/verification")
@requires("attendance.edit")
def check_days() -> Any:
    """« Vérifier les journées » of an activity, a month at a time."""
    activity, day, _, _ = _selection()
    first = day.replace(day=1)
    last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
    return render("attendance/checks.html", activities=_activities(), activity=activity, day=day,
                  days=checks.days(activity, first, last) if activity else [], states=checks.DayState,
                  previous=first - timedelta(days=1), following=last + timedelta(days=1))


@bp.post("/verification")
@requires("attendance.edit")
def verify_day() -> Any:
    activity, day, _, _ = _selection()
    if activity is None:
        abort(404)
    attempt(lambda: checks.verify(activity, day, current_user.full_name), f"Journée du {day:%d/%m/%Y} vérifiée.")
    return redirect_to(url_for("attendance.check_days", activity_id=activity.id, day=day.isoformat()))


@bp.app_template_global()
def unverified_days(regie_id: int, first: date, last: date, chosen: list[Activity]) -> list[tuple[Activity, list[date]]]:
    """The lot's page warns about the days of its period nobody verified (the period's chosen activities of the
    régie, or all its active ones, as the compute takes them)."""
    activities = [a for a in chosen if a.regie_id == regie_id] or list(db.session.scalars(
        sa.select(Activity).where(Activity.regie_id == regie_id, Activity.active.is_(True)).order_by(Activity.name)))
    return checks.unverified(activities, first, last)


def _unbilled_selection() -> tuple[date, date, int | None, str, list[BillingPeriod]]:
    """The list's dates (a period's, or typed), activity and school, from the query string."""
    periods = list(db.session.scalars(sa.select(BillingPeriod).where(
        BillingPeriod.organisation_id == g.org.id, BillingPeriod.corrects_id.is_(None),
        BillingPeriod.fees_only.is_(False)).order_by(BillingPeriod.start_date.desc()).limit(24)))
    chosen = {p.id: p for p in periods}.get(query_int("periode") or 0)
    first = chosen.start_date if chosen else query_date("du", today().replace(day=1))
    last = chosen.end_date if chosen else query_date("au", today())
    return first, last, query_int("activity_id"), request.args.get("school", "")[:120], periods


@bp.get("/non-factures")
@requires("billing.view")
def unbilled_list() -> Any:
    first, last, activity_id, school, periods = _unbilled_selection()
    rows = unbilled.unbilled(g.org.id, visible_regie_ids(), first, last, activity_id, school)
    return render("attendance/unbilled.html", rows=rows, first=first, last=last, activity_id=activity_id,
                  school=school, periods=periods, activities=_activities())


@bp.get("/non-factures/export")
@requires("billing.view")
def export_unbilled() -> Any:
    first, last, activity_id, school, _ = _unbilled_selection()
    return export_response(request.args.get("format", "csv"), "pointages-non-factures", unbilled.COLUMNS,
                           unbilled.unbilled(g.org.id, visible_regie_ids(), first, last, activity_id, school))


def _month() -> date:
    """The grid's month (?mois=2026-03); anything else is this month."""
    raw = request.args.get("mois", "")
    try:
        chosen = date.fromisoformat(f"{raw}-01") if len(raw) == 7 and raw.isascii() else None
    except ValueError:
        chosen = None
    return chosen if chosen and 2000 <= chosen.year <= 2100 else today().replace(day=1)


@bp.route("/mois", methods=["GET", "POST"])
@requires("attendance.edit")
def month_grid() -> Any:
    """A month's quantity per child in one grid, for communes that receive monthly counts."""
    wanted = query_int("activity_id")
    activities = [a for a in _activities() if a.unit.value != "creneau"]
    activity = {a.id: a for a in activities}.get(wanted or 0)
    if wanted and activity is None:
        abort(404)
    first, school, school_class = _month(), request.args.get("school", "")[:120], request.args.get("school_class", "")[:40]
    children = _children(school, school_class) if activity else []
    errors: dict[int, str] = {}
    if request.method == "POST" and activity is not None:
        for child in children:
            raw = request.form.get(f"quantity-{child.id}")
            if raw is None:
                continue
            try:
                monthly.set_month(child, activity, first, french_decimal(raw, f"quantity-{child.id}"))
            except DomainError as error:
                errors[child.id] = error.message
        if errors:
            db.session.rollback()
        else:
            flash("Quantités du mois enregistrées.", "success")
            return redirect_to(request.full_path)
    totals = monthly.month_totals(activity, first, [c.id for c in children]) if activity else {}
    return render("attendance/month.html", None, 422 if errors else 200, activities=activities, activity=activity,
                  first=first, school=school, school_class=school_class, children=children, totals=totals,
                  errors=errors, days=len(monthly.open_days(activity, first)) if activity else 0)
