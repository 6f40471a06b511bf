"""Two agents validating the same reminder run at the same moment, on PostgreSQL with two real connections: the
régie's exclusive lock makes the second wait, then be refused; one run, one reminder per family."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from tests.fixtures import VALID_REGIE, in_parallel
from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.errors import DomainError
from webapp.families.services import add_child, create_family
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.numbering import NumberSequence
from webapp.organisations.services import create_organisation, create_regie
from webapp.reminders import levels, runs
from webapp.reminders.models import RemindedInvoice, Reminder, ReminderRun
from webapp.tariffs.services import create_activity, create_tariff


def _draft() -> int:
    """Committed: a family owing its March canteen, one level, and a draft run at the end of June."""
    org = create_organisation({"name": "Commune relancée", "kind": "commune", "country": "BE"})
    regie = create_regie(org, {"name": "Cantine", "invoice_prefix": "C", **VALID_REGIE["BE"]})
    canteen = create_activity(regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067"})
    create_tariff(canteen, {"valid_from": date(2026, 1, 1), "mode": "unitaire", "price": Decimal("3.10")})
    family = create_family(org, {"number": ""}, {"civility": "Mme", "last_name": "Peeters", "first_name": "An"})
    child = add_child(family, {"last_name": "Peeters", "first_name": "Lien"})
    for day in (2, 3, 4):
        set_attendance(child, canteen, date(2026, 3, day), Presence.PRESENT)
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 15)}, [regie], [])
    compute_batch(period.batches[0])
    number_batch(period.batches[0])
    levels.add_level(regie, {"rank": 1, "delay_days": 15})
    run = runs.open_run(regie, {"reference_date": date(2026, 6, 30)})
    db.session.commit()
    return run.id


def test_two_agents_validating_the_same_run_send_its_reminders_once(race_engine):
    run_id = _draft()
    db.session.remove()
    outcome = in_parallel(lambda: runs.validate(db.session.get(ReminderRun, run_id)),
                          lambda: runs.validate(db.session.get(ReminderRun, run_id)))
    errors = [e for e in outcome if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], DomainError), outcome
    assert "ont été validées" in errors[0].message
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(RemindedInvoice.id))) == 1
    assert db.session.scalar(sa.select(NumberSequence.last_value).where(NumberSequence.kind == "relance")) == 1
