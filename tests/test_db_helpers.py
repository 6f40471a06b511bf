"""The query helpers that keep large batches within what the databases accept."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.attendance.models import Attendance, Presence
from webapp.attendance.services import set_attendance
from webapp.families.services import add_child
from webapp.organisations.models import Organisation


def test_among_finds_rows_in_a_list_longer_than_a_statement_takes(session, make_org):
    """70,000 ids: more parameters than PostgreSQL accepts in one statement."""
    org = make_org()
    ids = [org.id, *range(10_000_000, 10_070_000)]
    found = [session.scalar(sa.select(sa.func.count()).select_from(Organisation).where(listed))
             for listed in db.among(Organisation.id, ids)]
    assert sum(found) == 1


def test_among_twice_in_one_statement_keeps_each_list(session, make_org):
    first, second = make_org(), make_org()
    (mine,), (theirs,) = db.among(Organisation.id, [first.id]), db.among(Organisation.id, [second.id])
    assert session.scalar(sa.select(sa.func.count()).select_from(Organisation).where(sa.or_(mine, theirs))) == 2


def test_update_rows_gives_each_row_its_values_and_all_the_same_ones(session, make_org, make_regie, make_activity,
                                                                     make_family):
    org = make_org()
    activity = make_activity(make_regie(org))
    child = add_child(make_family(org), {"last_name": "Dupont", "first_name": "Léo"})
    first, second, untouched = (set_attendance(child, activity, date(2026, 3, day), Presence.PRESENT)
                                for day in (2, 3, 4))
    session.flush()
    at = datetime(2026, 4, 1, 8, 30, tzinfo=timezone.utc)
    db.update_rows(Attendance.__table__, [{"id": first.id, "billed_amount": Decimal("1.10")},
                                          {"id": second.id, "billed_amount": Decimal("2.25")}],
                   billed_at=at, changed_since_billing=False)
    rows = session.execute(sa.select(Attendance.id, Attendance.billed_amount, Attendance.billed_at)
                           .where(Attendance.child_id == child.id).order_by(Attendance.day)
                           .execution_options(populate_existing=True)).all()
    assert [(amount, billed_at is not None) for _, amount, billed_at in rows] == [
        (Decimal("1.10"), True), (Decimal("2.25"), True), (None, False)]
    billed_at = rows[0].billed_at
    assert (billed_at if billed_at.tzinfo else billed_at.replace(tzinfo=timezone.utc)) == at  # SQLite drops the zone
    assert untouched.id == rows[2].id
