"""The billing cycle on the database: compute, hold, regularise, number, export."""

from datetime import date, time
from decimal import Decimal

import pytest
import sqlalchemy as sa

from webapp.attendance.models import Attendance, Presence
from webapp.attendance.services import set_attendance
from webapp.errors import DomainError
from webapp.families.services import add_child
from webapp.invoicing.models import BatchStatus, InvoiceKind, InvoiceStatus, LineKind
from webapp.numbering import NumberSequence
from webapp.invoicing.services import compute_batch, create_period, export_batch, number_batch

D = Decimal


@pytest.fixture
def canteen_world(make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org()
    regie = make_regie(org, invoice_prefix="CANT")
    canteen = make_activity(regie, name="Cantine", unit="repas", accounting_code="7067")
    make_tariff(canteen, label="Repas QF < 800", qf_max=D(800), price=D("2.10"))
    make_tariff(canteen, label="Repas QF ≥ 800", qf_min=D(800), price=D("4.20"))
    low = make_family(org, last_name="Bernard", quotient=D(600))
    high = make_family(org, last_name="Arnaud", quotient=D(1200))
    children = {
        "léo": add_child(low, {"last_name": "Bernard", "first_name": "Léo", "birth_date": date(2017, 5, 1)}),
        "zoé": add_child(high, {"last_name": "Arnaud", "first_name": "Zoé", "birth_date": date(2018, 6, 1)}),
    }
    return org, regie, canteen, children


def _period(org, regie, start=date(2026, 3, 1), end=date(2026, 3, 31), **kw):
    data = {"label": f"Mars {start.year}", "start_date": start, "end_date": end, "invoice_date": date(2026, 4, 3),
            "debit_date": None, "due_date": date(2026, 4, 30), "regularisation_from": None, "fiscal_year": None, **kw}
    return create_period(org, data, [regie], [])


def _days(child, activity, *days, presence=Presence.PRESENT):
    for day in days:
        set_attendance(child, activity, date(2026, 3, day), presence)


def test_compute_prices_each_family_by_its_quotient(canteen_world):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2, 3, 5)
    _days(kids["zoé"], canteen, 2, 3)
    batch = _period(org, regie).batches[0]
    invoices = {i.family.label: i for i in compute_batch(batch)}
    assert batch.status is BatchStatus.COMPUTED and batch.computed_at
    bernard, arnaud = invoices["BERNARD Hélène"], invoices["ARNAUD Hélène"]
    assert [(line.label, line.unit_price, line.quantity, line.amount) for line in bernard.lines] == [
        ("Repas QF < 800", D("2.10"), 3, D("6.30"))]
    assert arnaud.total == D("8.40") and arnaud.status is InvoiceStatus.DRAFT and arnaud.number is None
    assert [item["day"] for item in bernard.lines[0].items] == ["2026-03-02", "2026-03-03", "2026-03-05"]
    assert all(i.fiscal_year == 2026 for i in invoices.values())


def test_recompute_replaces_the_drafts(canteen_world):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2)
    batch = _period(org, regie).batches[0]
    compute_batch(batch)
    _days(kids["léo"], canteen, 3)
    (invoice,) = compute_batch(batch)
    assert invoice.total == D("4.20") and len(batch.invoices) == 1


def test_a_family_without_tariff_is_held_with_the_reason_and_others_go_on(canteen_world, make_family):
    org, regie, canteen, kids = canteen_world
    nobody = make_family(org, last_name="Sans", quotient=None)
    child = add_child(nobody, {"last_name": "Sans", "first_name": "Qf"})
    _days(child, canteen, 2)
    _days(kids["léo"], canteen, 2)
    invoices = {i.family.label: i for i in compute_batch(_period(org, regie).batches[0])}
    held = invoices["SANS Hélène"]
    assert held.status is InvoiceStatus.HELD
    assert "Aucun tarif « Cantine » pour Qf SANS le 02/03/2026, QF inconnu ou expiré" in held.hold_reason
    assert invoices["BERNARD Hélène"].status is InvoiceStatus.DRAFT


def test_justified_absences_are_free_unjustified_ones_follow_the_activity(canteen_world, make_activity, make_tariff):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2, presence=Presence.JUSTIFIED)
    _days(kids["léo"], canteen, 3, presence=Presence.UNJUSTIFIED)
    (invoice,) = compute_batch(_period(org, regie).batches[0])
    assert invoice.total == D("2.10") and "absence non justifiée" in invoice.lines[0].label


