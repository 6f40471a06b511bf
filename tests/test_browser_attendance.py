"""The attendance grid in Chromium: each row saves itself alone, on the demo's grid of some sixty children."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.test_browser import _log_in, browser, live_server  # noqa: F401

pytestmark = pytest.mark.browser
DAY = "2026-12-07"  # a Monday of school after the demo's two months


def _live_database(tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    """This module's server runs on the newest `live` folder, which pytest links as `livecurrent`."""
    folder = (tmp_path_factory.getbasetemp() / "livecurrent").resolve()
    return sa.create_engine(f"sqlite:///{folder / 'regie.sqlite3'}")


def test_each_row_of_a_sixty_child_grid_saves_itself_alone(live_server, browser, tmp_path_factory):  # noqa: F811
    base, _ = live_server
    engine = _live_database(tmp_path_factory)
    with engine.connect() as conn:
        canteen = conn.execute(sa.text("SELECT id FROM activities WHERE name = 'Cantine'")).scalar_one()
    audited = sa.text("SELECT count(*) FROM audit_entries WHERE entity_type = 'attendance'")
    page = browser.new_page()
    _log_in(page, base, "agent@demo.regie.fr")
    expect(page.get_by_role("heading", name="Bonjour")).to_be_visible()
    page.goto(f"{base}/o/1/pointage/?activity_id={canteen}&day={DAY}")
    rows = page.locator("table.grid-attendance tbody tr")
    expect(rows.first).to_be_visible()
    count = rows.count()
    assert count >= 60
    ids = [rows.nth(i).get_attribute("id") for i in (0, 7, 23, 41, count - 1)]
    with engine.connect() as conn:
        before = conn.execute(audited).scalar_one()

    choices = {ids[0]: "Présent", ids[1]: "Présent", ids[2]: "Absence justifiée", ids[3]: "Présent",
               ids[4]: "Absence non justifiée"}
    for row_id, label in choices.items():
        row = page.locator(f"#{row_id}")
        row.get_by_role("combobox").select_option(label=label)
        expect(row.locator(".status")).to_have_text("Enregistré")
    row = page.locator(f"#{ids[1]}")  # changed twice: two real changes
    # Its status already says « Enregistré » from the first change: wait for the second save's answer itself.
    with page.expect_response(lambda response: response.request.method == "POST" and "/pointage" in response.url):
        row.get_by_role("combobox").select_option(label="Absence justifiée")
    expect(row.locator(".status")).to_have_text("Enregistré")
    choices[ids[1]] = "Absence justifiée"
    expect(rows).to_have_count(count)
    assert page.locator(".status .ok").count() == len(choices)

    page.reload()
    expect(rows).to_have_count(count)
    for row_id, label in choices.items():
        expect(page.locator(f"#{row_id} select option:checked")).to_have_text(label)
    with engine.connect() as conn:
        assert conn.execute(audited).scalar_one() - before == 6
    engine.dispose()
