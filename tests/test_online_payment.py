"""PayFiP online payment against the local fake service: the link, the operation, the booking only on PayFiP's
own answer, once; refusals, waits and expiry; and what may not be paid online."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from tests.counter_world import count, invoice, pay, write_off
from tests.fake_payfip import FakePayfip
from tests.fixtures import in_parallel
from webapp import db
from webapp.counter.models import Payment, PaymentMode
from webapp.db import utcnow
from webapp.invoicing.models import Invoice
from webapp.online import jobs, services
from webapp.online.models import OnlinePayment, OnlineStatus
from webapp.online.tokens import SALT, invoice_for
from webapp.organisations.models import PayfipMode

D = Decimal


@pytest.fixture(scope="session")
def fake_payfip():
    fake = FakePayfip().start()
    yield fake
    fake.stop()


@pytest.fixture
def payfip(app, fake_payfip, monkeypatch):
    monkeypatch.setitem(app.config, "PAYFIP_WSDL_URL", fake_payfip.wsdl_url)
    monkeypatch.setitem(app.config, "PAYFIP_PAYMENT_URL", fake_payfip.payment_url)
    return fake_payfip


def _link(app, invoice, organisation_id=None):
    """The invoice's payment link, as `token_for` makes it (without the app context whose end would roll back
    the test's work)."""
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT)
    return f"/paiement/{serializer.dumps([organisation_id or invoice.regie.organisation_id, invoice.id])}"


@pytest.fixture
def online(app, world, payfip):
    world.regie.payfip_enabled, world.regie.payfip_client = True, "123456"
    db.session.flush()
    world.invoice = invoice(world, 3, 2, 3)  # 8.00
    world.url = _link(app, world.invoice)
    return world


def _fresh(obj):
    """The row as the requests left it (each request ends its session)."""
    return db.session.get(type(obj), obj.id)


def _start(client, w):
    response = client.post(w.url, data={"email": "famille@example.org", "csrf_token": client.csrf_token or client.fetch_csrf()})
    assert response.status_code == 303, response.text
    operation = db.session.scalar(sa.select(OnlinePayment).where(OnlinePayment.invoice_id == w.invoice.id)
                                  .order_by(OnlinePayment.id.desc()))
    return response, operation


def test_the_page_shows_the_invoice_and_sends_the_family_to_payfip(client, online, payfip):
    page = client.get(online.url)
    assert page.status_code == 200
    assert online.invoice.number in page.text and "8,00" in page.text and "Payer en ligne" in page.text
    response, operation = _start(client, online)
    assert response.headers["Location"] == f"{payfip.payment_url}?idop={operation.idop}"
    sent = payfip.operations[operation.idop].request
    assert sent["montant"] == "800" and sent["numcli"] == "123456" and sent["saisie"] == "T"
    assert sent["refdet"] == operation.refdet and sent["refdet"].isalnum() and len(sent["refdet"]) <= 30
    assert sent["urlnotif"] == "https://regie.test/paiement/notification"
    assert operation.status is OnlineStatus.PENDING and operation.amount == D("8.00")


@pytest.mark.parametrize(("code", "mode"), [("P", PaymentMode.ONLINE_CARD), ("V", PaymentMode.ONLINE_DEBIT)])
def test_a_paid_operation_is_booked_once_from_payfips_answer(client, online, payfip, code, mode):
    _, operation = _start(client, online)
    payfip.pay(operation.idop, code, notify=False)
    for _ in range(2):  # PayFiP notifies, the family comes back: one payment
        assert client.post("/paiement/notification", data={"idOp": operation.idop}).status_code == 200
    assert "est enregistré" in client.get(f"{online.url}/retour").text
    assert _fresh(online.invoice).outstanding == 0
    operation = _fresh(operation)
    assert operation.status is OnlineStatus.PAID and operation.result == code
    assert operation.payment.mode is mode and operation.payment.amount == D("8.00")
    assert count(db.session, Payment, Payment.family_id == online.family.id) == 1


def test_the_notification_alone_proves_nothing(client, online, payfip):
    _, operation = _start(client, online)
    client.post("/paiement/notification", data={"idOp": operation.idop})  # not paid at PayFiP (P5)
    operation = _fresh(operation)
    assert operation.status is OnlineStatus.PENDING and operation.result == "P5"
    assert count(db.session, Payment, Payment.family_id == online.family.id) == 0
    assert client.post("/paiement/notification", data={"idOp": "inconnu"}).status_code == 404


def test_a_refused_card_is_recorded_and_books_nothing(client, online, payfip):
    _, operation = _start(client, online)
    payfip.pay(operation.idop, "R", notify=False)
    assert "n'a pas abouti" in client.get(f"{online.url}/retour").text
    assert _fresh(operation).status is OnlineStatus.REFUSED
    assert count(db.session, Payment, Payment.family_id == online.family.id) == 0
    _start(client, online)  # the family may try again


def test_an_operation_left_pending_ends_expired_by_the_sweep(app, client, online, payfip):
    _, operation = _start(client, online)
    db.session.commit()  # into the test's transaction: the app context's end closes the session
    with app.app_context():
        assert jobs.sweep() == 0  # too recent to be asked about
        operation.created_at = utcnow() - timedelta(hours=3)
        db.session.commit()
        assert jobs.sweep() == 1
        assert operation.status is OnlineStatus.EXPIRED


def test_a_second_payment_waits_for_the_first(client, online, payfip):
    _start(client, online)
    response = client.post(online.url, data={"email": "famille@example.org", "csrf_token": client.fetch_csrf()})
    assert response.status_code == 422 and "est en cours" in response.text


