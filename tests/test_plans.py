"""Payment plans: instalments monthly or on chosen dates, by count or by amount; the plan's number and reference
(Belgian structured communication of its own series, French number); a payment to that reference settles the
invoices oldest first and the instalments in order; late instalments and their notice; cancellation giving the
invoices back to the reminders at their level; the invoices refused; the screens."""

import calendar
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
from webapp.families.models import Guardian
from webapp.formatting import today
from webapp.invoicing.cancellation import cancel_invoices
from webapp.plans import documents, paying, services
from webapp.plans.models import PaymentPlan, PlanFrequency, PlanStatus
from webapp.reminders import levels, runs
from webapp.treasury import selection
from webapp.treasury.runs import open_run as open_titles

from tests.counter_world import attend, bill, pay
from tests.test_bank import be, coda_file, coda_movement, run as import_statement  # noqa: F401

D = Decimal
MONTHLY, DATES = PlanFrequency.MONTHLY, PlanFrequency.DATES


@pytest.fixture
def unpaid(world):
    """Bernard owes March (12.00, due 28/04) and April (8.00, due 28/05); Arnaud 4.00 of March."""
    attend(world.child, world.canteen, 3, 2, 3, 5)
    attend(world.other_child, world.canteen, 3, 2)
    march = bill(world, 3)
    attend(world.child, world.canteen, 4, 1, 2)
    world.march, world.other_march = march[world.family.id], march[world.other.id]
    world.april = bill(world, 4)[world.family.id]
    return world


def propose(w, invoices=None, **data):
    data = {"count": 2, "first_due_on": today(), **data}
    return services.create_plan(w.regie, w.family, {"invoice_ids": [i.id for i in invoices or (w.march, w.april)],
                                                    **data})


def later(monkeypatch, days):
    monkeypatch.setattr(services, "today", lambda: today() + timedelta(days=days))


def test_instalments_by_count_or_by_amount_monthly_or_on_chosen_dates():
    year = today().year + 1
    first = date(year, 1, 31)
    monthly = services.schedule(D("100.00"), MONTHLY, first_due_on=first, count=3)
    assert monthly == [(first, D("33.33")), (date(year, 2, calendar.monthrange(year, 2)[1]), D("33.33")),
                       (date(year, 3, 31), D("33.34"))]  # the month's last day when it has no 31st
    by_amount = services.schedule(D("100.00"), MONTHLY, first_due_on=first, amount=D("40.00"))
    assert [a for _, a in by_amount] == [D("40.00"), D("40.00"), D("20.00")]
    days = [today() + timedelta(days=n) for n in (40, 10, 70)]
    chosen = services.schedule(D("10.00"), DATES, dates=days)
    assert chosen == [(sorted(days)[0], D("3.33")), (sorted(days)[1], D("3.33")), (sorted(days)[2], D("3.34"))]
    assert sum(a for _, a in services.schedule(D("10.00"), DATES, dates=days[:2], amount=D("6.00"))) == D("10.00")
    for data, message in [
        ({"first_due_on": first, "amount": D("120.00")}, "dépasse le total"),
        ({"first_due_on": first, "count": 37}, "de 1 à 36"),
        ({"first_due_on": first}, "nombre d'échéances ou le montant"),
        ({"count": 2}, "première échéance"),
        ({"first_due_on": today() - timedelta(days=1), "count": 2}, "déjà passée"),
        ({"first_due_on": first, "count": 2, "amount": D("40.00")}, "en font 3, pas 2"),
    ]:
        with pytest.raises(DomainError, match=message):
            services.schedule(D("100.00"), MONTHLY, **data)
    with pytest.raises(DomainError, match="autant de dates"):
        services.schedule(D("100.00"), DATES, dates=days, amount=D("30.00"))


def test_an_instalment_is_at_least_one_cent():
    for frequency, data, field in ((MONTHLY, {"first_due_on": today(), "count": 12}, "count"),
                                   (DATES, {"dates": [today() + timedelta(days=n) for n in range(6)]}, "dates")):
        with pytest.raises(DomainError, match="au moins 0,01\xa0€ : 0,05\xa0€ se paie en 5 échéance") as refused:
            services.schedule(D("0.05"), frequency, **data)
        assert refused.value.field == field
    assert [a for _, a in services.schedule(D("0.05"), MONTHLY, first_due_on=today(), count=5)] == [D("0.01")] * 5


