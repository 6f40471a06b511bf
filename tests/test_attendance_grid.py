"""The attendance grid's screens: a row saves and answers that row alone; nothing unchanged is audited."""

from __future__ import annotations

from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa

from webapp.attendance.models import Attendance, Presence
from webapp.attendance.services import set_attendance
from webapp.audit.models import AuditEntry
from webapp.auth.models import Role
from webapp.families.services import add_child
from webapp.text import de

DAY = date(2026, 3, 2)


@pytest.fixture
def grid(make_org, make_regie, make_activity, make_family):
    """An organisation's canteen with three children of a CP, two of them already present that day."""
    org = make_org()
    activity = make_activity(make_regie(org), name="Cantine")
    family = make_family(org)
    children = [add_child(family, {"last_name": "Dupont", "first_name": first, "school": "École du Bourg",
                                   "school_class": "CP"}) for first in ("Arthur", "Paul", "Hélène")]
    for child in children[:2]:
        set_attendance(child, activity, DAY, Presence.PRESENT)
    return org, activity, children


def _audit_count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                          .where(AuditEntry.entity_type == "attendance"))


def test_a_row_post_answers_that_row_alone_and_audits_nothing_unchanged(grid, login, make_user, session):
    org, activity, (arthur, paul, helene) = grid
    client = login(make_user(org, Role.AGENT))
    before = _audit_count(session)
    # What the grid sent when the row's form was the whole grid: every row's values.
    response = client.post(f"/o/{org.id}/pointage/?activity_id={activity.id}&day={DAY.isoformat()}",
                           data={f"presence-{arthur.id}": "present", f"presence-{paul.id}": "present",
                                 f"presence-{helene.id}": "absence_justifiee"},
                           headers={"HX-Request": "true", "HX-Target": f"row-{arthur.id}",
                                    "X-CSRFToken": client.csrf_token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.count("<tr") == 1
    assert html.startswith(f'<tr id="row-{arthur.id}"') and "Enregistré" in html
    assert _audit_count(session) == before
    assert session.scalar(sa.select(Attendance).where(Attendance.child_id == helene.id)) is None


def test_a_row_post_audits_the_field_that_changed(grid, login, make_user, session):
    org, activity, (arthur, _, _) = grid
    client = login(make_user(org, Role.AGENT))
    response = client.post(f"/o/{org.id}/pointage/?activity_id={activity.id}&day={DAY.isoformat()}",
                           data={f"presence-{arthur.id}": "absence_injustifiee"},
                           headers={"HX-Request": "true", "HX-Target": f"row-{arthur.id}",
                                    "X-CSRFToken": client.csrf_token})
    assert response.status_code == 200
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "attendance")
                            .order_by(AuditEntry.id.desc())).first()
    assert entry.changes == {"presence": ["present", "absence_injustifiee"]}


def test_the_whole_grid_saves_without_javascript(grid, login, make_user, session):
    org, activity, (arthur, paul, helene) = grid
    client = login(make_user(org, Role.AGENT))
    before = _audit_count(session)
    response = client.post(f"/o/{org.id}/pointage/?activity_id={activity.id}&day={DAY.isoformat()}",
                           data={f"presence-{arthur.id}": "present", f"presence-{paul.id}": "",
                                 f"presence-{helene.id}": "present", "csrf_token": client.csrf_token})
    assert response.status_code == 303
    present = session.scalars(sa.select(Attendance.child_id).where(Attendance.day == DAY)).all()
    assert sorted(present) == sorted([arthur.id, helene.id])
    assert _audit_count(session) == before + 2  # Paul's removed, Hélène's created; Arthur's unchanged


def test_the_grid_elides_de_before_a_vowel(grid, login, make_user):
    org, activity, _ = grid
    client = login(make_user(org, Role.AGENT))
    html = unescape(client.get(f"/o/{org.id}/pointage/?activity_id={activity.id}&day={DAY.isoformat()}")
                    .get_data(as_text=True))
    assert "Présence d'Arthur Dupont" in html and "Présence d'Hélène Dupont" in html
    assert "Présence de Paul Dupont" in html


@pytest.mark.parametrize(("name", "expected"), [
    ("Arthur", "d'Arthur"), ("Hélène", "d'Hélène"), ("Émilie", "d'Émilie"), ("Paul", "de Paul"),
    ("Yanis", "d'Yanis"), ("", "de "),
])
def test_de_elides_before_a_vowel_or_an_h(name, expected):
    assert de(name) == expected