def test_an_invoice_paid_meanwhile_or_written_off_is_not_paid_online(app, client, online, payfip):
    pay(online, "8.00")
    page = client.get(online.url)
    assert "déjà réglée" in page.text and "Payer en ligne" not in page.text
    assert client.post(online.url, data={"email": "famille@example.org", "csrf_token": client.fetch_csrf()}).status_code == 422
    other = invoice(online, 4, 1)
    write_off(other, "1.00")
    assert "plus payable en ligne" in client.get(_link(app, other)).text


def test_money_paid_after_the_counter_settled_the_invoice_is_kept_as_credit(client, online, payfip):
    _, operation = _start(client, online)
    pay(online, "8.00")
    payfip.pay(operation.idop, "P", notify=False)
    client.post("/paiement/notification", data={"idOp": operation.idop})
    operation = _fresh(operation)
    assert operation.status is OnlineStatus.PAID and operation.payment.amount == D("8.00")


def test_links_name_one_invoice_of_one_organisation(app, client, online, make_org, make_regie):
    elsewhere = _link(app, online.invoice, make_org().id)
    db.session.commit()  # a 404 rolls its request back: the world must outlive it
    assert client.get(online.url + "x").status_code == 404
    assert client.get(elsewhere).status_code == 404
    serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SALT)
    assert client.get(f"/paiement/{serializer.dumps(['x', 'y'])}").status_code == 404
    _fresh(online.regie).payfip_enabled = False
    db.session.flush()
    assert client.get(online.url).status_code == 404


def test_the_invoice_pdf_and_email_carry_the_link(app, online):
    from webapp.online.views import pay_online_link
    db.session.commit()
    with app.app_context():
        link = pay_online_link(online.invoice)
        assert link.startswith("https://regie.test/paiement/")
        assert invoice_for(link.rsplit("/", 1)[1]) is online.invoice


def test_payfip_settings_are_checked(make_org, make_regie):
    from webapp.errors import DomainError
    org = make_org()
    with pytest.raises(DomainError, match="6 chiffres"):
        make_regie(org, payfip_client="12AB56", payfip_enabled="y")
    with pytest.raises(DomainError, match="numéro client"):
        make_regie(org, payfip_enabled="y")
    with pytest.raises(DomainError, match="françaises"):
        make_regie(make_org("BE"), payfip_enabled="y", payfip_client="123456")


def test_two_resolutions_at_once_book_one_payment(race_engine, payfip, app):
    from tests.test_counter_race import _family_with_two_invoices
    regie_id, family_id, invoice_id = _family_with_two_invoices()
    regie = db.session.get(Invoice, invoice_id).regie
    regie.payfip_enabled, regie.payfip_client = True, "123456"
    with app.app_context():
        operation, _ = services.start(db.session.get(Invoice, invoice_id), "famille@example.org",
                                      "https://regie.test/retour", "https://regie.test/notification")
        db.session.commit()
    payfip.pay(operation.idop, "P", notify=False)
    operation_id = operation.id

    def resolve():
        with app.app_context():  # its end closes the session: commit before, holding the locks a while
            services.resolve(db.session.get(OnlinePayment, operation_id))
            time.sleep(0.3)
            db.session.commit()

    assert in_parallel(resolve, resolve) == [None, None]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)
                             .where(Payment.family_id == family_id)) == 2  # the March payment, and this one



def test_an_online_payment_is_in_the_days_journal_and_goes_on_a_slip_of_its_mode(client, online, payfip):
    from webapp.counter import journal, slips
    from webapp.formatting import today
    _, operation = _start(client, online)
    payfip.pay(operation.idop, "P", notify=False)
    client.post("/paiement/notification", data={"idOp": operation.idop})
    regie = _fresh(online.regie)
    assert journal.day_journal(regie, today()).by_mode == {PaymentMode.ONLINE_CARD: D("8.00")}
    slip = slips.create_slip(regie, PaymentMode.ONLINE_CARD)
    assert [item.payment_id for item in slip.items] == [_fresh(operation).payment_id]


def test_a_cancelled_invoice_is_not_paid_online_and_has_no_qr_code(client, online, payfip):
    from webapp.invoicing.cancellation import cancel_invoices
    from webapp.online.qr import shows_qr
    online.regie.transfer_qr = True
    assert shows_qr(online.invoice)
    cancel_invoices([online.invoice], "Erreur de tarif")
    assert not shows_qr(online.invoice)
    db.session.commit()
    page = client.get(online.url)
    assert "a été annulée" in page.text and "Payer en ligne" not in page.text


def test_a_regie_in_payfips_test_mode_offers_no_link_to_real_families(app, online, monkeypatch):
    monkeypatch.setitem(app.config, "PAYFIP_OFFER_TEST_MODE", False)
    with app.test_request_context():
        assert not services.offers_online_payment(online.regie)
        online.regie.payfip_mode = PayfipMode.PRODUCTION
        assert services.offers_online_payment(online.regie)


def test_a_payment_for_an_invoice_cancelled_meanwhile_is_booked_as_credit(client, online, payfip):
    from webapp.invoicing.cancellation import blockers, cancel_invoices
    _, operation = _start(client, online)
    invoice = _fresh(online.invoice)
    assert "paiement en ligne est en cours" in blockers([invoice])[invoice.id]
    payfip.pay(operation.idop, "P", notify=False)
    client.post("/paiement/notification", data={"idOp": operation.idop})
    cancel_invoices([_fresh(online.invoice)], "Erreur de tarif", keep_payments_as_credit=True)
    assert _fresh(operation).status is OnlineStatus.PAID