def test_a_french_plan_is_numbered_its_number_is_its_reference_and_it_is_audited(unpaid, session):
    plan = propose(unpaid, count=3)
    assert plan.number == plan.payment_reference == f"ECH-CANT-{today().year}-00001"
    assert [(pi.invoice, pi.amount) for pi in plan.invoices] == [(unpaid.march, D("12.00")), (unpaid.april, D("8.00"))]
    assert [i.amount for i in plan.instalments] == [D("6.66"), D("6.66"), D("6.68")] and plan.total == D("20.00")
    assert plan.status is PlanStatus.IN_FORCE
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "payment_plan")).one()
    assert entry.action == "create" and entry.changes["total"] == [None, "20.00"]
    assert unpaid.march.number in entry.changes["invoices"][1] and len(entry.changes["instalments"][1].split(", ")) == 3
    other = services.create_plan(unpaid.regie, unpaid.other, {"invoice_ids": [unpaid.other_march.id], "count": 1,
                                                             "first_due_on": today()})
    assert other.sequence == 2  # gapless, per régie and year
    session.flush()
    with pytest.raises(sa.exc.DatabaseError):  # what was agreed never changes
        with session.begin_nested():
            session.execute(sa.text("UPDATE plan_instalments SET amount = 1"))
    with pytest.raises(sa.exc.DatabaseError):
        with session.begin_nested():
            session.execute(sa.text("DELETE FROM payment_plans"))


def test_a_belgian_plan_is_paid_by_its_structured_communication_oldest_invoice_then_instalment_first(be, session):  # noqa: F811
    attend(be.child, be.canteen, 4, 1, 2)
    april = bill(be, 4)[be.family.id]
    plan = services.create_plan(be.regie, be.family, {"invoice_ids": [april.id, be.invoice.id], "count": 2,
                                                      "first_due_on": today()})
    digits = ogm.validate(plan.payment_reference)
    assert ogm.is_valid(digits) and digits[5] == "8"  # the plans' series
    assert plan.payment_reference not in {be.invoice.payment_reference, april.payment_reference}
    assert [pi.invoice for pi in plan.invoices] == [be.invoice, april]  # oldest first
    data = coda_file(be.regie, [coda_movement(1, "14.00", digits), coda_movement(2, "9.00", digits)])
    result = import_statement(be.regie, data)
    assert (result.booked, result.rejected) == (1, 1)
    assert "dépasse ce qui reste dû sur les factures de cet échéancier" in result.plan.rows[1].decision.reason
    assert (be.invoice.outstanding, april.outstanding) == (D("0.00"), D("6.00"))
    found = services.progress(plan)
    assert found.received == D("14.00") and [s.covered for s in found.instalments] == [D("10.00"), D("4.00")]
    assert [s.settled for s in found.instalments] == [True, False] and not found.completed
    assert ledger.check_books() == []


def test_a_french_plans_number_in_a_transfers_text_pays_its_invoices(unpaid):
    plan = propose(unpaid)
    text = f"VIR SEPA bernard echeancier {plan.number.replace('-', ' ').lower()}"
    decision = Matcher(unpaid.regie).decide(ReadMovement("x1", date(2026, 12, 1), None, D("14.00"), communication=text))
    assert decision.status is MovementStatus.ACCEPTED
    assert decision.shares == ((unpaid.march.id, D("12.00")), (unpaid.april.id, D("2.00")))
    assert paying.SOURCE.payable_by_reference(unpaid.regie.id) == {plan.number: [unpaid.march.id, unpaid.april.id]}
    services.cancel_plan(plan, "Rompu")
    assert paying.SOURCE.payable_by_reference(unpaid.regie.id) == {}  # a cancelled plan's reference pays nothing


def test_late_instalments_are_listed_and_any_payment_counts(unpaid, monkeypatch):
    plan = propose(unpaid, count=2)
    assert services.of_regie(unpaid.regie.id)[0].late == []
    pay(unpaid, "4.00", received_on=today())  # at the counter, without the plan's reference
    later(monkeypatch, 20)
    (found,) = services.of_regie(unpaid.regie.id)
    assert [s.instalment.rank for s in found.late] == [1] and found.state == "En retard"
    assert (found.expected, found.received, found.due_now) == (D("10.00"), D("4.00"), D("6.00"))
    pay(unpaid, "6.00", received_on=today())
    assert services.progress(plan).late == []
    pay(unpaid, "10.00", received_on=today())
    assert services.progress(plan).completed and services.progress(plan).state == "Soldé"
    with pytest.raises(DomainError, match="soldé"):
        services.cancel_plan(plan, "Rompu")


