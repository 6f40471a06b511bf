"""Bank statements in a real browser (Debian's Chromium): Lasne's administrator uploads the example CODA file,
sees the accepted and the rejected transfers, and corrects one rejected transfer; the pages log no error."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.test_browser import _log_in, browser, live_server  # noqa: F401
from tests.test_browser_counter import _watched_page

pytestmark = pytest.mark.browser

CODA = Path(__file__).parent.parent / "examples" / "lasne-extraits-novembre.cod"


def test_upload_a_coda_file_see_accepted_and_rejected_then_correct_one(live_server, browser):  # noqa: F811
    base, _ = live_server
    errors: list[str] = []
    page = _watched_page(browser, errors)
    _log_in(page, base, "admin@lasne.demo.regie.be")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
    page.get_by_role("group").filter(has_text="Caisse").locator("summary").click()
    page.get_by_role("link", name="Relevés bancaires").click()
    expect(page.get_by_role("heading", name="Relevés bancaires")).to_be_visible()

    page.get_by_label("Relevé bancaire (CODA, OFX ou QFX)").set_input_files(CODA)
    page.get_by_role("button", name="Voir l'aperçu").click()
    expect(page.get_by_role("heading", name="Aperçu : lasne-extraits-novembre.cod")).to_be_visible()
    expect(page.get_by_text("Rien ne correspond à cette communication.")).to_be_visible()
    page.get_by_role("button", name="Importer 6 mouvement(s)").click()

    expect(page.get_by_text("6 mouvement(s) importé(s) : 2 paiement(s) accepté(s), 3 rejeté(s)")).to_be_visible()
    expect(page.get_by_role("heading", name="Paiements acceptés (2")).to_be_visible()
    expect(page.get_by_role("heading", name="Paiements rejetés (3")).to_be_visible()
    expect(page.get_by_role("heading", name="Débits (1")).to_be_visible()

    page.goto(page.url.split("/banque/")[0] + "/banque/rejets")
    row = page.get_by_role("row").filter(has_text="accueil du soir octobre")
    expect(page.locator("#rejected tfoot")).to_contain_text("Total (3)")
    row.get_by_role("link", name="Corriger").click()
    expect(page.get_by_role("heading", name="Corriger : virement du 26/11/2026")).to_be_visible()
    page.get_by_label("Famille").select_option(label=page.locator("#famille option", has_text="VINCENT")
                                               .first.inner_text())
    page.get_by_role("button", name="Choisir").click()
    form = page.locator("#correct-form")
    expect(form.get_by_label("Montant affecté à AES-2026-000005")).to_have_value("73,50")
    form.get_by_role("button", name="Enregistrer le virement").click()
    expect(page.get_by_text("Mouvement corrigé : le virement est enregistré.")).to_be_visible()
    expect(page.get_by_text("Virement, Extrait 47 du compte")).to_be_visible()

    page.goto(page.url.split("/caisse/")[0] + "/banque/rejets")
    expect(page.locator("#rejected tfoot")).to_contain_text("Total (2)")
    page.close()
    # Every boosted link logs this (the body's hx-disabled-elt finds no button inside an <a>): app-wide, not ours.
    assert [e for e in errors if 'on hx-disabled-elt returned no matches' not in e] == []
