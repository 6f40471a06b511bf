"""An activity's calendar: weekdays, public holidays per country, closures; the grid refuses a closed day and
the compute holds what was entered on one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from webapp.attendance import calendar
from webapp.attendance.models import Attendance, Closure, Presence
from webapp.attendance.services import set_attendance
from webapp.audit.models import AuditEntry
from webapp.auth.models import Role
from webapp.errors import DomainError
from webapp.families.services import add_child
from webapp.invoicing.models import InvoiceStatus
from webapp.invoicing.services import compute_batch, create_period
from webapp.tariffs.models import Activity


@pytest.fixture
def canteen(make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org()
    activity = make_activity(make_regie(org), name="Cantine")
    make_tariff(activity, price=Decimal("3.00"))
    calendar.set_schedule(activity, "1245", None)
    child = add_child(make_family(org), {"last_name": "Dupont", "first_name": "Léo", "school_class": "CP"})
    return org, activity, child


def test_a_day_is_closed_by_a_closure_a_public_holiday_or_a_weekday_off(canteen, session):
    _, activity, _ = canteen
    calendar.add_closure(activity, date(2026, 12, 19), date(2027, 1, 3), "Vacances de Noël")
    closed = calendar.closed_days(activity, date(2026, 11, 9), date(2026, 12, 31))
    assert closed[date(2026, 11, 11)] == "jour férié (Armistice)"
    assert closed[date(2026, 11, 18)] == "pas de Cantine le mercredi"
    assert closed[date(2026, 12, 25)] == "Vacances de Noël"  # the régie's reason comes first
    assert date(2026, 11, 9) not in closed and date(2026, 11, 10) not in closed
    assert calendar.next_open_day(activity, date(2026, 12, 19)) == date(2027, 1, 4)
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "closure")).one()
    assert entry.action == "create" and entry.changes["reason"] == [None, "Vacances de Noël"]


def test_belgian_public_holidays_close_a_belgian_activity(make_org, make_regie, make_activity):
    activity = make_activity(make_regie(make_org("BE")))
    assert calendar.closed_reason(activity, date(2026, 7, 21)) == "jour férié (Fête nationale)"
    assert calendar.closed_reason(activity, date(2026, 7, 14)) is None  # French, not Belgian


def test_a_closure_needs_a_reason_and_days_in_order(canteen):
    _, activity, _ = canteen
    with pytest.raises(DomainError, match="Motif") as refused:
        calendar.add_closure(activity, date(2026, 12, 19), date(2027, 1, 3), "  ")
    assert refused.value.field == "reason"
    with pytest.raises(DomainError, match="Au :") as refused:
        calendar.add_closure(activity, date(2026, 12, 19), date(2026, 12, 1), "Travaux")
    assert refused.value.field == "last_day"


def test_the_grid_does_not_offer_a_closed_day_and_names_the_next_open_one(canteen, login, make_user, session):
    org, activity, child = canteen
    client = login(make_user(org, Role.AGENT))
    url = f"/o/{org.id}/pointage/?activity_id={activity.id}&day=2026-11-11"
    html = unescape(client.get(url).get_data(as_text=True))
    assert "Cantine est fermé le 11/11/2026 : jour férié (Armistice)." in html
    assert "Prochain jour ouvert" in html and "12/11/2026" in html
    assert f'id="row-{child.id}"' not in html
    response = client.post(url, data={f"presence-{child.id}": "present"},
                           headers={"HX-Request": "true", "HX-Target": f"row-{child.id}",
                                    "X-CSRFToken": client.csrf_token})
    assert "Jour fermé (jour férié (Armistice))" in unescape(response.get_data(as_text=True))
    response = client.post(url, data={f"presence-{child.id}": "present", "csrf_token": client.csrf_token},
                           follow_redirects=True)
    assert "Cantine est fermé le 11/11/2026 (jour férié (Armistice)) : rien n'est enregistré." in unescape(
        response.get_data(as_text=True))
    assert session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_the_compute_holds_an_attendance_on_a_closed_day_with_its_reason(canteen):
    org, activity, child = canteen
    set_attendance(child, activity, date(2026, 11, 10), Presence.PRESENT)
    set_attendance(child, activity, date(2026, 11, 11), Presence.PRESENT)  # entered by a service, not the grid
    period = create_period(org, {"label": "Novembre", "start_date": date(2026, 11, 1), "end_date": date(2026, 11, 30),
                                 "invoice_date": date(2026, 12, 1), "due_date": date(2026, 12, 31)},
                           [activity.regie], [])
    (invoice,) = compute_batch(period.batches[0])
    assert invoice.status is InvoiceStatus.HELD
    assert invoice.hold_reason == "Cantine : pointage le 11/11/2026, jour fermé (jour férié (Armistice))."


def test_the_calendar_page_sets_the_weekdays_and_adds_and_removes_a_closure(canteen, login, make_user, session):
    org, activity, _ = canteen
    client = login(make_user(org, Role.REGISSEUR))
    base = f"/o/{org.id}/pointage/activites/{activity.id}"
    page = unescape(client.get(f"{base}/calendrier").get_data(as_text=True))
    assert "Jours fériés de l'année à venir" in page
    response = client.post(f"{base}/calendrier", data={"weekdays": ["1", "2", "4", "5", "3"], "max_age": "",
                                                       "csrf_token": client.csrf_token})
    assert response.status_code == 303 and session.get(Activity, activity.id).weekdays == "12345"
    response = client.post(f"{base}/calendrier", data={"max_age": "", "csrf_token": client.csrf_token})
    assert response.status_code == 422 and "cochez au moins un jour" in response.get_data(as_text=True)
    response = client.post(f"{base}/fermetures", data={"first_day": "2026-12-19", "last_day": "2026-12-01",
                                                       "reason": "Noël", "csrf_token": client.csrf_token})
    assert response.status_code == 422
    response = client.post(f"{base}/fermetures", data={"first_day": "2026-12-19", "last_day": "2027-01-03",
                                                       "reason": "Vacances de Noël", "csrf_token": client.csrf_token})
    assert response.status_code == 303
    closure = session.scalar(sa.select(Closure))
    assert closure.reason == "Vacances de Noël"
    response = client.post(f"{base}/fermetures/suppression", data={"closure_id": str(closure.id),
                                                                   "csrf_token": client.csrf_token})
    assert response.status_code == 303 and session.scalar(sa.select(Closure)) is None
    assert [e.action for e in session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "closure")
                                              .order_by(AuditEntry.id))] == ["create", "delete"]
