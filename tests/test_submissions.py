"""A money form books once, whatever the double clicks: the second submission answers with the first result."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from tests.fixtures import PASSWORD, in_parallel
from tests.test_counter_race import _family_with_two_invoices
from webapp import db, submissions
from webapp.auth.models import Role
from webapp.auth.services import create_user, grant
from webapp.counter import services
from webapp.counter.models import CashClosing, Payment
from webapp.formatting import today
from webapp.organisations.models import Regie

TODAY = today().isoformat()


def _pay_url(org_id, family_id, regie_id):
    return f"/o/{org_id}/caisse/familles/{family_id}/regies/{regie_id}/reglement"


def test_a_payment_form_sent_twice_books_once_and_answers_with_the_first_payment(make_world, login, make_user,
                                                                                   session):
    world = make_world()
    client = login(make_user(session.get(Regie, world["regie_id"]).organisation, Role.AGENT))
    url = _pay_url(world["org_id"], world["family_id"], world["regie_id"])
    assert 'name="once"' in client.get(url).get_data(as_text=True)
    form = {"mode": "especes", "amount": "1,50", "received_on": TODAY, "once": client.once()}
    first, second = client.post_form(url, form), client.post_form(url, form)
    assert first.status_code == second.status_code == 303 and first.location == second.location
    assert session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 2  # the world's, and this one
    assert "déjà été envoyé" in client.get(second.location).get_data(as_text=True)
    # Through htmx the answer is the same place.
    again = client.post_form(url, form, headers={"HX-Request": "true"})
    assert first.location in again.headers["HX-Location"]


def test_a_refused_submission_can_be_corrected_and_sent_with_the_same_form(make_world, login, make_user, session):
    world = make_world()
    client = login(make_user(session.get(Regie, world["regie_id"]).organisation, Role.AGENT))
    url = _pay_url(world["org_id"], world["family_id"], world["regie_id"])
    once = client.once()
    assert client.post_form(url, {"mode": "especes", "amount": "douze", "received_on": TODAY,
                                  "once": once}).status_code == 422
    assert client.post_form(url, {"mode": "especes", "amount": "1,00", "received_on": TODAY,
                                  "once": once}).status_code == 303


def test_a_form_too_old_to_be_known_is_refused_rather_than_booked_again(make_world, login, make_user, session,
                                                                       monkeypatch):
    world = make_world()
    client = login(make_user(session.get(Regie, world["regie_id"]).organisation, Role.AGENT))
    monkeypatch.setattr(submissions, "ISSUED_FOR", timedelta(seconds=-1))  # as if issued long ago
    response = client.post_form(_pay_url(world["org_id"], world["family_id"], world["regie_id"]),
                                {"mode": "especes", "amount": "1,00", "received_on": TODAY})
    assert response.status_code == 400 and session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1


def test_a_money_form_without_its_token_is_refused(make_world, login, make_user, session):
    world = make_world()
    client = login(make_user(session.get(Regie, world["regie_id"]).organisation, Role.REGISSEUR))
    url = f"/o/{world['org_id']}/caisse/regies/{world['regie_id']}/journal/{TODAY}/cloture"
    response = client.post(url, data={"counted_cash": "1,00", "csrf_token": client.csrf_token})
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(CashClosing)) == 0


def test_two_simultaneous_submissions_of_one_payment_book_it_once(app, parallel_engine, monkeypatch):
    regie_id, family_id, _ = _family_with_two_invoices()
    regie = db.session.get(Regie, regie_id)
    agent = create_user({"email": "double@example.org", "full_name": "Double Clic", "password": PASSWORD})
    grant(agent, regie.organisation, Role.AGENT)
    org_id = regie.organisation_id
    db.session.commit()
    db.session.remove()
    real = services.record_payment

    def slow(*args, **kwargs):
        payment = real(*args, **kwargs)
        time.sleep(0.5)  # the other submission arrives while this one has not committed
        return payment

    monkeypatch.setattr(services, "record_payment", slow)
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        client.fetch_csrf()
        assert client.post_form("/connexion", {"email": "double@example.org", "password": PASSWORD}).status_code == 303
        client.fetch_csrf()
    form = {"mode": "especes", "amount": "2,00", "received_on": TODAY, "once": clients[0].once()}
    answers: dict[int, object] = {}
    lock = threading.Lock()

    def submit(index):
        response = clients[index].post_form(_pay_url(org_id, family_id, regie_id), form)
        with lock:
            answers[index] = response

    outcome = in_parallel(lambda: submit(0), lambda: submit(1), hold=0)
    assert outcome == [None, None]
    assert [answers[i].status_code for i in (0, 1)] == [303, 303]
    assert answers[0].location == answers[1].location
    assert db.session.scalars(sa.select(Payment.amount).where(Payment.mode == "especes")).all() == [Decimal("2.00")]
