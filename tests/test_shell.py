"""The frame around the pages: the favicon, the home page of each role."""

import re

import pytest
import sqlalchemy as sa

from tests.counter_world import PAY_DAY, attend, cheque, pay, period
from webapp.auth.models import Role
from webapp.counter.models import PaymentMode
from webapp.counter.slips import create_slip
from webapp.invoicing.jobs import start as start_job
from webapp.invoicing.services import compute_batch


def test_the_favicon_answers_where_browsers_ask_for_it(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer.location.endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()


def test_after_login_the_user_lands_on_the_home_page_of_their_organisation(client, make_user, make_org):
    org = make_org()
    client.login(make_user(org))
    assert client.get("/").location.endswith(f"/o/{org.id}/")
    assert "Rien n'attend de votre part" in client.get(f"/o/{org.id}/").get_data(as_text=True)


@pytest.fixture
def busy(world):
    """A new lot, a computed one, a cheque waiting for its slip, a provisional cash slip, a day not closed
    (PAY_DAY), and a PDF job queued on the computed lot."""
    period(world, 5)
    attend(world.child, world.canteen, 4, 1, 2)
    computed = period(world, 4).batches[0]
    compute_batch(computed)
    cheque(world, "9.00", "1234567", keep_credit=True)
    pay(world, "5.00", mode="especes", keep_credit=True)
    create_slip(world.regie, PaymentMode.CASH)
    start_job("pdf", computed)
    return world


def _items(html: str) -> dict[str, tuple[str, str]]:
    """{label: (count, link)} of the « what waits » list."""
    return {" ".join(label.split()): (count, link) for link, count, label in re.findall(
        r'<li><a href="([^"]*)"><strong class="count">([^<]*)</strong>([^<]*)</a>', html)}


def test_the_regisseur_sees_each_kind_of_work_waiting_with_a_link(busy, login, make_user):
    client = login(make_user(busy.org, Role.REGISSEUR))
    html = client.get(f"/o/{busy.org.id}/").get_data(as_text=True)
    items = _items(html)
    assert items["Lots à calculer"][0] == "1" and "/lots/" in items["Lots à calculer"][1]
    assert items["Lots calculés à numéroter"][0] == "1"
    assert items["Règlements à remettre en banque (bordereau à préparer)"][0] == "1"  # the cheque
    assert items["Bordereaux provisoires à valider"][0] == "1"
    days = items["Journées de caisse à clôturer"]
    assert days[0] == "1" and f"jour={PAY_DAY.isoformat()}" in days[1] and f"regie={busy.regie.id}" in days[1]
    assert "Travaux en cours" in html and "PDF du lot" in html
    for link in {link for _, link in items.values()}:
        assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_a_reopened_cash_day_is_waiting_again(busy, login, make_user, session):
    from decimal import Decimal

    from webapp.counter import closings

    client = login(make_user(busy.org, Role.REGISSEUR))
    closings.close_day(busy.regie, PAY_DAY, Decimal("999.99"), "Compté avant le dernier encaissement")
    session.commit()
    assert "Journées de caisse à clôturer" not in _items(client.get(f"/o/{busy.org.id}/").get_data(as_text=True))
    closings.reopen_day(busy.regie, PAY_DAY, "Erreur de comptage")
    session.commit()
    assert "Journées de caisse à clôturer" in _items(client.get(f"/o/{busy.org.id}/").get_data(as_text=True))


def test_an_agent_sees_only_the_payments_to_deposit(busy, login, make_user):
    agent = login(make_user(busy.org, Role.AGENT))
    html = agent.get(f"/o/{busy.org.id}/").get_data(as_text=True)
    assert set(_items(html)) == {"Règlements à remettre en banque (bordereau à préparer)"}
    assert "PDF du lot" in html  # what runs is seen by everyone who sees the lots


def test_a_reader_has_nothing_to_do(busy, login, make_user):
    reader = login(make_user(busy.org, Role.READER))
    html = reader.get(f"/o/{busy.org.id}/").get_data(as_text=True)
    assert _items(html) == {} and "Rien n'attend de votre part" in html


def test_the_home_page_reads_in_a_handful_of_queries_and_writes_nothing(busy, login, make_user, engine):
    client = login(make_user(busy.org, Role.ADMIN))
    statements: list[str] = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(f"/o/{busy.org.id}/").status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert len(reads) <= 14, "\n\n".join(reads)
