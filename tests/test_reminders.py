"""Reminders: levels within the Belgian caps, the draft from the books (disputes, minimums, unticked families),
the validation numbering one reminder per family with its own reference, the bank paying that reference, the
letters, and the screens."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from regie_coda import ogm

from webapp.audit.models import AuditEntry
from webapp.bank.matching import Matcher
from webapp.bank.models import MovementStatus
from webapp.bank.reading import ReadMovement
from webapp.counter import ledger
from webapp.errors import DomainError
from webapp.formatting import today
from webapp.organisations.models import Country
from webapp import pdf as html_to
from webapp.reminders import documents, levels, runs
from webapp.reminders.models import Reminder, ReminderRun, ReminderRunStatus

from tests.counter_world import attend, bill
from tests.test_bank import be, coda_file, coda_movement, run as import_statement  # noqa: F401

D = Decimal


def chase(regie, *fees):
    """Levels 1..n: 10 days after the due date, then 15 after the previous reminder, 5.00 minimum."""
    return [levels.add_level(regie, {"rank": n, "delay_days": 10 if n == 1 else 15, "after_previous": n > 1,
                                     "minimum_amount": D("5.00"), "fee": fee, "last": n == len(fees)})
            for n, fee in enumerate(fees, 1)]


@pytest.fixture
def unpaid(world):
    """Bernard owes March (12.00, due 28/04) and April (8.00, due 28/05); Arnaud 4.00 of March."""
    attend(world.child, world.canteen, 3, 2, 3, 5)
    attend(world.other_child, world.canteen, 3, 2)
    march = bill(world, 3)
    attend(world.child, world.canteen, 4, 1, 2)
    april = bill(world, 4)[world.family.id]
    world.march, world.other_march, world.april = march[world.family.id], march[world.other.id], april
    chase(world.regie, D("0"), D("10.00"))
    return world


def open_run(world, day=date(2026, 6, 30), threshold=None):
    return runs.open_run(world.regie, {"reference_date": day, "threshold": threshold})


def test_belgian_levels_above_the_legal_caps_are_refused_naming_the_rule(make_org, make_regie):
    regie = make_regie(make_org("BE"))
    with pytest.raises(DomainError, match="premier rappel est gratuit") as refused:
        levels.add_level(regie, {"rank": 1, "delay_days": 15, "fee": D("2.00")})
    assert refused.value.field == "fee"
    levels.add_level(regie, {"rank": 1, "delay_days": 15, "fee": D("0")})
    with pytest.raises(DomainError, match=r"au plus 7,50.*XIX\.2"):
        levels.add_level(regie, {"rank": 2, "delay_days": 15, "fee": D("8.00")})
    levels.add_level(regie, {"rank": 2, "delay_days": 15, "fee": D("7.50")})
    with pytest.raises(DomainError, match=r"plafonnée à 20,00.*XIX\.4"):
        levels.add_level(regie, {"rank": 3, "delay_days": 15, "fee": D("25.00"), "minimum_amount": D("100.00"),
                                 "last": True})
    assert levels.add_level(regie, {"rank": 3, "delay_days": 15, "fee": D("40.00"), "minimum_amount": D("300.00"),
                                    "last": True}).fee == D("40.00")  # 30 + 10 % of 149.99
    with pytest.raises(DomainError, match="existe déjà"):
        levels.add_level(regie, {"rank": 3, "delay_days": 1})


def test_indemnity_brackets_come_from_the_configuration(app, monkeypatch):
    assert [levels.indemnity_cap(D(v)) for v in ("100", "150", "400", "1000", "50000")] == [
        D("20.00"), D("20.00"), D("55.00"), D("90.00"), D("2000.00")]
    monkeypatch.setitem(app.config, "BE_INDEMNITY_MAX", "100.00")
    with app.test_request_context():
        assert levels.indemnity_cap(D("50000")) == D("100.00")


def test_french_levels_have_no_cap(make_org, make_regie):
    regie = make_regie(make_org("FR"))
    assert levels.add_level(regie, {"rank": 1, "delay_days": 15, "fee": D("30.00")}).fee == D("30.00")


def test_the_draft_follows_the_books_disputes_minimums_and_unticked_families(unpaid, session):
    run = open_run(unpaid)
    draft = runs.select(run)
    bernard, arnaud = sorted(draft.families, key=lambda d: d.family.id != unpaid.family.id)
    assert (bernard.invoices, bernard.amount, bernard.level.rank, bernard.kept) == (
        [unpaid.march, unpaid.april], D("20.00"), 1, True)
    assert arnaud.reason == "Sous le minimum de 5,00\xa0€" and not arnaud.kept
    levels.dispute(unpaid.april, "Absence justifiée")
    assert runs.select(run).kept[0].invoices == [unpaid.march]
    with pytest.raises(DomainError, match="déjà contestée"):
        levels.dispute(unpaid.april, "encore")
    levels.lift_dispute(unpaid.april)
    assert runs.select(open_run(unpaid, date(2026, 6, 5))).kept[0].invoices == [unpaid.march]  # April: 8 days
    runs.choose_families(run, {unpaid.family.id})
    assert runs.select(run).kept == []
    with pytest.raises(DomainError, match="Aucune relance"):
        runs.validate(run)
    runs.delete_run(run)
    assert session.get(ReminderRun, run.id) is None


def test_validation_numbers_one_reminder_per_family_then_the_next_level_follows(unpaid, session):
    run = open_run(unpaid)
    (sent,) = runs.validate(run)
    assert (sent.family_id, sent.rank, sent.amount, sent.sent_on) == (unpaid.family.id, 1, D("20.00"), today())
    assert sent.number == sent.payment_reference == f"REL-CANT-{today().year}-00001"
    assert [ri.invoice for ri in sent.invoices] == [unpaid.march, unpaid.april]
    assert run.status is ReminderRunStatus.VALIDATED
    with pytest.raises(DomainError, match="ont été validées"):
        runs.validate(run)
    with pytest.raises(DomainError, match="ne changent plus"):
        runs.choose_families(run, set())
    with pytest.raises(DomainError, match="ne changent plus"):
        runs.delete_run(run)
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "reminder_run",
                                                        AuditEntry.action == "validate")).one()
    assert entry.changes["total"] == [None, "20.00"]
    # A later run: level 2, 15 days after this reminder; nothing before.
    assert runs.select(open_run(unpaid, today() + timedelta(days=14))).kept == []
    (second,) = runs.select(open_run(unpaid, today() + timedelta(days=15))).kept
    assert second.level.rank == 2 and second.invoices == [unpaid.march, unpaid.april]
    assert runs.of_family(unpaid.family.id) == [sent] and runs.of_invoice(unpaid.march.id) == [sent]
    session.flush()
    with pytest.raises(sa.exc.DatabaseError):  # the database refuses to change a reminder sent
        with session.begin_nested():
            session.execute(sa.update(Reminder).values(amount=D("1.00")))


def test_belgian_reminder_is_paid_by_its_structured_communication_oldest_invoice_first(be, session):  # noqa: F811
    attend(be.child, be.canteen, 4, 1, 2)
    april = bill(be, 4)[be.family.id]
    chase(be.regie, D("0"))
    (sent,) = [r for r in runs.validate(runs.open_run(be.regie, {"reference_date": date(2026, 6, 30)}))
               if r.family_id == be.family.id]
    assert ogm.is_valid(ogm.validate(sent.payment_reference))
    assert sent.payment_reference not in {be.invoice.payment_reference, april.payment_reference}
    assert sent.pay_by > sent.sent_on + timedelta(days=14)  # from the third working day
    assert runs.pay_by(Country.BE, date(2026, 12, 4)) == date(2026, 12, 23)  # Fri → Wed 9, + 14
    data = coda_file(be.regie, [coda_movement(1, "15.00", ogm.validate(sent.payment_reference)),
                                coda_movement(2, "9.00", ogm.validate(sent.payment_reference))])
    result = import_statement(be.regie, data)
    assert (result.booked, result.rejected) == (1, 1)
    assert (be.invoice.outstanding, april.outstanding) == (D("0.00"), D("5.00"))
    assert "dépasse ce qui reste dû sur les factures de cette relance" in result.plan.rows[1].decision.reason
    assert result.plan.rows[0].decision.status is MovementStatus.ACCEPTED
    assert ledger.check_books() == []


def test_a_french_reminders_number_in_a_transfers_text_pays_its_invoices(unpaid):
    (sent,) = runs.validate(open_run(unpaid))
    text = f"VIR SEPA famille bernard relance {sent.number.replace('-', ' ').lower()} merci"
    movement = ReadMovement("x1", date(2026, 12, 1), None, D("14.00"), communication=text)
    decision = Matcher(unpaid.regie).decide(movement)
    assert decision.status is MovementStatus.ACCEPTED
    assert decision.shares == ((unpaid.march.id, D("12.00")), (unpaid.april.id, D("2.00")))


def test_letters_state_the_amounts_the_delay_and_the_reference(be, app, monkeypatch):  # noqa: F811
    _, second = chase(be.regie, D("0"), D("7.50"))
    run = runs.open_run(be.regie, {"reference_date": date(2026, 6, 30)})
    sent = runs.validate(run)
    levels.update_level(second, {"rank": 2, "delay_days": 15, "fee": D("5.00"), "last": True})  # for later runs
    rendered = []
    monkeypatch.setattr(documents, "html_to_pdf", lambda html: rendered.append(html) or html_to.html_to_pdf(html))
    with app.test_request_context():
        assert documents.letters_pdf(run).startswith(b"%PDF")
    (html,) = rendered
    for text in (f"n° d’entreprise {be.regie.company_number}", be.invoice.number, "12,00", "14 jours calendrier",
                 sent[0].payment_reference, "Frais réclamés en cas de non-paiement", "7,50"):
        assert text in html, text


def test_the_screens_from_levels_to_letters(unpaid, login, make_user, session):
    client = login(make_user(unpaid.org))
    base = f"/o/{unpaid.org.id}/relances"
    assert client.get(f"{base}/").status_code == 200
    response = client.post_form(f"{base}/nouvelle?regie={unpaid.regie.id}", {"reference_date": "2026-06-30",
                                                                           "threshold": ""})
    assert response.status_code in (302, 303), response.text
    run = session.scalars(sa.select(ReminderRun)).one()
    page = client.get(f"{base}/{run.id}")
    assert page.status_code == 200 and "BERNARD" in page.text
    client.post_form(f"{base}/{run.id}/familles", {"shown": [unpaid.family.id, unpaid.other.id],
                                                   "kept": [unpaid.family.id]})
    assert session.get(ReminderRun, run.id, populate_existing=True).excluded == [unpaid.other.id]
    assert client.post_form(f"{base}/{run.id}/validation").status_code in (302, 303)
    session.expire_all()
    assert session.get(ReminderRun, run.id).status is ReminderRunStatus.VALIDATED
    assert client.get(f"{base}/{run.id}/lettres.pdf").data.startswith(b"%PDF")
    account = client.get(f"/o/{unpaid.org.id}/caisse/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/compte")
    assert "Relances envoyées" in account.text
    invoice_page = client.get(f"/o/{unpaid.org.id}/facturation/factures/{unpaid.march.id}")
    assert "Relances envoyées" in invoice_page.text and "Marquer contestée" in invoice_page.text
    client.post_form(f"{base}/factures/{unpaid.april.id}/contestation", {"reason": "Absence justifiée"})
    assert levels.disputed(unpaid.april.id).reason == "Absence justifiée"
    client.post_form(f"{base}/factures/{unpaid.april.id}/contestation/levee")
    assert levels.disputed(unpaid.april.id) is None


def test_a_level_is_edited_within_the_caps(be, login, make_user, session):  # noqa: F811
    (level,) = chase(be.regie, D("0"))
    client = login(make_user(be.org))
    url = f"/o/{be.org.id}/relances/niveaux/{level.id}"
    assert client.get(url).status_code == 200
    refused = client.post_form(url, {"rank": "1", "delay_days": "20", "fee": "5,00"})
    assert refused.status_code == 422 and "premier rappel est gratuit" in refused.text
    assert client.post_form(url, {"rank": "1", "delay_days": "20", "fee": "0"}).status_code in (302, 303)
    assert session.get(type(level), level.id, populate_existing=True).delay_days == 20


def test_the_next_level_waits_for_the_last_letters_delay_to_pay(unpaid):
    _, second = levels.levels_of(unpaid.regie.id)
    levels.update_level(second, {"rank": 2, "delay_days": 5, "after_previous": True, "fee": D("10.00")})
    (sent,) = runs.validate(open_run(unpaid))
    assert runs.select(open_run(unpaid, sent.pay_by)).kept == []  # the family may still pay on that day
    (due,) = runs.select(open_run(unpaid, sent.pay_by + timedelta(days=1))).kept
    assert due.level.rank == 2
