"""The counter in a real browser (Debian's Chromium): the invoice lines follow the amount typed, going back after
a payment never shows the old form, and the counter's pages log no error."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.test_browser import _log_in, _money, browser, live_server  # noqa: F401
from tests.test_browser_attendance import _live_database

pytestmark = pytest.mark.browser

# htmx reports a malformed attribute as an event, not on the console: the page says it there.
HTMX_ERRORS = """document.addEventListener('DOMContentLoaded', () => {
  htmx.logger = (elt, event, detail) => {
    if (/error/i.test(event)) console.error(event + ' on ' + (elt && elt.outerHTML || '').slice(0, 200));
  };
});"""


@pytest.fixture(scope="module")
def november(live_server, browser, tmp_path_factory):  # noqa: F811
    """November's canteen invoices numbered, and a family that owes October and November and paid nothing."""
    base, _ = live_server
    page = browser.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _log_in(page, base, "regisseur@demo.regie.fr")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
    page.goto(base + "/o/1/facturation/")
    page.get_by_role("row").filter(has_text="Novembre 2026").get_by_role("link", name="Restauration scolaire").click()
    page.get_by_role("button", name="Calculer le lot").click()
    expect(page.get_by_text("Lot calculé.")).to_be_visible()
    page.get_by_role("button", name="Numéroter les factures").click()
    expect(page.get_by_text("Factures numérotées.")).to_be_visible()
    page.close()
    with _live_database(tmp_path_factory).connect() as conn:
        label = conn.execute(sa.text(
            "SELECT f.label FROM families f JOIN invoices i ON i.family_id = f.id JOIN regies r ON r.id = i.regie_id"
            " WHERE r.name = 'Restauration scolaire' AND i.number IS NOT NULL AND i.kind = 'facture'"
            " AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.family_id = f.id AND p.regie_id = r.id)"
            " GROUP BY f.id, f.label HAVING count(*) = 2 AND sum(i.paid + i.written_off) = 0"
            " ORDER BY f.number LIMIT 1")).scalar_one()
    return base, label


def _watched_page(browser, errors):  # noqa: F811
    page = browser.new_page()
    page.add_init_script(HTMX_ERRORS)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def test_after_clicking_the_newer_invoice_the_lines_follow_the_full_amount_and_back_shows_no_old_form(
        november, browser):  # noqa: F811
    base, label = november
    errors: list[str] = []
    page = _watched_page(browser, errors)
    _log_in(page, base, "agent@demo.regie.fr")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
    page.goto(base + "/o/1/caisse/")
    page.get_by_role("searchbox").press_sequentially(label.split(" ")[0].lower(), delay=20)
    rows = page.locator("tr.clickable").filter(has_text=label)
    expect(rows).to_have_count(2)
    older, newer = rows.nth(0).locator("td.mono a").inner_text(), rows.nth(1).locator("td.mono a").inner_text()
    total = _money(rows.nth(1).locator("td.num").nth(3).inner_text())
    rows.nth(1).click()

    form = page.locator("#payment-form")
    expect(form).to_be_visible()
    older_line = form.get_by_label(f"Montant affecté à {older}")
    newer_line = form.get_by_label(f"Montant affecté à {newer}")
    newer_due = _money(form.get_by_role("row").filter(has_text=newer).locator("td.num").nth(1).inner_text())
    expect(newer_line).to_have_value(f"{newer_due:.2f}".replace(".", ","))
    expect(older_line).to_have_value("")
    form.get_by_label("Mode de règlement").select_option("virement")
    amount = form.get_by_role("textbox", name="Montant", exact=True)
    amount.fill(f"{total:.2f}".replace(".", ","))
    expect(older_line).to_have_value(f"{total - newer_due:.2f}".replace(".", ","))
    expect(newer_line).to_have_value(f"{newer_due:.2f}".replace(".", ","))
    form.get_by_role("button", name="Enregistrer le règlement").click()
    expect(page.get_by_text("Règlement enregistré.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Règlement n°")
    expect(page.get_by_text(older, exact=False).first).to_be_visible()
    expect(page.get_by_text(newer, exact=False).first).to_be_visible()

    # Back: the search as it is now, not the form with its invoices still due.
    page.go_back()
    expect(page.get_by_role("searchbox")).to_be_visible()
    expect(page.locator("#payment-form")).to_have_count(0)
    expect(page.locator("tr.clickable").filter(has_text=label).first).to_contain_text("Aucune facture à payer")
    expect(page.get_by_text(newer)).to_have_count(0)
    assert errors == []


def test_the_counter_pages_log_no_error(live_server, browser):  # noqa: F811
    base, label = live_server
    errors: list[str] = []
    page = _watched_page(browser, errors)
    _log_in(page, base, "regisseur@demo.regie.fr")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
    page.goto(base + "/o/1/caisse/")
    page.get_by_role("searchbox").press_sequentially(label.split(" ")[0].lower(), delay=20)
    row = page.locator("tr.clickable").filter(has_text=label).first
    expect(row).to_be_visible()
    row.click()
    form = page.locator("#payment-form")
    expect(form).to_be_visible()
    form.get_by_role("textbox", name="Montant", exact=True).fill("1,00")
    expect(form.locator("#balances")).to_contain_text("1,00")
    page.get_by_role("link", name=label).first.click()
    expect(page.get_by_role("heading", name="Comptes")).to_be_visible()
    for path in ("/o/1/caisse/journal", "/o/1/caisse/bordereaux", "/o/1/caisse/etat"):
        page.goto(base + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert errors == []