def test_fiscal_year_comes_from_the_period_not_the_invoice_date(canteen_world):
    org, regie, canteen, kids = canteen_world
    set_attendance(kids["léo"], canteen, date(2025, 12, 15), Presence.PRESENT)
    from webapp.tariffs.services import create_tariff
    create_tariff(canteen, {"label": "2025", "valid_from": date(2025, 9, 1), "valid_to": date(2025, 12, 31),
                            "mode": "unitaire", "price": D("2.00")})
    period = _period(org, regie, start=date(2025, 12, 1), end=date(2025, 12, 31), label="Décembre 2025",
                     fiscal_year=2025)
    (invoice,) = compute_batch(period.batches[0])
    number_batch(period.batches[0])
    assert invoice.fiscal_year == 2025 and invoice.number == "CANT-2025-000001"
    assert invoice.issued_on == date(2026, 4, 3)


def test_numbering_is_gapless_ordered_and_marks_the_attendances_billed(canteen_world, session):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2)
    _days(kids["zoé"], canteen, 2)
    batch = _period(org, regie).batches[0]
    compute_batch(batch)
    invoices = number_batch(batch)
    assert [(i.family.label, i.number) for i in invoices] == [
        ("ARNAUD Hélène", "CANT-2026-000001"), ("BERNARD Hélène", "CANT-2026-000002")]
    assert all(i.payment_reference == i.number for i in invoices)
    billed = session.scalars(sa.select(Attendance)).all()
    assert {a.billed_invoice_id for a in billed} == {i.id for i in invoices}
    assert sorted(a.billed_amount for a in billed) == [D("2.10"), D("4.20")]
    sequence = session.scalar(sa.select(NumberSequence).where(NumberSequence.regie_id == regie.id))
    assert (sequence.year, sequence.kind, sequence.last_value) == (2026, "facture", 2)
    # The next period goes on from there.
    set_attendance(kids["léo"], canteen, date(2026, 4, 2), Presence.PRESENT)
    april = _period(org, regie, start=date(2026, 4, 1), end=date(2026, 4, 30), label="Avril")
    compute_batch(april.batches[0])
    assert [i.number for i in number_batch(april.batches[0])] == ["CANT-2026-000003"]


def test_numbering_twice_or_recomputing_after_numbering_is_refused(canteen_world):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2)
    batch = _period(org, regie).batches[0]
    with pytest.raises(DomainError, match="Calculez le lot"):
        number_batch(batch)
    compute_batch(batch)
    number_batch(batch)
    with pytest.raises(DomainError, match="déjà été numéroté le .* par le système"):
        number_batch(batch)
    with pytest.raises(DomainError, match="il ne se calcule plus"):
        compute_batch(batch)


def test_numbering_refuses_drafts_older_than_the_attendances(canteen_world):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2)
    batch = _period(org, regie).batches[0]
    compute_batch(batch)
    set_attendance(kids["léo"], canteen, date(2026, 3, 2), None)  # removed after the compute
    with pytest.raises(DomainError, match="recalculez le lot"):
        number_batch(batch)


def test_a_billed_attendance_changed_later_is_regularised_on_the_next_invoice(canteen_world):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2, 3)
    march = _period(org, regie).batches[0]
    compute_batch(march)
    (first,) = number_batch(march)
    # The 3rd was in fact a justified absence: the old invoice stays as it is.
    set_attendance(kids["léo"], canteen, date(2026, 3, 3), Presence.JUSTIFIED)
    set_attendance(kids["léo"], canteen, date(2026, 4, 7), Presence.PRESENT)
    april = _period(org, regie, start=date(2026, 4, 1), end=date(2026, 4, 30), label="Avril")
    (second,) = compute_batch(april.batches[0])
    assert first.total == D("4.20") and len(first.lines) == 1
    regularisation = [line for line in second.lines if line.kind is LineKind.REGULARISATION]
    assert [(line.label, line.amount) for line in regularisation] == [("Régularisation Cantine du 03/03/2026", D("-2.10"))]
    assert second.total == D("0.00")
    number_batch(april.batches[0])
    # Billed once: a third period finds nothing more to bill or regularise.
    may = _period(org, regie, start=date(2026, 5, 1), end=date(2026, 5, 31), label="Mai",
                  regularisation_from=date(2026, 3, 1))
    assert compute_batch(may.batches[0]) == []


def test_a_billed_attendance_edited_back_to_the_same_price_is_not_regularised_and_no_longer_flagged(canteen_world,
                                                                                                     session):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2)
    march = _period(org, regie).batches[0]
    compute_batch(march)
    number_batch(march)
    set_attendance(kids["léo"], canteen, date(2026, 3, 2), Presence.UNJUSTIFIED)
    set_attendance(kids["léo"], canteen, date(2026, 3, 2), Presence.PRESENT)
    attendance = session.scalar(sa.select(Attendance))
    assert attendance.changed_since_billing
    april = _period(org, regie, start=date(2026, 4, 1), end=date(2026, 4, 30), label="Avril")
    assert compute_batch(april.batches[0]) == []
    session.refresh(attendance)
    assert not attendance.changed_since_billing and attendance.billed_amount == D("2.10")


