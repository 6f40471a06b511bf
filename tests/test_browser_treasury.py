"""The « mise en titre » in a real browser (Debian's Chromium), on the French demo: selection, lists, titles PDF,
file, control, settlement, then the counter refusing a payment on a titled invoice."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.test_browser import _log_in, browser, live_server  # noqa: F401
from tests.test_browser_attendance import _live_database

pytestmark = pytest.mark.browser


def test_unpaid_debts_go_to_the_treasury_and_the_counter_then_refuses_them(
        live_server, browser, tmp_path_factory):  # noqa: F811
    base, _ = live_server
    errors: list[str] = []
    page = browser.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    _log_in(page, base, "regisseur@demo.regie.fr")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
    with _live_database(tmp_path_factory).connect() as conn:
        regie_id = conn.execute(sa.text("SELECT id FROM regies WHERE name = 'Restauration scolaire'")).scalar_one()
    page.goto(f"{base}/o/1/tresor/?regie={regie_id}")
    expect(page.get_by_role("heading", name="Mise en titre des impayés")).to_be_visible()

    page.get_by_label("Date de référence").fill("2026-10-31")
    page.get_by_label("N° de bordereau").fill("1")
    page.get_by_label("Premier n° de titre").fill("1")
    page.get_by_role("button", name="Ouvrir la mise en titre").click()
    expect(page.get_by_text("Mise en titre ouverte")).to_be_visible()
    footer = page.locator("tfoot tr").first
    count = footer.locator("th").inner_text().split(" ")[0]
    total = footer.locator("td.num").inner_text().replace("\u202f", "").replace("\xa0", "").replace("€", "").strip()
    assert int(count) > 0
    run_url = page.url

    page.get_by_role("link", name="Liste imputation").click()
    expect(page.get_by_role("heading", name="Compte 7067")).to_be_visible()
    page.goto(run_url)
    page.get_by_role("link", name="Liste détail").click()
    expect(page.get_by_role("heading", name="Activité Cantine")).to_be_visible()
    pdf = page.request.get(run_url + "/titres.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    page.goto(run_url)

    page.get_by_role("button", name="Produire le fichier des titres (PES V2)").click()
    expect(page.get_by_text("Contrôlez-le avant le règlement")).to_be_visible()
    page.get_by_role("button", name="Contrôler le fichier").click()
    expect(page.get_by_text("Contrôle du fichier réussi")).to_be_visible()
    page.get_by_label("Nombre de titres").fill(count)
    page.get_by_label("Montant total").fill(total)
    page.get_by_role("button", name="Régler par titre").click()
    expect(page.get_by_text("Mise en titre réglée")).to_be_visible()
    expect(page.get_by_role("heading", name="Titres émis le", exact=False)).to_be_visible()

    with _live_database(tmp_path_factory).connect() as conn:
        family_id = conn.execute(sa.text(
            "SELECT family_id FROM treasury_titles ORDER BY number LIMIT 1")).scalar_one()
    page.goto(f"{base}/o/1/caisse/familles/{family_id}/regies/{regie_id}/reglement")
    form = page.locator("#payment-form")
    form.get_by_label("Mode de règlement").select_option("virement")
    form.get_by_role("textbox", name="Montant", exact=True).fill("5,00")
    form.get_by_role("button", name="Enregistrer le règlement").click()
    expect(page.get_by_text("ne se paie plus à la régie", exact=False)).to_be_visible()
    assert errors == []