def test_while_in_force_the_family_is_not_reminded_nor_titled_and_cancelling_resumes_at_its_level(unpaid, session):
    levels.add_level(unpaid.regie, {"rank": 1, "delay_days": 10, "fee": D("0")})
    levels.add_level(unpaid.regie, {"rank": 2, "delay_days": 15, "fee": D("0"), "after_previous": True})
    runs.validate(runs.open_run(unpaid.regie, {"reference_date": date(2026, 6, 30)}))
    plan = propose(unpaid)
    draft = runs.select(runs.open_run(unpaid.regie, {"reference_date": today() + timedelta(days=20)}))
    (bernard,) = [d for d in draft.families if d.family.id == unpaid.family.id]
    assert bernard.reason == "Échéancier en cours" and not bernard.kept
    title_run = open_titles(unpaid.regie, {"reference_date": date(2026, 6, 30), "bordereau_number": 1,
                                           "first_title_number": 1})
    assert unpaid.family.id not in {d.family.id for d in selection.select(title_run).families}
    with pytest.raises(DomainError, match="motif"):
        services.cancel_plan(plan, " ")
    services.cancel_plan(plan, "Échéance de janvier impayée")
    assert plan.status is PlanStatus.CANCELLED and plan.cancel_reason == "Échéance de janvier impayée"
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "payment_plan",
                                                        AuditEntry.action == "cancel")).one()
    assert entry.changes["status"] == ["en_cours", "annule"]
    (bernard,) = [d for d in runs.select(runs.open_run(unpaid.regie, {"reference_date": today() + timedelta(days=20)}))
                  .kept if d.family.id == unpaid.family.id]
    assert bernard.level.rank == 2 and bernard.invoices == [unpaid.march, unpaid.april]
    assert unpaid.family.id in {d.family.id for d in selection.select(title_run).families}
    with pytest.raises(DomainError, match="déjà annulé"):
        services.cancel_plan(plan, "encore")
    session.flush()
    with pytest.raises(sa.exc.DatabaseError):  # a cancelled plan no longer changes
        with session.begin_nested():
            session.execute(sa.text("UPDATE payment_plans SET cancel_reason = 'autre'"))


def test_invoices_a_plan_refuses(unpaid, session):
    propose(unpaid, [unpaid.march])
    with pytest.raises(DomainError, match="déjà dans un échéancier en cours") as refused:
        propose(unpaid, [unpaid.march, unpaid.april])
    assert refused.value.field == "invoice_ids"
    unpaid.april.titled = D("1.00")
    session.flush()
    with pytest.raises(DomainError, match="mise en titre"):
        propose(unpaid, [unpaid.april])
    unpaid.april.titled = D("0.00")
    levels.dispute(unpaid.april, "Absence justifiée")
    with pytest.raises(DomainError, match="contestée"):
        propose(unpaid, [unpaid.april])
    with pytest.raises(DomainError, match="pas une facture de la famille"):
        propose(unpaid, [unpaid.other_march])
    with pytest.raises(DomainError, match="Cochez"):
        services.create_plan(unpaid.regie, unpaid.family, {"invoice_ids": [], "count": 1, "first_due_on": today()})
    cancel_invoices([unpaid.other_march], "Erreur de pointage")
    with pytest.raises(DomainError, match="annulée par un avoir"):
        services.create_plan(unpaid.regie, unpaid.other, {"invoice_ids": [unpaid.other_march.id], "count": 1,
                                                         "first_due_on": today()})
    assert services.candidates(unpaid.regie.id, unpaid.family.id) == []


def test_the_documents_state_the_schedule_and_the_delay(unpaid, app, monkeypatch):
    plan = propose(unpaid)
    rendered = []
    monkeypatch.setattr(documents, "html_to_pdf", lambda html: rendered.append(html) or b"%PDF")
    later(monkeypatch, 20)
    monkeypatch.setattr(documents, "today", lambda: today() + timedelta(days=20))
    with app.test_request_context():
        documents.schedule_pdf(plan)
        documents.late_letter_pdf(plan)
    schedule, late = rendered
    for text in (plan.number, unpaid.march.number, "10,00", "20,00", plan.payment_reference):
        assert text in schedule, text
    for text in ("Notification de retard", "Montant dû à ce jour", "Montant reçu", "0,00", "10,00"):
        assert text in late, text


