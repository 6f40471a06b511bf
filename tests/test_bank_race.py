"""Two agents importing the same bank file, or correcting the same rejected movement, at the same moment: on
PostgreSQL with two real connections, the money is booked once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from regie_coda import Movement, Statement, TransactionCode, ogm, write

from tests.fixtures import VALID_REGIE, in_parallel
from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.bank import services
from webapp.bank.models import BankMovement, MovementStatus
from webapp.counter.models import Payment
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.families.services import add_child, create_family
from webapp.invoicing.models import Invoice
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.organisations.models import Regie
from webapp.organisations.services import create_organisation, create_regie
from webapp.tariffs.services import create_activity, create_tariff

DAY = date(2026, 11, 20)


def _statement(regie: Regie, invoice: Invoice) -> bytes:
    def movement(sequence: int, amount: str, reference: str | None, text: str = "") -> Movement:
        return Movement(sequence=sequence, detail=0, amount=Decimal(amount), value_date=DAY, entry_date=DAY,
                        transaction_code=TransactionCode.parse("00150000"),
                        communication_type="101" if reference else None, communication=reference or text,
                        counterparty_name="PEETERS AN")

    moves = (movement(1, "6.20", ogm.validate(invoice.payment_reference)), movement(2, "3.00", None, "cantine"))
    return write([Statement(account=regie.iban, currency="EUR", number=1, old_balance=Decimal("0"),
                            old_balance_date=DAY, new_balance=Decimal("9.20"), new_balance_date=DAY,
                            movements=moves, creation_date=DAY, bank_id="725")])


def _belgian_invoice() -> tuple[int, int, int, bytes]:
    """Committed: a Belgian régie, a family, its numbered invoice of 6.20, and a CODA file paying it."""
    org = create_organisation({"name": "Commune concurrente", "kind": "commune", "country": "BE"})
    regie = create_regie(org, {"name": "Cantine", "invoice_prefix": "C", **VALID_REGIE["BE"]})
    canteen = create_activity(regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067"})
    create_tariff(canteen, {"valid_from": date(2026, 1, 1), "mode": "unitaire", "price": Decimal("3.10")})
    family = create_family(org, {"number": ""}, {"civility": "Mme", "last_name": "Peeters", "first_name": "An"})
    child = add_child(family, {"last_name": "Peeters", "first_name": "Lien"})
    set_attendance(child, canteen, date(2026, 3, 2), Presence.PRESENT)
    set_attendance(child, canteen, date(2026, 3, 3), Presence.PRESENT)
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 28),
                                 "invoice_date": date(2026, 3, 28), "due_date": date(2026, 4, 15)}, [regie], [])
    compute_batch(period.batches[0])
    (invoice,) = number_batch(period.batches[0])
    data = _statement(regie, invoice)
    db.session.commit()
    return regie.id, family.id, invoice.id, data


def test_the_same_file_imported_twice_at_once_books_once(race_engine):
    regie_id, _, invoice_id, data = _belgian_invoice()
    db.session.remove()

    def load() -> None:
        services.import_file(db.session.get(Regie, regie_id), "extrait.cod", data)

    assert in_parallel(load, load) == [None, None]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BankMovement)) == 2
    assert db.session.get(Invoice, invoice_id).outstanding == 0


def test_two_agents_correcting_one_movement_book_it_once(race_engine):
    regie_id, family_id, invoice_id, data = _belgian_invoice()
    services.import_file(db.session.get(Regie, regie_id), "extrait.cod", data)
    db.session.commit()
    movement_id = db.session.scalar(sa.select(BankMovement.id).where(BankMovement.status == MovementStatus.REJECTED))
    db.session.remove()

    def correct() -> None:
        regie, family = db.session.get(Regie, regie_id), db.session.get(Family, family_id)
        services.correct(regie, db.session.get(BankMovement, movement_id), family, None, keep_credit=True)

    outcome = in_parallel(correct, correct)
    errors = [e for e in outcome if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], DomainError) and "déjà été traité" in errors[0].message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 2
