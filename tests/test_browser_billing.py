"""Billing corrections in Chromium, as an agent goes: a period with a wrong due date is edited, computed and
numbered; one family's invoice is cancelled by a credit note; an attendance is corrected; a complementary lot
bills that family again; the invoice list shows both invoices, the first cancelled."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.test_browser import _log_in, browser, live_server  # noqa: F401
from tests.test_browser_attendance import _live_database

pytestmark = pytest.mark.browser


def test_cancel_one_familys_invoice_correct_it_and_bill_it_again(live_server, browser, tmp_path_factory):  # noqa: F811
    base, _ = live_server
    engine = _live_database(tmp_path_factory)
    page = browser.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _log_in(page, base, "regisseur@demo.regie.fr")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()

    # November's due date is wrong: the agent edits the period before computing it.
    page.goto(base + "/o/1/facturation/")
    page.get_by_role("row").filter(has_text="Novembre 2026").get_by_role("link", name="Modifier").click()
    page.get_by_label("Échéance").fill("2026-12-15")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Période modifiée.")).to_be_visible()
    page.get_by_role("row").filter(has_text="Novembre 2026").get_by_role("link", name="Restauration scolaire").click()
    page.get_by_role("button", name="Calculer le lot").click()
    expect(page.get_by_text("Lot calculé.")).to_be_visible()
    page.get_by_role("button", name="Numéroter les factures").click()
    expect(page.get_by_text("Factures numérotées.")).to_be_visible()

    # One family's invoice is wrong: it is cancelled by a credit note.
    with engine.connect() as conn:
        number, family, child, activity, day = conn.execute(sa.text(
            "SELECT i.number, f.label, c.id, a.activity_id, a.day FROM invoices i"
            " JOIN families f ON f.id = i.family_id JOIN attendances a ON a.billed_invoice_id = i.id"
            " JOIN children c ON c.id = a.child_id JOIN billing_periods p ON p.label = 'Novembre 2026'"
            " JOIN batches b ON b.id = i.batch_id AND b.period_id = p.id"
            " WHERE i.number IS NOT NULL AND i.kind = 'facture' AND a.presence = 'present'"
            " ORDER BY f.number, a.day LIMIT 1")).one()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_text("15/12/2026")).to_be_visible()
    page.get_by_label("Motif").fill("Repas compté à tort")
    page.get_by_role("button", name="Annuler la facture par un avoir").click()
    expect(page.get_by_text("1 avoir(s) émis")).to_be_visible()
    expect(page.get_by_text("Facture annulée par l'avoir")).to_be_visible()

    # The agent corrects the attendance: the child was absent, excused.
    page.goto(f"{base}/o/1/pointage/?activity_id={activity}&day={day}")
    row = page.locator(f"#row-{child}")
    row.locator("select").select_option("absence_justifiee")
    expect(row.locator("select")).to_have_value("absence_justifiee")
    corrected = sa.text("SELECT presence FROM attendances WHERE activity_id = :a AND day = :d AND child_id = :c")
    for _ in range(50):  # the row saves itself through htmx
        with engine.connect() as conn:
            if conn.execute(corrected, {"a": activity, "d": day, "c": child}).scalar_one() == "absence_justifiee":
                break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the grid did not save the corrected attendance")

    # A complementary period bills what the cancellation gave back.
    page.goto(base + "/o/1/facturation/periodes/nouvelle")
    form = page.locator("#period-form")
    for name, value in (("label", "Novembre 2026 complément"), ("start_date", "2026-11-01"),
                        ("end_date", "2026-11-30"), ("invoice_date", "2026-12-10"), ("due_date", "2026-12-31")):
        form.locator(f"[name={name}]").fill(value)
    page.get_by_role("checkbox", name="Restauration scolaire", exact=True).check()
    page.get_by_role("button", name="Créer la période et ses lots").click()
    expect(page.get_by_text("Période « Novembre 2026 complément » créée")).to_be_visible()
    page.get_by_role("row").filter(has_text="Novembre 2026 complément").get_by_role(
        "link", name="Restauration scolaire").click()
    page.get_by_role("button", name="Calculer le lot").click()
    expect(page.get_by_text("Lot calculé.")).to_be_visible()
    page.get_by_role("button", name="Numéroter les factures").click()
    expect(page.get_by_text("Factures numérotées.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=family)).to_have_count(1)

    # The invoice list shows both of the family's invoices, the first one cancelled.
    page.goto(base + "/o/1/facturation/factures/")
    page.get_by_label("Famille").fill(family)
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("row").filter(has_text=number)).to_contain_text("Annulée")
    expect(page.get_by_role("row").filter(has_text=family).filter(has_text="Impayée")).to_have_count(1)
    page.close()
