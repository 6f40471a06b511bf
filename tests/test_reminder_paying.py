"""A reminder's reference paid at the counter: the search finds the reminder, and the payment form settles its
invoices, oldest first, before the family's others."""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from regie_coda import ogm

from webapp.counter import ledger, references
from webapp.counter.models import Payment
from webapp.invoicing.models import Invoice
from webapp.reminders import runs

from tests.counter_world import attend, bill
from tests.test_bank import be  # noqa: F401
from tests.test_reminders import open_run, unpaid  # noqa: F401

D = Decimal


def test_a_reminder_is_found_by_its_reference_as_printed_or_typed_loosely(app, unpaid):  # noqa: F811
    (sent,) = runs.validate(open_run(unpaid))
    for typed in (sent.number, sent.number.lower(), f"  {sent.number} "):
        (found,) = references.find([unpaid.regie.id], typed)
        assert (found.family_id, found.invoice_ids, found.due) == (
            unpaid.family.id, (unpaid.march.id, unpaid.april.id), D("20.00"))
    assert references.find([unpaid.regie.id + 1000], sent.number) == []
    assert references.find([unpaid.regie.id], "REL-CANT-1999-00001") == []


def test_the_counter_settles_the_reminders_invoices_before_a_newer_one(unpaid, login, make_user, session):  # noqa: F811
    attend(unpaid.child, unpaid.canteen, 5, 4)
    may = bill(unpaid, 5)[unpaid.family.id]
    (sent,) = runs.validate(open_run(unpaid))
    session.commit()
    client = login(make_user(unpaid.org))
    base = f"/o/{unpaid.org.id}/caisse"
    search = client.get(f"{base}/?q={sent.number.lower()}")
    assert f"Relance {sent.number}" in search.text and "20,00" in search.text and "BERNARD" in search.text
    url = f"{base}/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/reglement"
    form = client.get(f"{url}?reference={sent.payment_reference}")
    assert 'value="20,00"' in form.text  # the reminder's invoices, not the whole balance
    lines = client.get(f"{base}/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/lignes?amount=15,00"
                       f"&reference={sent.payment_reference}")
    assert 'value="12,00"' in lines.text and 'value="3,00"' in lines.text
    response = client.post_form(url, {"mode": "especes", "amount": "15,00", "received_on": "2026-12-01",
                                      "school_year": "2026", "reference": sent.payment_reference})
    assert response.status_code in (302, 303), response.text
    march, april, may = (session.get(Invoice, i.id) for i in (unpaid.march, unpaid.april, may))
    assert (march.outstanding, april.outstanding, may.outstanding) == (D("0.00"), D("5.00"), may.total)
    assert session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert ledger.check_books() == []


def test_a_reference_whose_invoices_are_paid_is_refused_in_french(unpaid, login, make_user, session):  # noqa: F811
    (sent,) = runs.validate(open_run(unpaid))
    attend(unpaid.child, unpaid.canteen, 5, 4)
    bill(unpaid, 5)
    session.commit()
    client = login(make_user(unpaid.org))
    url = f"/o/{unpaid.org.id}/caisse/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/reglement"
    client.post_form(url, {"mode": "especes", "amount": "20,00", "received_on": "2026-12-01", "school_year": "2026",
                           "reference": sent.payment_reference})
    session.expire_all()
    search = client.get(f"/o/{unpaid.org.id}/caisse/?q={sent.number}")
    assert "ses factures sont réglées" in search.text
    refused = client.post_form(url, {"mode": "especes", "amount": "1,00", "received_on": "2026-12-01",
                                     "school_year": "2026", "reference": sent.payment_reference})
    assert refused.status_code == 422 and "déjà réglées" in refused.text


def test_another_organisations_reminder_reference_finds_nothing(unpaid, make_org, make_user, login):  # noqa: F811
    (sent,) = runs.validate(open_run(unpaid, date(2026, 6, 30)))
    other = make_org("FR")
    client = login(make_user(other))
    assert f"Relance {sent.number}" not in client.get(f"/o/{other.id}/caisse/?q={sent.number}").text


def test_a_payment_plans_reference_is_paid_at_the_counter_while_the_plan_is_in_force(
        app, unpaid, login, make_user, session):  # noqa: F811
    from webapp.plans import services as plans
    plan = plans.create_plan(unpaid.regie, unpaid.family, {
        "invoice_ids": [unpaid.april.id], "count": 2, "first_due_on": date(2026, 12, 15)})
    (found,) = references.find([unpaid.regie.id], plan.number)
    assert (found.label, found.invoice_ids, found.due) == (f"Échéancier {plan.number}", (unpaid.april.id,), D("8.00"))
    session.commit()
    client = login(make_user(unpaid.org))
    url = f"/o/{unpaid.org.id}/caisse/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/reglement"
    assert 'value="8,00"' in client.get(f"{url}?reference={plan.payment_reference}").text
    response = client.post_form(url, {"mode": "especes", "amount": "4,00", "received_on": "2026-12-01",
                                      "school_year": "2026", "reference": plan.payment_reference})
    assert response.status_code in (302, 303), response.text
    march, april = (session.get(Invoice, i.id) for i in (unpaid.march, unpaid.april))
    assert (march.outstanding, april.outstanding) == (D("12.00"), D("4.00"))  # the plan's invoice first


def test_a_belgian_letter_carries_the_qr_code_of_its_reminders_amount_and_reference(be, app):  # noqa: F811
    import io

    from pypdf import PdfReader

    from tests.test_document_mentions import _qr_codes
    from tests.test_reminders import chase
    from webapp.reminders import documents
    chase(be.regie, D("0"))
    run = runs.open_run(be.regie, {"reference_date": date(2026, 6, 30)})
    sent = {r.family_id: r for r in runs.validate(run)}[be.family.id]
    with app.test_request_context():
        pdf = PdfReader(io.BytesIO(documents.letters_pdf(run)))
    codes = {code[9]: code for code in _qr_codes(pdf)}  # by structured reference
    (service, _version, _charset, kind, _bic, _name, iban, amount, *_) = codes[ogm.validate(sent.payment_reference)]
    assert (service, kind, iban, amount) == ("BCD", "SCT", be.regie.iban, f"EUR{sent.amount.normalize():f}")


def test_the_counter_says_what_a_reference_still_settles_without_a_cancelled_invoice(app, unpaid):  # noqa: F811
    from webapp.invoicing.cancellation import cancel_invoices
    (sent,) = runs.validate(open_run(unpaid))
    cancel_invoices([unpaid.april], "Absence justifiée")
    (found,) = references.find([unpaid.regie.id], sent.number)
    assert found.due == D("12.00")
