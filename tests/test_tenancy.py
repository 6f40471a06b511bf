"""Every URL that names an object answers 404 when the object belongs to another organisation."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from webapp import db
from webapp.organisations.models import Organisation
from webapp.attendance.models import Attendance
from webapp.auth.models import Role
from webapp.auth.services import grant

# Outside any organisation: the operator's pages, and the links sent by e-mail (opened by their token).
PUBLIC = ("operator.", "auth.", "online.")
TENANT_BLUEPRINTS = {"families", "regies", "users", "audit", "tariffs", "invoicing", "attendance", "imports", "jobs",
                     "counter", "bank", "debits", "home", "treasury", "reminders", "plans"}


@pytest.fixture
def two_tenants(make_world, make_user):
    mine, theirs = make_world(), make_world()
    user = make_user()
    grant(user, db.session.get(Organisation, mine["org_id"]), Role.ADMIN)
    return user, mine, theirs


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.arguments and rule.endpoint != "static":
            yield rule


def _url(rule, values):
    unknown = rule.arguments - values.keys()
    assert not unknown, f"{rule.rule}: teach this sweep the argument(s) {unknown}"
    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda match: str(values[match.group(1)]), rule.rule)


def test_every_route_with_an_id_is_covered(app):
    blueprints = {rule.endpoint.split(".")[0] for rule in _routes(app)}
    assert blueprints == TENANT_BLUEPRINTS | {"operator", "auth", "online"}


def test_foreign_organisation_answers_404_on_every_route(app, login, two_tenants):
    user, mine, theirs = two_tenants
    client = login(user)
    checked = 0
    for rule in _routes(app):
        # Their organisation with their objects, then my organisation with their objects.
        for values in (theirs, {**theirs, "org_id": mine["org_id"]}):
            if rule.endpoint.startswith(PUBLIC) or set(rule.arguments) == {"org_id"} and values is not theirs:
                continue
            url = _url(rule, values)
            for method in rule.methods & {"GET", "POST"}:
                response = client.open(url, method=method, data={"csrf_token": client.csrf_token,
                                                                 "once": client.once()})
                assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
                checked += 1
    assert checked > 20


def test_my_own_objects_answer(app, login, two_tenants):
    user, mine, _ = two_tenants
    client = login(user)
    for rule in _routes(app):
        # A job's file exists only once the job is done; here it is still queued.
        if "GET" in rule.methods and not rule.endpoint.startswith(PUBLIC) and rule.endpoint not in (
                "jobs.download", "treasury.download",  # a run's file exists once it is written
                "plans.late_pdf"):  # a plan's notice of delay exists once an instalment is late
            url = _url(rule, mine)
            assert client.get(url).status_code == 200, url


def test_operator_pages_are_404_for_everyone_else(app, login, two_tenants):
    user, _, theirs = two_tenants
    client = login(user)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("operator."):
            assert client.get(_url(rule, theirs)).status_code == 404


def test_attendance_grid_refuses_another_organisation_activity(login, two_tenants):
    user, mine, theirs = two_tenants
    client = login(user)
    url = f"/o/{mine['org_id']}/pointage/?activity_id={theirs['activity_id']}&day=2026-03-02"
    assert client.get(url).status_code == 404
    response = client.post_form(url, {f"presence-{theirs['child_id']}": "present"})
    assert response.status_code == 404
    # My activity with their child: the child is not found in my organisation, nothing is recorded.
    url = f"/o/{mine['org_id']}/pointage/?activity_id={mine['activity_id']}&day=2026-03-03"
    client.post_form(url, {f"presence-{theirs['child_id']}": "present"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)
                             .where(Attendance.child_id == theirs["child_id"], Attendance.day == date(2026, 3, 3))) == 0