def test_numbering_marks_what_the_typed_line_items_bill(canteen_world, session):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2, 3)
    batch = _period(org, regie).batches[0]
    (draft,) = compute_batch(batch)
    assert [(item.attendance_id, item.day, item.amount) for item in draft.lines[0].line_items] == [
        (a.id, a.day, D("2.10")) for a in session.scalars(sa.select(Attendance).order_by(Attendance.day))]
    (invoice,) = number_batch(batch)
    assert {(a.billed_invoice_id, a.billed_amount) for a in session.scalars(sa.select(Attendance))} == {
        (invoice.id, D("2.10"))}


def test_a_negative_total_becomes_a_credit_note_with_its_own_numbers(canteen_world):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2, 3)
    march = _period(org, regie).batches[0]
    compute_batch(march)
    number_batch(march)
    set_attendance(kids["léo"], canteen, date(2026, 3, 2), None)
    set_attendance(kids["léo"], canteen, date(2026, 3, 3), None)
    april = _period(org, regie, start=date(2026, 4, 1), end=date(2026, 4, 30), label="Avril")
    (credit,) = compute_batch(april.batches[0])
    number_batch(april.batches[0])
    assert credit.kind is InvoiceKind.CREDIT_NOTE and credit.total == D("-4.20")
    assert credit.number == "AV-CANT-2026-000001"


def test_slots_with_arrival_and_departure(make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org()
    regie = make_regie(org)
    care = make_activity(regie, name="Garderie du soir", unit="creneau")
    make_tariff(care, label="Garderie", mode="creneau", price=D("0.50"), slot_minutes=30, daily_cap=D("2.50"))
    child = add_child(make_family(org), {"last_name": "Dupont", "first_name": "Léo"})
    with pytest.raises(DomainError, match="arrivée et le départ"):
        set_attendance(child, care, date(2026, 3, 2), Presence.PRESENT)
    set_attendance(child, care, date(2026, 3, 2), Presence.PRESENT, arrival=time(16, 30), departure=time(17, 40))
    set_attendance(child, care, date(2026, 3, 3), Presence.PRESENT, arrival=time(16, 30), departure=time(19, 30))
    (invoice,) = compute_batch(_period(org, regie).batches[0])
    assert sorted((line.unit_price, line.quantity, line.amount) for line in invoice.lines) == [
        (D("0.50"), 3, D("1.50")), (D("2.50"), 1, D("2.50"))]
    assert invoice.total == D("4.00")


def test_monthly_fee_once_per_child_and_month(canteen_world, make_activity, make_tariff):
    org, regie, _, kids = canteen_world
    club = make_activity(regie, name="Club", unit="jour", monthly_fee=D("5.00"))
    make_tariff(club, price=D("1.00"))
    _days(kids["léo"], club, 4, 11, 18)
    (invoice,) = compute_batch(_period(org, regie).batches[0])
    assert sorted((line.kind.value, line.amount) for line in invoice.lines) == [("consommation", D("3.00")),
                                                                     ("forfait", D("5.00"))]


def test_export_locks_the_batch(canteen_world):
    org, regie, canteen, kids = canteen_world
    _days(kids["léo"], canteen, 2)
    batch = _period(org, regie).batches[0]
    compute_batch(batch)
    with pytest.raises(DomainError, match="Seul un lot numéroté"):
        export_batch(batch)
    number_batch(batch)
    export_batch(batch)
    assert batch.status is BatchStatus.EXPORTED
    with pytest.raises(DomainError, match="déjà été exporté"):
        export_batch(batch)
    with pytest.raises(DomainError, match="il ne se calcule plus"):
        compute_batch(batch)


def test_belgian_invoices_carry_a_structured_communication(make_org, make_regie, make_activity, make_tariff,
                                                           make_family):
    from stdnum.be import ogm_vcs

    org = make_org("BE")
    regie = make_regie(org, invoice_prefix="AES")
    activity = make_activity(regie)
    make_tariff(activity, price=D("3.00"))
    child = add_child(make_family(org), {"last_name": "Peeters", "first_name": "Lotte"})
    _days(child, activity, 2)
    batch = _period(org, regie).batches[0]
    compute_batch(batch)
    (invoice,) = number_batch(batch)
    reference = invoice.payment_reference
    assert reference.startswith("+++") and reference.endswith("+++")
    assert ogm_vcs.is_valid(reference.strip("+"))


def test_an_overlapping_period_for_the_same_regie_is_refused_naming_the_first(canteen_world, make_regie):
    org, regie, canteen, kids = canteen_world
    _period(org, regie)
    with pytest.raises(DomainError, match=r"a déjà la période « Mars 2026 » \(du 01/03/2026 au 31/03/2026\), "
                                          r"créée le .* par le système"):
        _period(org, regie, start=date(2026, 3, 15), end=date(2026, 4, 14), label="Mi-mars")
    other = make_regie(org)
    assert _period(org, other, start=date(2026, 3, 15), end=date(2026, 4, 14)).batches[0].regie_id == other.id
