"""« Vérifier les journées »: each day of an activity not processed, in error or verified; the errors listed;
a verified day audited and reopened by a change; the lot's page warns about the days nobody verified."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from webapp.attendance import calendar, checks, enrolments
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.audit.models import AuditEntry
from webapp.auth.models import Role
from webapp.errors import DomainError
from webapp.families.services import add_child
from webapp.invoicing.services import create_period

MONDAY, TUESDAY = date(2026, 11, 9), date(2026, 11, 10)


@pytest.fixture
def world(make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org()
    regie = make_regie(org)
    canteen = make_activity(regie, name="Cantine")
    make_tariff(canteen, price=Decimal("3.00"))
    calendar.set_schedule(canteen, "1245", None)
    family = make_family(org)
    kids = [add_child(family, {"last_name": "Dupont", "first_name": first}) for first in ("Léo", "Ambre")]
    return org, regie, canteen, kids


def test_a_day_lists_each_kind_of_error(world, make_activity, make_tariff):
    org, regie, canteen, (leo, ambre) = world
    snack = make_activity(regie, name="Goûter")  # a second meal unit: the same child twice is a double entry
    make_tariff(snack, price=Decimal("1.00"))
    club = make_activity(regie, name="Club", unit="jour")  # no tariff, enrols
    enrolments.enrol(ambre, club, date(2026, 9, 1), None)
    set_attendance(leo, canteen, MONDAY, Presence.PRESENT)
    set_attendance(leo, snack, MONDAY, Presence.PRESENT)
    set_attendance(leo, club, MONDAY, Presence.PRESENT, departure=time(17))
    set_attendance(leo, canteen, date(2026, 11, 11), Presence.PRESENT)
    assert checks.day_errors(canteen, MONDAY) == [
        "Léo DUPONT : double saisie, aussi pointé(e) à « Goûter » ce jour-là."]
    assert checks.day_errors(club, MONDAY) == [
        "Léo DUPONT : départ à 17:00 sans arrivée.",
        "Léo DUPONT : non inscrit(e) à « Club » ce jour-là.",
        "Aucun tarif « Club » pour Léo DUPONT le 09/11/2026, QF inconnu ou expiré, catégorie standard, rang 1."]
    assert checks.day_errors(canteen, date(2026, 11, 11)) == [
        "Léo DUPONT : pointé(e) un jour fermé (jour férié (Armistice))."]


def test_an_agent_verifies_a_clean_day_and_a_change_reopens_it(world, session):
    org, regie, canteen, (leo, ambre) = world
    set_attendance(leo, canteen, MONDAY, Presence.PRESENT)
    set_attendance(leo, canteen, date(2026, 11, 11), Presence.PRESENT)
    states = {d.day: d.state for d in checks.days(canteen, MONDAY, date(2026, 11, 13))}
    assert states == {MONDAY: checks.DayState.PENDING, TUESDAY: checks.DayState.PENDING,
                      date(2026, 11, 11): checks.DayState.ERROR, date(2026, 11, 12): checks.DayState.PENDING,
                      date(2026, 11, 13): checks.DayState.PENDING}  # Wednesday 11 is closed, but holds an entry
    with pytest.raises(DomainError, match="1 erreur à corriger d'abord : Léo DUPONT : pointé"):
        checks.verify(canteen, date(2026, 11, 11), "Agent")
    checks.verify(canteen, MONDAY, "Agent Dupuis")
    (day,) = [d for d in checks.days(canteen, MONDAY, MONDAY)]
    assert (day.state, day.verified_by) == (checks.DayState.VERIFIED, "Agent Dupuis")
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "day_check")).one()
    assert entry.changes == {"day": [None, "2026-11-09"], "verified_by": [None, "Agent Dupuis"]}
    with pytest.raises(DomainError, match="déjà vérifié"):
        checks.verify(canteen, MONDAY, "Agent Dupuis")
    set_attendance(leo, canteen, MONDAY, Presence.PRESENT)  # no change: stays verified
    assert checks.days(canteen, MONDAY, MONDAY)[0].state is checks.DayState.VERIFIED
    set_attendance(ambre, canteen, MONDAY, Presence.PRESENT)
    assert checks.days(canteen, MONDAY, MONDAY)[0].state is checks.DayState.PENDING


def test_the_page_lists_the_month_and_verifies_a_day(world, login, make_user, session):
    org, regie, canteen, (leo, _) = world
    set_attendance(leo, canteen, MONDAY, Presence.PRESENT)
    set_attendance(leo, canteen, date(2026, 11, 11), Presence.PRESENT)
    client = login(make_user(org, Role.AGENT))
    url = f"/o/{org.id}/pointage/verification?activity_id={canteen.id}&day=2026-11-09"
    page = unescape(client.get(url).get_data(as_text=True))
    assert "En erreur" in page and "pointé(e) un jour fermé (jour férié (Armistice))" in page
    assert 'id="day-2026-11-30"' in page and 'id="day-2026-11-18"' not in page  # a Wednesday without entries
    response = client.post(url, data={"csrf_token": client.csrf_token}, follow_redirects=True)
    assert "Journée du 09/11/2026 vérifiée." in unescape(response.get_data(as_text=True))
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                          .where(AuditEntry.entity_type == "day_check")) == 1


def test_the_lot_page_warns_about_unverified_days(world, login, make_user):
    org, regie, canteen, (leo, _) = world
    set_attendance(leo, canteen, MONDAY, Presence.PRESENT)
    set_attendance(leo, canteen, TUESDAY, Presence.PRESENT)
    checks.verify(canteen, MONDAY, "Agent")
    period = create_period(org, {"label": "Novembre", "start_date": date(2026, 11, 1), "end_date": date(2026, 11, 30),
                                 "invoice_date": date(2026, 12, 1), "due_date": date(2026, 12, 31)}, [regie], [])
    batch_id = period.batches[0].id
    client = login(make_user(org, Role.REGISSEUR))
    page = unescape(client.get(f"/o/{org.id}/facturation/lots/{batch_id}").get_data(as_text=True))
    assert "Journées non vérifiées dans la période" in page and "Cantine</a> : 1 jour (10/11/2026)" in page
