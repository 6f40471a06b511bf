"""The key flow in a real browser: Debian's Chromium driven by Playwright against `flask run`.

The server runs as its own process on its own SQLite file, migrated and seeded by the same commands
as `make run`, so this also proves the first-run path.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect, sync_playwright

from tests.fake_payfip import FakePayfip
from webapp import demo

pytestmark = pytest.mark.browser
# Generous waits: CI shares two cores with the server process and Chromium.
expect.set_options(timeout=15_000)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    live_payfip = FakePayfip().start()  # the fake PayFiP the server talks to, as `make run`'s demo does
    folder = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{folder / 'regie.sqlite3'}"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "webapp", "REGIE_SECRET_KEY": "browser-test",
           "REGIE_DEMO": "1", "REGIE_BASE_URL": f"http://127.0.0.1:{port}",
           "REGIE_PAYFIP_WSDL_URL": live_payfip.wsdl_url, "REGIE_PAYFIP_PAYMENT_URL": live_payfip.payment_url,
           "REGIE_PAYFIP_OFFER_TEST_MODE": "true"}
    flask = [sys.executable, "-m", "flask"]
    for command in (["db", "upgrade"], ["demo", "seed"]):
        subprocess.run(flask + command, env=env, check=True, capture_output=True)
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(flask + ["run", "--port", str(port)], env=env, stdout=output, stderr=output)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail(f"the server did not start: {log.read_text()}")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        label = conn.execute(sa.text("SELECT label FROM families ORDER BY number LIMIT 1")).scalar_one()
    engine.dispose()
    yield f"http://127.0.0.1:{port}", label
    server.terminate()
    server.wait(timeout=10)
    live_payfip.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is required (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


def test_log_in_find_a_family_by_typing_and_open_it(live_server, browser, tmp_path):
    base, label = live_server
    last_name, first_name = label.split(" ", 1)
    page = browser.new_page()
    page.goto(base + "/")
    expect(page).to_have_url(f"{base}/connexion")
    page.get_by_label("E-mail").fill("agent@demo.regie.fr")
    page.get_by_label("Mot de passe").fill(demo.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Ce qui vous attend")).to_be_visible()  # the home page
    page.get_by_role("link", name="Familles", exact=True).click()
    expect(page.get_by_role("heading", name="Familles")).to_be_visible()

    search = page.get_by_role("searchbox")
    # Typed the way an agent types: lower case, no accents, part of the name.
    search.press_sequentially(last_name[:4].lower(), delay=60)
    results = page.locator("#results")
    expect(results).to_contain_text(f"pour « {last_name[:4].lower()} »")
    expect(page).to_have_url(f"{base}/o/1/familles/?q={last_name[:4].lower()}", timeout=5000)
    results.get_by_role("link", name=label).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(label)
    expect(page.get_by_role("heading", name="Enfants")).to_be_visible()
    page.screenshot(path=tmp_path / "family.png", full_page=True)


def test_a_form_error_comes_back_in_place(live_server, browser):
    base, _ = live_server
    page = browser.new_page()
    _log_in(page, base, "admin@demo.regie.fr")
    page.get_by_role("link", name="Familles", exact=True).click()
    page.get_by_role("link", name="Nouvelle famille").click()
    expect(page.get_by_role("heading", name="Nouvelle famille")).to_be_visible()
    # htmx moves the focus to the autofocus field after the swap; typing before that would land there.
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_be_focused()
    page.get_by_label("Civilité").select_option("Mme")  # none is assumed
    page.get_by_role("textbox", name="Prénom", exact=True).fill("Inès")
    page.get_by_label("E-mail").fill("pas-une-adresse")
    page.get_by_role("button", name="Créer la famille").click()
    expect(page.locator("#last_name-erreur")).to_be_visible()
    expect(page.get_by_text("Adresse e-mail invalide.")).to_be_visible()
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_be_focused()  # the swapped form's autofocus
    page.get_by_role("textbox", name="Nom", exact=True).fill("Zerbib")
    page.get_by_label("E-mail").fill("ines.zerbib@exemple.fr")
    page.get_by_role("button", name="Créer la famille").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("ZERBIB Inès")
    expect(page.get_by_text("Famille 00041 créée.")).to_be_visible()


def test_compute_a_batch_open_an_invoice_and_number_the_batch(live_server, browser):
    base, _ = live_server
    page = browser.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the "numbers are final" confirmation
    _log_in(page, base, "regisseur@demo.regie.fr")
    expect(page.get_by_role("heading", name="Ce qui vous attend")).to_be_visible()
    page.get_by_text("Facturation", exact=True).click()
    page.get_by_role("link", name="Périodes et lots").click()
    row = page.get_by_role("row").filter(has_text="Novembre 2026")
    row.get_by_role("link", name="Restauration scolaire").click()
    expect(page.get_by_text("Ce lot n'est pas encore calculé.")).to_be_visible()

    page.get_by_role("button", name="Calculer le lot").click()
    expect(page.get_by_text("Lot calculé.")).to_be_visible()
    expect(page.get_by_text("Montant facturé")).to_be_visible()
    page.get_by_role("link", name="non numérotée").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("non numérotée")
    expect(page.get_by_text("Régularisation").or_(page.get_by_text("Repas")).first).to_be_visible()
    page.go_back()

    page.get_by_role("button", name="Numéroter les factures").click()
    expect(page.get_by_text("Factures numérotées.")).to_be_visible()
    expect(page.get_by_role("link", name="CANT-2026-").first).to_be_visible()
    expect(page.get_by_role("button", name="Exporter le lot")).to_be_visible()


def _log_in(page: object, base: str, email: str) -> None:
    page.goto(base + "/connexion")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe").fill(demo.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def _money(text: str) -> Decimal:
    return Decimal(text.replace("€", "").replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "."))


def test_take_a_cheque_see_the_balance_move_and_put_it_on_a_final_slip(live_server, browser, tmp_path):
    base, _ = live_server
    page = browser.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # "the slip becomes final" confirmation
    _log_in(page, base, "regisseur@demo.regie.fr")
    page.get_by_text("Caisse", exact=True).click()
    page.get_by_role("link", name="Encaissement").click()
    expect(page.get_by_role("searchbox")).to_be_focused()

    # An October canteen invoice the demo left unpaid, found by its number; the form opens in place.
    page.get_by_role("searchbox").press_sequentially("CANT-2026-000025", delay=20)
    row = page.locator("tr.clickable").filter(has_text="CANT-2026-000025")
    expect(row).to_be_visible()
    row.click()
    form = page.locator("#payment-form")
    expect(form).to_be_visible()
    expect(form.get_by_label("Mode de règlement")).to_be_focused()
    before = _money(form.locator("#balances dd").first.inner_text())
    form.get_by_label("Mode de règlement").select_option("cheque")
    form.get_by_role("textbox", name="Montant", exact=True).fill("10,00")
    expect(form.locator("#balances")).to_contain_text("− 10,00")
    expect(form.locator("#balances dd").nth(2)).to_contain_text(f"{before - 10:.2f}".replace(".", ","))
    form.get_by_label("N° de chèque").fill("7654321")
    form.get_by_label("Banque", exact=True).select_option("Crédit Mutuel")
    form.get_by_label("Titulaire du compte").fill("Tireur Démo")
    page.screenshot(path=tmp_path / "payment-form.png", full_page=True)
    form.get_by_role("button", name="Enregistrer le règlement").click()

    expect(page.get_by_text("Règlement enregistré.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Règlement n°")
    solde = page.locator(".totals div").filter(has_text="Solde").locator("dd")
    assert _money(solde.inner_text()) == before - 10

    page.get_by_text("Caisse", exact=True).click()
    page.get_by_role("link", name="Bordereaux de remise").click()
    waiting = page.get_by_role("row").filter(has_text="Restauration scolaire")
    waiting.get_by_role("button", name="Préparer le bordereau").click()
    expect(page.get_by_text("Bordereau provisoire préparé")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="7654321")).to_be_visible()
    page.get_by_role("button", name="Valider définitivement").click()
    expect(page.get_by_text("Bordereau validé")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bordereau B-CANT-2026-")
    expect(page.get_by_role("button", name="Retirer")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="7654321")).to_contain_text("10,00")


def test_a_double_click_on_a_payment_books_it_once_and_the_policy_blocks_nothing(live_server, browser):
    base, label = live_server
    page = browser.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text or "htmx:" in message.text else None)
    _log_in(page, base, "agent@demo.regie.fr")
    page.get_by_text("Caisse", exact=True).click()
    page.get_by_role("link", name="Encaissement").click()
    page.get_by_role("searchbox").press_sequentially(label.split(" ")[0].lower(), delay=20)
    link = page.locator("a.row-link").first
    expect(link).to_be_visible()
    link.focus()
    page.keyboard.press("Enter")  # the keyboard opens the form as the mouse does
    form = page.locator("#payment-form")
    expect(form).to_be_visible()
    before = _money(form.locator("#balances dd").first.inner_text())
    form.get_by_role("textbox", name="Montant", exact=True).fill("1,00")
    # The button is disabled from the moment its request leaves.
    page.evaluate("""document.body.addEventListener('htmx:beforeSend', (event) => {
        window.submitDisabled = event.target.querySelector('button').disabled; });""")
    form.get_by_role("button", name="Enregistrer le règlement").dblclick()
    expect(page.get_by_text("Règlement enregistré.")).to_be_visible()
    assert page.evaluate("window.submitDisabled") is True
    solde = page.locator(".totals div").filter(has_text="Solde").locator("dd")
    assert _money(solde.inner_text()) == before - 1
    assert refused == []
