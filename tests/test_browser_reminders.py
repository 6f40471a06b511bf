"""Reminders in a real browser (Debian's Chromium), on the French demo: a run by balance, one family unticked,
the validation, the letters PDF, then the reminder's reference typed at the counter settles its invoices and its
fee."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.test_browser import _log_in, browser, live_server  # noqa: F401
from tests.test_browser_attendance import _live_database
from tests.test_browser_counter import _watched_page

pytestmark = pytest.mark.browser


def test_a_run_by_balance_from_the_draft_to_a_payment_of_its_reference(live_server, browser, tmp_path_factory):  # noqa: F811
    base, _ = live_server
    engine = _live_database(tmp_path_factory)
    errors: list[str] = []
    page = _watched_page(browser, errors)
    _log_in(page, base, "regisseur@demo.regie.fr")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
    with engine.connect() as conn:
        regie_id = conn.execute(sa.text("SELECT id FROM regies WHERE name = 'Restauration scolaire'")).scalar_one()
    page.goto(f"{base}/o/1/relances/?regie={regie_id}")
    expect(page.get_by_role("heading", name="Relances des impayés")).to_be_visible()
    # The demo's invoices fall due on 30/11: the first level comes fifteen days later.
    page.get_by_label("Date arrêtée").fill("2026-12-31")
    page.get_by_label("Date des relances").fill("2026-12-31")
    page.get_by_role("button", name="Préparer le brouillon").click()
    expect(page.get_by_text("Brouillon de relances créé")).to_be_visible()
    run_url = page.url
    boxes = page.locator("input[name=kept]:checked")
    kept = boxes.count()
    assert kept >= 2
    unticked = boxes.first.get_attribute("aria-label")
    boxes.first.uncheck()
    page.get_by_role("button", name="Enregistrer la sélection").click()
    expect(page.get_by_text("Sélection enregistrée.")).to_be_visible()
    expect(page.get_by_label(unticked)).not_to_be_checked()

    page.get_by_role("button", name="Valider les relances").click()
    expect(page.get_by_text(f"Relances validées : {kept - 1} relance(s).")).to_be_visible()
    letters = page.request.get(run_url + "/lettres.pdf")
    assert letters.ok and letters.body().startswith(b"%PDF")

    with engine.connect() as conn:  # a reminder with a fee: level 2 and beyond cost something in the demo
        reminder_id, number, family_id = conn.execute(sa.text(
            "SELECT id, number, family_id FROM reminders WHERE regie_id = :regie ORDER BY fee DESC, id LIMIT 1"),
            {"regie": regie_id}).one()
    page.goto(f"{base}/o/1/caisse/")
    page.get_by_role("searchbox").fill(number)
    page.get_by_role("link", name="encaisser ses factures").click()
    form = page.locator("#payment-form")
    form.get_by_label("Mode de règlement").select_option("virement")
    form.get_by_role("button", name="Enregistrer le règlement").click()
    expect(page.get_by_text("Règlement enregistré.")).to_be_visible()
    with engine.connect() as conn:
        left = conn.execute(sa.text(
            "SELECT SUM(i.total - i.paid - i.written_off - i.titled) FROM reminded_invoices ri"
            " JOIN invoices i ON i.id = ri.invoice_id WHERE ri.reminder_id = :id"), {"id": reminder_id}).scalar_one()
    assert left == 0, f"the reminder {number} of family {family_id} still owes {left}"
    assert errors == [], errors
