"""Recording attendance as a service: one row per child, activity and day, audited only when it changes; a
billed day is never rewritten away but flagged for the next invoice's regularisation."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from webapp.attendance.models import Attendance, Presence
from webapp.attendance.services import set_attendance
from webapp.audit.models import AuditEntry
from webapp.errors import DomainError
from webapp.families.services import add_child
from webapp.invoicing.services import compute_batch, create_period, number_batch

DAY = date(2026, 3, 2)


@pytest.fixture
def canteen(make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org()
    activity = make_activity(make_regie(org), name="Cantine")
    make_tariff(activity, price=Decimal("3.00"))
    child = add_child(make_family(org), {"last_name": "Dupont", "first_name": "Léo"})
    return org, activity, child


def _audited(session, attendance_id=None):
    stmt = sa.select(AuditEntry).where(AuditEntry.entity_type == "attendance")
    return session.scalars(stmt.where(AuditEntry.entity_id == attendance_id) if attendance_id else stmt).all()


def test_a_day_is_recorded_once_and_audited_only_when_it_changes(canteen, session):
    _, activity, child = canteen
    first = set_attendance(child, activity, DAY, Presence.PRESENT)
    assert set_attendance(child, activity, DAY, Presence.PRESENT) is first
    assert [e.action for e in _audited(session, first.id)] == ["create"]
    set_attendance(child, activity, DAY, Presence.UNJUSTIFIED)
    update = _audited(session, first.id)[-1]
    assert update.action == "update" and update.changes == {"presence": ["present", "absence_injustifiee"]}
    assert session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 1


def test_clearing_an_unbilled_day_deletes_it_and_a_billed_one_becomes_a_justified_absence(canteen, session):
    org, activity, child = canteen
    set_attendance(child, activity, DAY, Presence.PRESENT)
    set_attendance(child, activity, date(2026, 3, 3), Presence.PRESENT)
    assert set_attendance(child, activity, date(2026, 3, 3), None) is None
    assert _audited(session)[-1].action == "delete"
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 30)},
                           [activity.regie], [])
    compute_batch(period.batches[0])
    number_batch(period.batches[0])
    billed = set_attendance(child, activity, DAY, None)
    assert (billed.presence, billed.changed_since_billing) == (Presence.JUSTIFIED, True)
    assert billed.billed_invoice_id is not None


def test_a_day_billed_by_the_hour_needs_both_times_in_order(make_org, make_regie, make_activity, make_family):
    org = make_org()
    care = make_activity(make_regie(org), name="Garderie", unit="creneau")
    child = add_child(make_family(org), {"last_name": "Dupont", "first_name": "Léo"})
    with pytest.raises(DomainError, match="se facture au temps") as refused:
        set_attendance(child, care, DAY, Presence.PRESENT, arrival=time(16, 30))
    assert refused.value.field == "arrival"
    with pytest.raises(DomainError, match="Le départ doit suivre l'arrivée") as refused:
        set_attendance(child, care, DAY, Presence.PRESENT, arrival=time(17), departure=time(16, 30))
    assert refused.value.field == "departure"
    assert set_attendance(child, care, DAY, Presence.PRESENT, arrival=time(16, 30), departure=time(18)).minutes == 90


def test_a_child_of_another_organisation_is_refused(canteen, make_org, make_family):
    _, activity, _ = canteen
    stranger = add_child(make_family(make_org()), {"last_name": "Autre", "first_name": "Zoé"})
    with pytest.raises(DomainError, match="n'appartient pas à la collectivité"):
        set_attendance(stranger, activity, DAY, Presence.PRESENT)
