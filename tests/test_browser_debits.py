"""Direct debits in a real browser (Debian's Chromium): a mandate signed, the lot numbered, its run prepared,
its files built, transmitted and validated, then a pain.002 with one reject: the invoice is due again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.test_browser import _log_in, browser, live_server  # noqa: F401
from tests.test_browser_attendance import _live_database
from tests.test_browser_counter import _watched_page
from tests.test_debits import IBAN, _pain002

pytestmark = pytest.mark.browser


def test_mandate_run_files_validation_and_a_reject(live_server, browser, tmp_path_factory, tmp_path):  # noqa: F811
    base, _ = live_server
    engine = _live_database(tmp_path_factory)
    errors: list[str] = []
    page = _watched_page(browser, errors)
    page.on("dialog", lambda dialog: dialog.accept())
    _log_in(page, base, "regisseur@demo.regie.fr")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
    with engine.connect() as conn:  # a family of the syndicate that pays at reception: no mandate yet
        family_id, label = conn.execute(sa.text(
            "SELECT f.id, f.label FROM families f JOIN organisations o ON o.id = f.organisation_id"
            " WHERE o.id = 1 AND NOT f.direct_debit AND EXISTS (SELECT 1 FROM children c WHERE c.family_id = f.id)"
            " ORDER BY f.number LIMIT 1")).one()

    page.goto(f"{base}/o/1/familles/{family_id}")
    page.get_by_role("link", name="Nouveau mandat · Restauration scolaire").click()
    page.get_by_label("Titulaire du compte").fill(label)
    page.get_by_label("IBAN").fill(IBAN)
    page.get_by_label("Commune").fill("Froges")
    page.get_by_role("button", name="Enregistrer le mandat").click()
    expect(page.get_by_text("enregistré.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mandat RUM-")

    with engine.connect() as conn:
        batch_id = conn.execute(sa.text(
            "SELECT b.id FROM batches b JOIN billing_periods p ON p.id = b.period_id JOIN regies r ON r.id = b.regie_id"
            " WHERE p.label = 'Novembre 2026' AND r.name = 'Restauration scolaire'")).scalar_one()
    page.goto(f"{base}/o/1/facturation/lots/{batch_id}")
    page.get_by_role("button", name="Calculer le lot").click()
    expect(page.get_by_text("Lot calculé.")).to_be_visible()
    page.get_by_role("button", name="Numéroter les factures").click()
    expect(page.get_by_text("Factures numérotées.")).to_be_visible()
    page.get_by_role("link", name="Voulez-vous préparer les prélèvements ?").click()
    page.get_by_role("button", name="Préparer").click()
    expect(page.get_by_text("Prélèvements préparés")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=label)
    expect(row).to_contain_text("FRST")

    page.get_by_role("button", name="Construire les fichiers").click()
    expect(page.get_by_text("Fichiers construits et relus")).to_be_visible()
    expect(page.get_by_role("link", name="PRELEV_FIRST.XML")).to_be_visible()
    page.get_by_role("button", name="Marquer transmis").click()
    expect(page.get_by_text("Fichiers marqués transmis.")).to_be_visible()
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("Prélèvements validés")).to_be_visible()

    with engine.connect() as conn:
        message_id, number = conn.execute(sa.text(
            "SELECT df.message_id, i.number FROM debit_files df JOIN debit_run_items dri ON dri.run_id = df.run_id"
            " JOIN invoices i ON i.id = dri.invoice_id WHERE i.family_id = :family AND df.name = 'PRELEV_FIRST.XML'"),
            {"family": family_id}).one()
    report = tmp_path / "pain002.xml"
    report.write_bytes(_pain002(message_id, number, "AM04"))
    page.get_by_label("Compte rendu de la banque (pain.002)").set_input_files(report)
    page.get_by_role("button", name="Lire le compte rendu").click()
    expect(page.get_by_text("1 rejet(s) enregistré(s)")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=label)).to_contain_text("Provision insuffisante")

    with engine.connect() as conn:
        invoice_id = conn.execute(sa.text("SELECT id FROM invoices WHERE number = :n"), {"n": number}).scalar_one()
    page.goto(f"{base}/o/1/facturation/factures/{invoice_id}")
    expect(page.get_by_text("Impayée").first).to_be_visible()
    assert errors == [], errors
