"""The shared server as it will run: `make serve` (gunicorn's workers, a huey consumer on Redis) on a PostgreSQL
database of its own, freshly migrated by it; an agent logs in over HTTP and takes a cash payment at the counter."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from tests.fixtures import PASSWORD
from tests.stack import Browser, billed_family, hidden_inputs, postgresql_database, shared_server, tail
from webapp import db
from webapp.counter.ledger import check_books
from webapp.counter.models import Payment, PaymentMode
from webapp.formatting import today
from webapp.invoicing.models import Invoice

pytestmark = pytest.mark.stack


@pytest.fixture
def stack_database(database_url: str) -> Iterator[str]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the shared server runs on PostgreSQL: give DATABASE_URL=postgresql+psycopg://…")
    with postgresql_database(database_url, f"regie_stack_{secrets.token_hex(4)}") as url:
        yield url


def _waits_on_its_queue(redis_url: str) -> bool:
    """The job runner is connected and blocked on its queue (huey's blocking BRPOP), up to a minute to start."""
    client = redis.Redis.from_url(redis_url)
    try:
        for _ in range(600):
            if any(c["cmd"] == "brpop" for c in client.client_list()):
                return True
            time.sleep(0.1)
        return False
    finally:
        client.close()


def test_make_serve_takes_a_cash_payment_at_the_counter(stack_database: str, tmp_path: Path) -> None:
    with (tmp_path / "serve.log").open("w+") as log, shared_server(stack_database, log, web_workers=2) as served:
        db.session.remove()
        engine = sa.create_engine(stack_database)
        db.session.configure(bind=engine)
        try:
            world = billed_family()
            db.session.commit()
            email, org_id, regie_id, family_id, invoice_id = (world.agent.email, world.org.id, world.regie.id,
                                                              world.family.id, world.invoice.id)
            db.session.remove()  # what follows reads only what the server committed
            browser = Browser(served.port)
            browser.login(email, PASSWORD)
            path = f"/o/{org_id}/caisse/familles/{family_id}/regies/{regie_id}/reglement"
            status, _, page = browser.request("GET", path)
            assert status == 200, page
            status, headers, page = browser.request("POST", path, {
                **hidden_inputs(page, "amount"), "mode": PaymentMode.CASH.value, "amount": "12,00",
                "received_on": today().isoformat(), "school_year": ""})
            assert status == 303, page

            payment = db.session.scalars(sa.select(Payment).where(Payment.family_id == family_id)).one()
            assert (payment.mode, payment.amount, payment.regie_id) == (PaymentMode.CASH, Decimal("12.00"), regie_id)
            assert headers["Location"].endswith(f"/reglements/{payment.id}")
            assert db.session.get(Invoice, invoice_id).paid == Decimal("12.00")
            assert check_books() == []
            assert _waits_on_its_queue(served.redis_url), tail(log)
        finally:
            db.session.remove()
            engine.dispose()