def test_the_screens_from_the_account_to_the_cancellation(unpaid, login, make_user, session, outbox, monkeypatch):
    client = login(make_user(unpaid.org))
    org = unpaid.org.id
    account = client.get(f"/o/{org}/caisse/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/compte")
    assert "Proposer un échéancier" in account.text
    url = f"/o/{org}/echeanciers/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/nouveau"
    page = client.get(url)
    assert page.status_code == 200 and unpaid.march.number in page.text
    refused = client.post_form(url, {"invoice_ids": [unpaid.march.id], "frequency": "mensuelle", "count": "0",
                                     "first_due_on": today().isoformat()})
    assert refused.status_code == 422
    refused = client.post_form(url, {"invoice_ids": ["x", "99999999999999"], "frequency": "dates",
                                     "dates": "31/02/2027"})
    assert refused.status_code == 422 and "pas une date" in refused.text
    assert client.post(url, data={"invoice_ids": [unpaid.march.id], "count": "2", "once": client.once(),
                                  "first_due_on": today().isoformat()}).status_code == 400  # no CSRF token
    form = {"invoice_ids": [unpaid.march.id, unpaid.april.id], "frequency": "mensuelle", "count": "2",
            "first_due_on": today().isoformat(), "once": client.once()}
    first, second = client.post_form(url, form), client.post_form(url, form)
    assert first.status_code == second.status_code == 303 and first.location == second.location
    plan = session.scalars(sa.select(PaymentPlan)).one()  # sent twice, created once
    assert client.get(first.location).status_code == 200
    assert plan.number in client.get(f"/o/{org}/facturation/factures/{unpaid.march.id}").text
    assert plan.number in client.get(f"/o/{org}/caisse/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/compte").text
    assert client.get(f"/o/{org}/echeanciers/{plan.id}/echeancier.pdf").data.startswith(b"%PDF")
    assert client.get(f"/o/{org}/echeanciers/{plan.id}/retard.pdf").status_code == 404  # nothing late yet
    index = client.get(f"/o/{org}/echeanciers/?regie={unpaid.regie.id}")
    assert plan.number in index.text and "Aucune échéance en retard" in index.text
    later(monkeypatch, 20)
    assert "Aucune échéance en retard" not in client.get(f"/o/{org}/echeanciers/").text
    assert client.get(f"/o/{org}/echeanciers/{plan.id}/retard.pdf").data.startswith(b"%PDF")
    assert "à envoyer par courrier" in client.get(f"/o/{org}/echeanciers/{plan.id}").text
    session.execute(sa.update(Guardian).where(Guardian.family_id == unpaid.family.id)
                    .values(email="bernard@example.org"))
    assert 'name="once"' in client.get(f"/o/{org}/echeanciers/{plan.id}").text
    notice = {"once": client.once()}
    first, second = (client.post_form(f"/o/{org}/echeanciers/{plan.id}/retard/envoi", notice) for _ in range(2))
    assert first.status_code == second.status_code == 303 and first.location == second.location
    (message,) = outbox  # sent twice, e-mailed once
    assert message["To"] == "bernard@example.org" and plan.number in message["Subject"]
    assert [part.get_filename() for part in message.iter_attachments()] == [f"retard-{plan.number}.pdf"]
    notified = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "notify")).one()
    assert notified.entity_type == "payment_plan" and notified.changes["late"] == [None, "10.00"]
    assert client.post_form(f"/o/{org}/echeanciers/{plan.id}/annulation", {"reason": ""}).status_code == 422
    assert client.post_form(f"/o/{org}/echeanciers/{plan.id}/annulation",
                            {"reason": "Échéances impayées"}).status_code == 303
    assert session.get(PaymentPlan, plan.id, populate_existing=True).status is PlanStatus.CANCELLED


def test_another_organisations_plan_is_404(unpaid, make_org, login, make_user):
    plan = propose(unpaid)
    stranger = login(make_user(make_org()))
    for url in (f"/o/{unpaid.org.id}/echeanciers/{plan.id}", f"/o/{unpaid.org.id}/echeanciers/{plan.id}/echeancier.pdf"):
        assert stranger.get(url).status_code == 404


def test_bad_input_on_the_proposal_is_refused_in_french(unpaid, login, make_user):
    client = login(make_user(unpaid.org))
    url = f"/o/{unpaid.org.id}/echeanciers/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/nouveau"
    for data in ({"frequency": "hebdo"}, {"count": "١٢"}, {"amount": "NaN"}, {"first_due_on": "9999-12-31"},
                 {"dates": "1/1/1900"}, {"invoice_ids": "abc"}):
        refused = client.post_form(url, {"invoice_ids": [unpaid.march.id], "count": "2",
                                         "first_due_on": today().isoformat(), **data})
        assert refused.status_code == 422, data
        assert "Not a valid" not in refused.text and "Invalid" not in refused.text, data
