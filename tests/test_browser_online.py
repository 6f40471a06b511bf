"""A family pays its invoice online: the link, PayFiP (the local fake), and the counter seeing it paid."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from playwright.sync_api import expect

from tests.test_browser import _log_in, browser, live_server  # noqa: F401
from tests.test_browser_attendance import _live_database
from webapp.online.tokens import SALT

pytestmark = pytest.mark.browser


def test_a_family_pays_online_and_the_counter_sees_it_paid(live_server, browser, tmp_path_factory):  # noqa: F811
    base, _ = live_server
    with _live_database(tmp_path_factory).connect() as conn:
        org_id, invoice_id, number = conn.exec_driver_sql(
            "SELECT regies.organisation_id, invoices.id, invoices.number FROM invoices "
            "JOIN regies ON regies.id = invoices.regie_id WHERE regies.payfip_enabled AND invoices.number IS NOT NULL "
            "AND invoices.kind = 'facture' AND invoices.total > invoices.paid ORDER BY invoices.id LIMIT 1").one()
    token = URLSafeTimedSerializer("browser-test", salt=SALT).dumps([org_id, invoice_id])
    page = browser.new_page()
    page.goto(f"{base}/paiement/{token}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    page.get_by_label("Votre adresse e-mail").fill("famille@example.org")
    page.get_by_role("button", name="Payer en ligne").click()
    expect(page.get_by_role("heading", name="PayFiP (simulation)")).to_be_visible()
    page.get_by_role("button", name="Payer par carte").click()
    expect(page.get_by_text("est enregistré")).to_be_visible()  # back from PayFiP
    with _live_database(tmp_path_factory).connect() as conn:
        assert conn.exec_driver_sql("SELECT status, result FROM online_payments WHERE invoice_id = ?",
                                    (invoice_id,)).one() == ("payee", "P")

    _log_in(page, base, "regisseur@demo.regie.fr")
    expect(page.get_by_role("heading", name=re.compile("Bonjour"))).to_be_visible()
    page.goto(f"{base}/o/{org_id}/facturation/factures/{invoice_id}")
    expect(page.get_by_role("heading", name="Règlement")).to_contain_text("Payée")
    expect(page.get_by_text("Carte bancaire en ligne (PayFiP)")).to_be_visible()
