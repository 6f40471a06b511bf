"""Enrolments and plausibility: the grid lists the enrolled in school order; an age limit and a ceiling per
day and unit refuse what cannot be, with a French message naming the field."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from webapp.attendance import calendar, enrolments
from webapp.attendance.models import Enrolment, Presence
from webapp.attendance.services import set_attendance
from webapp.audit.models import AuditEntry
from webapp.auth.models import Role
from webapp.errors import DomainError
from webapp.families.services import add_child

DAY = date(2026, 3, 2)


@pytest.fixture
def school(make_org, make_regie, make_activity, make_family):
    """A centre for children up to 10, and five children of several classes (Zoé is 12)."""
    org = make_org()
    centre = make_activity(make_regie(org), name="Centre de loisirs", unit="jour")
    calendar.set_schedule(centre, "12345", 10)
    family = make_family(org)
    kids = {first: add_child(family, {"last_name": last, "first_name": first, "school_class": school_class,
                                      "birth_date": born})
            for first, last, school_class, born in (
                ("Zoé", "Arnaud", "6e", date(2013, 9, 1)), ("Léo", "Martin", "CM2", date(2016, 5, 1)),
                ("Ambre", "Durand", "CP", date(2019, 2, 1)), ("Noé", "Bernard", "PS", date(2022, 10, 1)),
                ("Adam", "Blanc", "CP", date(2019, 6, 1)))}
    return org, centre, kids


def _grid_names(client, org, activity, day=DAY):
    html = unescape(client.get(f"/o/{org.id}/pointage/?activity_id={activity.id}&day={day.isoformat()}")
                    .get_data(as_text=True))
    return [line.split('<th scope="row">')[1].split("</th>")[0] for line in html.split("\n")
            if '<th scope="row">' in line]


def test_without_enrolments_the_grid_lists_every_child_in_school_order(school, login, make_user):
    org, centre, _ = school
    client = login(make_user(org, Role.AGENT))
    assert _grid_names(client, org, centre) == ["BERNARD Noé", "BLANC Adam", "DURAND Ambre", "MARTIN Léo",
                                                "ARNAUD Zoé"]


def test_with_enrolments_the_grid_lists_only_those_enrolled_that_day(school, login, make_user, session):
    org, centre, kids = school
    enrolments.enrol(kids["Léo"], centre, date(2026, 1, 5), None)
    enrolments.enrol(kids["Ambre"], centre, date(2026, 1, 5), date(2026, 2, 27))  # ended before DAY
    enrolments.enrol(kids["Noé"], centre, date(2026, 3, 2), date(2026, 3, 2))
    client = login(make_user(org, Role.AGENT))
    assert _grid_names(client, org, centre) == ["BERNARD Noé", "MARTIN Léo"]
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "enrolment")).first()
    assert entry.action == "create" and entry.changes["first_day"] == [None, "2026-01-05"]


def test_a_child_recorded_before_the_first_enrolment_stays_on_the_grid_to_be_corrected(school, login, make_user,
                                                                                        session):
    org, centre, kids = school
    set_attendance(kids["Adam"], centre, DAY, Presence.PRESENT)
    enrolments.enrol(kids["Léo"], centre, date(2026, 1, 5), None)
    session.commit()
    client = login(make_user(org, Role.AGENT))
    assert _grid_names(client, org, centre) == ["BLANC Adam", "MARTIN Léo"]


def test_an_enrolment_is_refused_when_it_overlaps_or_the_child_is_too_old(school):
    _, centre, kids = school
    enrolments.enrol(kids["Léo"], centre, date(2026, 1, 5), date(2026, 6, 30))
    with pytest.raises(DomainError, match="déjà inscrit") as refused:
        enrolments.enrol(kids["Léo"], centre, date(2026, 6, 1), None)
    assert refused.value.field == "first_day"
    with pytest.raises(DomainError, match="ARNAUD a 12 ans le 05/01/2026 : « Centre de loisirs » accueille les "
                                          "enfants jusqu'à 10 ans") as refused:
        enrolments.enrol(kids["Zoé"], centre, date(2026, 1, 5), None)
    assert refused.value.field == "child_id"
    with pytest.raises(DomainError, match="Au :"):
        enrolments.enrol(kids["Ambre"], centre, date(2026, 1, 5), date(2026, 1, 1))


def test_a_whole_class_is_enrolled_at_once_from_the_grid(school, login, make_user, session):
    org, centre, kids = school
    enrolments.enrol(kids["Adam"], centre, date(2026, 1, 5), None)  # already there: skipped
    client = login(make_user(org, Role.AGENT))
    response = client.post(f"/o/{org.id}/pointage/inscriptions/classe?activity_id={centre.id}&day=2026-03-02"
                           f"&school_class=CP", data={"first_day": "2026-03-02", "last_day": "",
                                                     "csrf_token": client.csrf_token}, follow_redirects=True)
    assert "1 enfant de CP inscrit à « Centre de loisirs »." in unescape(response.get_data(as_text=True))
    assert sorted(session.scalars(sa.select(Enrolment.child_id))) == sorted([kids["Adam"].id, kids["Ambre"].id])


def test_a_child_is_enrolled_from_the_family_page(school, login, make_user, session):
    org, centre, kids = school
    client = login(make_user(org, Role.AGENT))
    family_id = kids["Léo"].family_id
    page = unescape(client.get(f"/o/{org.id}/familles/{family_id}").get_data(as_text=True))
    assert "Inscriptions aux activités" in page and "Inscrire Léo" in page
    response = client.post(f"/o/{org.id}/pointage/inscriptions/enfant/{kids['Léo'].id}",
                           data={"activity_id": str(centre.id), "first_day": "2026-01-05", "last_day": "",
                                 "csrf_token": client.csrf_token}, follow_redirects=True)
    page = unescape(response.get_data(as_text=True))
    assert "Centre de loisirs : du 05/01/2026, sans date de fin" in page
    response = client.post(f"/o/{org.id}/pointage/inscriptions/enfant/{kids['Zoé'].id}",
                           data={"activity_id": str(centre.id), "first_day": "2026-01-05", "last_day": "",
                                 "csrf_token": client.csrf_token}, follow_redirects=True)
    assert "accueille les enfants jusqu'à 10 ans" in unescape(response.get_data(as_text=True))
    assert session.scalar(sa.select(sa.func.count()).select_from(Enrolment)) == 1


def test_a_child_of_another_organisation_is_not_found(school, login, make_user, make_org, make_family):
    org, centre, _ = school
    stranger = add_child(make_family(make_org()), {"last_name": "Autre", "first_name": "Zoé"})
    client = login(make_user(org, Role.AGENT))
    response = client.post(f"/o/{org.id}/pointage/inscriptions/enfant/{stranger.id}",
                           data={"activity_id": str(centre.id), "first_day": "2026-01-05",
                                 "csrf_token": client.csrf_token})
    assert response.status_code == 404


def test_an_attendance_of_a_child_too_old_is_refused(school):
    _, centre, kids = school
    with pytest.raises(DomainError, match="a 12 ans le 02/03/2026"):
        set_attendance(kids["Zoé"], centre, DAY, Presence.PRESENT)


@pytest.mark.parametrize(("unit", "quantity", "message"), [
    ("jour", Decimal(2), "au plus 1 journée par jour"),
    ("demi-journee", Decimal(3), "au plus 2 demi-journées par jour"),
    ("repas", Decimal("2.5"), r"au plus 2 repas par jour pour « Activité » \(saisi : 2,5\)"),
    ("creneau", Decimal(25), "au plus 24 heures par jour"),
    ("repas", Decimal(0), "un nombre positif"),
])
def test_a_quantity_beyond_what_a_day_holds_is_refused(make_org, make_regie, make_activity, make_family, unit,
                                                       quantity, message):
    org = make_org()
    activity = make_activity(make_regie(org), name="Activité", unit=unit)
    child = add_child(make_family(org), {"last_name": "Dupont", "first_name": "Léo"})
    with pytest.raises(DomainError, match=message) as refused:
        set_attendance(child, activity, DAY, Presence.PRESENT, quantity=quantity, arrival=time(8), departure=time(9))
    assert refused.value.field == "quantity" and refused.value.message.startswith("Quantité : ")


def test_two_meals_a_day_are_accepted(make_org, make_regie, make_activity, make_family):
    org = make_org()
    activity = make_activity(make_regie(org), name="Cantine")
    child = add_child(make_family(org), {"last_name": "Dupont", "first_name": "Léo"})
    assert set_attendance(child, activity, DAY, Presence.PRESENT, quantity=Decimal(2)).quantity == Decimal("2.00")
