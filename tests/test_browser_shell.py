"""The frame around every page, in Chromium: the header at a town hall's usual screen width, the favicon."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.test_browser import _log_in, browser, live_server  # noqa: F401  (the module's server and browser)

pytestmark = pytest.mark.browser


def test_the_logout_button_stays_on_screen_at_1366_pixels(live_server, browser):  # noqa: F811
    """The administrator has the longest bar: every menu, the organisation's name and their own."""
    base, _ = live_server
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    _log_in(page, base, "admin@demo.regie.fr")
    page.wait_for_url(lambda url: "/connexion" not in url)
    page.goto(base + "/o/1/familles/")
    logout = page.get_by_role("button", name="Se déconnecter")
    expect(logout).to_be_visible()
    expect(logout).to_be_in_viewport(ratio=1)
    box = logout.bounding_box()
    assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= 1366
    # Nothing pushes the page sideways either.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.close()


def test_the_favicon_is_linked_and_served(live_server, browser):  # noqa: F811
    base, _ = live_server
    page = browser.new_page()
    page.goto(base + "/connexion")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href and href.endswith(".svg")
    response = page.request.get(base + href)
    assert response.status == 200 and "svg" in response.headers["content-type"]
    page.close()
