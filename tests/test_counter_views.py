"""The counter's screens through HTTP: search, the in-place payment form, refusals, roles, the PDFs."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.auth.models import Role
from webapp.counter import ledger, settlement
from webapp.counter.models import (
    AccountEntry,
    CashClosing,
    DepositSlip,
    Payment,
    WriteOff,
)
from webapp.families.services import add_child
from webapp.formatting import today
from webapp.invoicing.services import compute_batch, create_period, number_batch

D = Decimal
TODAY = today().isoformat()


@pytest.fixture
def billed(make_org, make_regie, make_activity, make_tariff, make_family):
    """A family with two numbered canteen invoices: March 12,00 € (oldest) and April 8,00 €."""
    org = make_org()
    regie = make_regie(org, invoice_prefix="CANT")
    canteen = make_activity(regie, name="Cantine")
    make_tariff(canteen, price=D("4.00"))
    family = make_family(org, last_name="Lemaire", first_name="Inès")
    child = add_child(family, {"last_name": "Lemaire", "first_name": "Noé"})
    invoices = []
    for month, days in ((3, (2, 3, 5)), (4, (7, 9))):
        for day in days:
            set_attendance(child, canteen, date(2026, month, day), Presence.PRESENT)
        period = create_period(org, {"label": f"Mois {month}", "start_date": date(2026, month, 1),
                                     "end_date": date(2026, month, 28), "invoice_date": date(2026, month, 28),
                                     "due_date": date(2026, month + 1, 20)}, [regie], [])
        compute_batch(period.batches[0])
        invoices += number_batch(period.batches[0])
    return org, regie, family, invoices


def _pay_url(org, family, regie):
    return f"/o/{org.id}/caisse/familles/{family.id}/regies/{regie.id}/reglement"


def _fresh(session, *objects):
    """The objects as the database has them now: each request ends with its own session."""
    return [session.get(type(obj), obj.id) for obj in objects]


def _login(app, user):
    client = app.test_client()
    assert client.login(user).status_code == 303
    return client


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    return " ".join(text.split())  # lines wrap where the layout wants


def test_search_by_name_or_invoice_number_lists_what_is_due(billed, login, make_user):
    org, regie, family, (march, april) = billed
    client = login(make_user(org, Role.AGENT))
    for query in ("lema", "ines lemaire", family.number, march.number):
        html = client.get(f"/o/{org.id}/caisse/?q={query}", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert html.lstrip().startswith('<section id="results"'), query
        assert march.number in html and april.number in html, query
        # Total due 20,00 € on both rows; before April, the family owed March's 12,00 €.
        assert "20,00\xa0€" in html and "12,00\xa0€" in html, query
    assert "Aucune facture" in client.get(f"/o/{org.id}/caisse/?q=zzzz").get_data(as_text=True)


def test_a_payment_through_htmx_settles_the_oldest_invoice_first(billed, login, make_user, session):
    org, regie, family, (march, april) = billed
    client = login(make_user(org, Role.AGENT))
    # Opened from the family: everything due; from April's row: April, split onto it (March is older).
    html = client.get(_pay_url(org, family, regie), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith('<form id="payment-form"') and 'id="amount" inputmode="decimal" name="amount"' \
        ' required type="text" value="20,00"' in html
    html = client.get(_pay_url(org, family, regie) + f"?facture={april.id}").get_data(as_text=True)
    assert re.search(f'name="share-{april.id}"[^>]*value="8,00"', html)
    assert re.search(f'name="share-{march.id}"[^>]*value=""', html)
    response = client.post_form(_pay_url(org, family, regie), headers={"HX-Request": "true"},
                                data={"mode": "especes", "amount": "15,00", "received_on": TODAY, "school_year": ""})
    assert response.status_code == 200 and "HX-Location" in response.headers, response.get_data(as_text=True)
    payment = session.scalars(sa.select(Payment)).one()
    march, april = _fresh(session, march, april)
    assert (march.paid, april.paid, payment.account.balance) == (D("12.00"), D("3.00"), D("5.00"))
    page = client.get(f"/o/{org.id}/caisse/reglements/{payment.id}").get_data(as_text=True)
    assert payment.receipt_number in page and "Partiellement payée" in page


def test_after_clicking_one_invoice_the_lines_follow_the_full_amount_typed(billed, login, make_user, session):
    org, regie, family, (march, april) = billed
    client = login(make_user(org, Role.AGENT))
    # April was clicked: the form proposed its 8,00 € on its line; the agent types what both invoices owe.
    typed = {"amount": "20,00", "first": str(april.id), f"share-{april.id}": "8,00", f"auto-{april.id}": "8,00",
             f"share-{march.id}": "", f"auto-{march.id}": ""}
    lines = client.get(f"{_pay_url(org, family, regie).removesuffix('reglement')}lignes", query_string=typed,
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert lines.lstrip().startswith('<tbody id="lines"')
    assert re.search(f'name="share-{march.id}"[^>]*value="12,00"', lines)
    assert re.search(f'name="share-{april.id}"[^>]*value="8,00"', lines)
    # A smaller amount goes to the clicked invoice first.
    lines = client.get(f"{_pay_url(org, family, regie).removesuffix('reglement')}lignes",
                       query_string={**typed, "amount": "10"}).get_data(as_text=True)
    assert re.search(f'name="share-{march.id}"[^>]*value="2,00"', lines)
    # Lines typed by hand stay as typed.
    lines = client.get(f"{_pay_url(org, family, regie).removesuffix('reglement')}lignes",
                       query_string={**typed, f"share-{april.id}": "5"}).get_data(as_text=True)
    assert re.search(f'name="share-{april.id}"[^>]*value="5"', lines)
    assert re.search(f'name="share-{march.id}"[^>]*value=""', lines)
    # Sent without a browser to update the lines, the form follows the amount all the same.
    response = client.post_form(_pay_url(org, family, regie), {"mode": "especes", "received_on": TODAY, **typed})
    assert response.status_code == 303
    march, april = _fresh(session, march, april)
    assert (march.paid, april.paid) == (D("12.00"), D("8.00"))


def test_a_manual_split_pays_exactly_what_was_typed(billed, login, make_user, session):
    org, regie, family, (march, april) = billed
    client = login(make_user(org, Role.AGENT))
    response = client.post_form(_pay_url(org, family, regie), {
        "mode": "cheque", "amount": "10,00", "received_on": TODAY, "cheque_number": "0012345", "bank": "LCL",
        f"share-{march.id}": "2,00", f"share-{april.id}": "8"})
    assert response.status_code == 303
    march, april = _fresh(session, march, april)
    assert (march.paid, april.paid) == (D("2.00"), D("8.00"))


@pytest.mark.parametrize("data, message", [
    ({"amount": "0"}, "supérieur à zéro"),
    ({"amount": "-5"}, "supérieur à zéro"),
    ({"amount": "deux euros"}, "Saisissez un nombre"),
    ({"amount": "25,00"}, "garder le trop-perçu en avoir"),
    ({"mode": "cheque", "bank": "LCL"}, "Un chèque s&#39;enregistre avec son numéro"),
    ({"received_on": "2099-01-01"}, "dans le futur"),
    ({"share": "13,00"}, "ne doit plus que 12,00"),
    ({"share": "douze"}, "n&#39;est pas un montant"),
    ({"amount": "950,00", "keep_credit": "y"}, "limité à 300,00\xa0€ (article 1680 du code général des impôts)"),
])
def test_bad_input_comes_back_in_french_and_saves_nothing(billed, login, make_user, session, data, message):
    org, regie, family, (march, _) = billed
    client = login(make_user(org, Role.AGENT))
    data = {"mode": "especes", "amount": "5,00", "received_on": TODAY, **data}
    if "share" in data:
        data[f"share-{march.id}"] = data.pop("share")
    response = client.post_form(_pay_url(org, family, regie), data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    assert _fresh(session, march)[0].paid == 0


def test_a_payment_dated_on_a_closed_day_is_refused(billed, login, make_user, session):
    org, regie, family, _ = billed
    client = login(make_user(org, Role.REGISSEUR))
    url = f"/o/{org.id}/caisse/regies/{regie.id}/journal/{TODAY}/cloture"
    refused = client.post_form(url, {"counted_cash": "3,00", "comment": ""}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "écart de 3,00" in refused.get_data(as_text=True)
    closed = client.post_form(url, {"counted_cash": "3,00", "comment": "Pièces oubliées hier"})
    assert closed.status_code == 303
    closing = session.scalars(sa.select(CashClosing)).one()
    assert (closing.expected_cash, closing.counted_cash, closing.difference) == (D("0.00"), D("3.00"), D("3.00"))
    journal = client.get(f"/o/{org.id}/caisse/journal?regie={regie.id}&jour={TODAY}").get_data(as_text=True)
    assert "Pièces oubliées hier" in journal and "3,00\xa0€" in journal
    printed = _pdf_text(client.get(f"/o/{org.id}/caisse/journal.pdf?regie={regie.id}&jour={TODAY}"))
    assert "Journal de caisse du" in printed and "Pièces oubliées hier" in printed and "écart 3,00 €" in printed
    response = client.post_form(_pay_url(org, family, regie), {
        "mode": "especes", "amount": "5,00", "received_on": TODAY})
    assert response.status_code == 422 and "est clôturée" in response.get_data(as_text=True)
    assert "demandez à un régisseur de rouvrir la journée" in response.get_data(as_text=True)


def test_a_regisseur_reopens_the_closed_day_with_a_reason_an_agent_cannot(app, billed, make_user, session):
    org, regie, family, _ = billed
    regisseur = _login(app, make_user(org, Role.REGISSEUR))
    regisseur.post_form(f"/o/{org.id}/caisse/regies/{regie.id}/journal/{TODAY}/cloture", {"counted_cash": "0,00"})
    journal_url = f"/o/{org.id}/caisse/journal?regie={regie.id}&jour={TODAY}"
    assert "Rouvrir la journée" in regisseur.get(journal_url).get_data(as_text=True)
    url = f"/o/{org.id}/caisse/regies/{regie.id}/journal/{TODAY}/reouverture"
    agent = _login(app, make_user(org, Role.AGENT))
    assert "Rouvrir la journée" not in agent.get(journal_url).get_data(as_text=True)
    assert agent.post_form(url, {"reason": "Oubli"}).status_code == 403
    refused = regisseur.post_form(url, {"reason": ""}, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "Indiquez la raison de la réouverture" in refused.get_data(as_text=True)
    assert regisseur.post_form(url, {"reason": "Chèque oublié"}).status_code == 303
    page = regisseur.get(journal_url).get_data(as_text=True)
    assert "rouverte le" in page and "Chèque oublié" in page and "Clôturer la caisse du" in page
    paid = agent.post_form(_pay_url(org, family, regie), {"mode": "especes", "amount": "5,00", "received_on": TODAY})
    assert paid.status_code == 303


def test_roles_agents_take_payments_only_the_regisseur_undoes_them(app, client, billed, make_user, session):
    org, regie, family, _ = billed
    reader = _login(app, make_user(org, Role.READER))
    assert reader.get(_pay_url(org, family, regie)).status_code == 403
    agent = _login(app, make_user(org, Role.AGENT))
    agent.post_form(_pay_url(org, family, regie), {"mode": "especes", "amount": "5,00", "received_on": TODAY})
    payment_id = session.scalars(sa.select(Payment.id)).one()
    cancel_url = f"/o/{org.id}/caisse/reglements/{payment_id}/annulation"
    assert agent.post_form(cancel_url, {"reason": "Erreur", "cancelled_on": TODAY}).status_code == 403
    regisseur = _login(app, make_user(org, Role.REGISSEUR))
    assert regisseur.post_form(cancel_url, {"reason": "", "cancelled_on": TODAY}).status_code == 422
    assert regisseur.post_form(cancel_url, {"reason": "Mauvaise famille", "cancelled_on": TODAY}).status_code == 303
    payment = session.get(Payment, payment_id)
    assert payment.cancellation.reason == "Mauvaise famille"
    assert payment.account.balance == D("20.00")
    statement = regisseur.get(f"/o/{org.id}/caisse/familles/{family.id}/regies/{regie.id}/compte").get_data(as_text=True)
    assert "Annulation" in statement and "Mauvaise famille" in statement


def test_an_agent_limited_to_one_regie_cannot_pay_at_another(billed, login, make_user, make_regie):
    org, regie, family, _ = billed
    other = make_regie(org)
    agent = login(make_user(org, Role.AGENT, regies=[other]))
    assert agent.get(_pay_url(org, family, regie)).status_code == 404
    assert agent.get(_pay_url(org, family, other)).status_code == 200


def test_an_htmx_post_without_the_csrf_token_is_refused(billed, login, make_user, session):
    org, regie, family, _ = billed
    client = login(make_user(org, Role.AGENT))
    response = client.post(_pay_url(org, family, regie), headers={"HX-Request": "true"},
                           data={"mode": "especes", "amount": "5,00", "received_on": TODAY})
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0


def test_the_receipt_states_the_amount_in_figures_and_words(billed, login, make_user, session):
    org, regie, family, (march, _) = billed
    client = login(make_user(org, Role.AGENT))
    client.post_form(_pay_url(org, family, regie), {"mode": "especes", "amount": "12,50", "received_on": TODAY,
                                                    "keep_credit": "y"})
    payment = session.scalars(sa.select(Payment)).one()
    text = _pdf_text(client.get(f"/o/{org.id}/caisse/reglements/{payment.id}/recu.pdf"))
    assert f"Reçu n° {payment.receipt_number}" in text and payment.receipt_number.startswith("R-CANT-")
    assert "12,50 €" in text and "douze euros et cinquante centimes" in text
    assert f"{march.number}" in text and "Lemaire".upper() in text


def test_the_statement_lists_every_entry_with_its_running_balance(billed, login, make_user, session):
    org, regie, family, (march, april) = billed
    regisseur = login(make_user(org, Role.REGISSEUR))
    regisseur.post_form(_pay_url(org, family, regie), {"mode": "especes", "amount": "15,00", "received_on": TODAY})
    regisseur.post_form(f"/o/{org.id}/caisse/factures/{april.id}/non-valeur", {
        "kind": "seuil", "amount": "2,00", "written_on": TODAY, "reason": "Reliquat minime"})
    assert session.scalars(sa.select(WriteOff)).one().amount == D("2.00")
    text = _pdf_text(regisseur.get(f"/o/{org.id}/caisse/familles/{family.id}/regies/{regie.id}/releve.pdf"))
    # 12,00 + 8,00 − 15,00 − 2,00: the running balance ends on what is left, 3,00 €.
    for expected in (march.number, april.number, "Règlement espèces", "Non-valeur", "Reliquat minime",
                     "20,00 €", "17,00 €", "Reste à payer : 3,00 €"):
        assert expected in text, expected
    entries = session.scalars(sa.select(AccountEntry).order_by(AccountEntry.id)).all()
    assert sum(e.amount for e in entries) == D("3.00") == entries[0].account.balance
    assert ledger.check_books(org.id) == []


def test_a_slip_prints_provisional_then_final_and_never_changes(billed, login, make_user, session):
    org, regie, family, _ = billed
    regisseur = login(make_user(org, Role.REGISSEUR))
    for number, amount in (("1111111", "5,00"), ("2222222", "4,00")):
        regisseur.post_form(_pay_url(org, family, regie), {"mode": "cheque", "amount": amount, "received_on": TODAY,
                                                           "cheque_number": number, "bank": "LCL"})
    response = regisseur.post_form(f"/o/{org.id}/caisse/regies/{regie.id}/bordereaux", {"mode": "cheque"})
    assert response.status_code == 303
    slip = session.scalars(sa.select(DepositSlip)).one()
    assert "PROVISOIRE" in _pdf_text(regisseur.get(f"/o/{org.id}/caisse/bordereaux/{slip.id}.pdf"))
    assert regisseur.post_form(f"/o/{org.id}/caisse/bordereaux/{slip.id}/validation").status_code == 303
    (slip,) = _fresh(session, slip)
    text = _pdf_text(regisseur.get(f"/o/{org.id}/caisse/bordereaux/{slip.id}.pdf"))
    assert f"Bordereau n° {slip.number}" in text and "1111111" in text and "2222222" in text and "9,00 €" in text
    assert "neuf euros" in text
    first_payment = slip.items[0].payment_id
    refused = regisseur.post_form(f"/o/{org.id}/caisse/bordereaux/{slip.id}/retrait/{first_payment}")
    assert refused.status_code == 303
    (slip,) = _fresh(session, slip)
    assert len(slip.items) == 2 and slip.total == D("9.00")
    page = regisseur.get(f"/o/{org.id}/caisse/bordereaux/{slip.id}").get_data(as_text=True)
    assert "ne change plus" in page and "Retirer" not in page


def test_the_invoice_page_shows_its_settlement(billed, login, make_user):
    org, regie, family, (march, _) = billed
    client = login(make_user(org, Role.REGISSEUR))
    client.post_form(_pay_url(org, family, regie), {"mode": "especes", "amount": "5,00", "received_on": TODAY})
    html = client.get(f"/o/{org.id}/facturation/factures/{march.id}").get_data(as_text=True)
    assert "Partiellement payée" in html and "7,00\xa0€" in html and "Admettre en non-valeur" in html


def test_the_regie_state_and_the_family_page_show_the_balances(billed, login, make_user):
    org, regie, family, _ = billed
    client = login(make_user(org, Role.REGISSEUR))
    client.post_form(_pay_url(org, family, regie), {"mode": "especes", "amount": "25,00", "received_on": TODAY,
                                                    "keep_credit": "y"})
    state = client.get(f"/o/{org.id}/caisse/etat?regie={regie.id}&annee=2025").get_data(as_text=True)
    assert "2025-2026" in state and "20,00\xa0€" in state and "Cantine" in state
    assert "5,00\xa0€" in state  # the family's credit
    family_page = client.get(f"/o/{org.id}/familles/{family.id}").get_data(as_text=True)
    assert '<span class="tag">avoir</span> 5,00\xa0€' in family_page and "-5,00" not in family_page
    # The balance the payment form shows: credit in words, never a negative balance.
    form = client.get(_pay_url(org, family, regie), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<dt>Solde avant</dt><dd><span class="tag">avoir</span> 5,00\xa0€</dd>' in form
    results = client.get(f"/o/{org.id}/caisse/?q={family.number}").get_data(as_text=True)
    assert '<strong><span class="tag">avoir</span> 5,00\xa0€</strong>' in results
    # A refund takes money out of the till: the journal shows it with a real minus sign.
    client.post_form(f"/o/{org.id}/caisse/familles/{family.id}/regies/{regie.id}/remboursement", {
        "mode": "especes", "amount": "2,00", "received_on": TODAY, "reason": "Départ"})
    journal = client.get(f"/o/{org.id}/caisse/journal?regie={regie.id}&jour={TODAY}").get_data(as_text=True)
    assert "\u22122,00\xa0€" in journal and "-2,00" not in journal
    statement = client.get(f"/o/{org.id}/caisse/familles/{family.id}/regies/{regie.id}/compte").get_data(as_text=True)
    assert "\u22123,00\xa0€" in statement and "-3,00" not in statement  # the running balance, credit left


def test_a_family_with_nothing_due_can_pay_an_advance_kept_as_credit(billed, login, make_user, make_family, session):
    org, regie, _, _ = billed
    newcomer = make_family(org, last_name="Nouvel", first_name="Arrivant")
    client = login(make_user(org, Role.AGENT))
    html = client.get(f"/o/{org.id}/caisse/?q=nouvel").get_data(as_text=True)
    assert "Aucune facture à payer" in html and _pay_url(org, newcomer, regie) in html
    refused = client.post_form(_pay_url(org, newcomer, regie), {"mode": "especes", "amount": "30,00",
                                                                "received_on": TODAY})
    assert refused.status_code == 422 and "garder le trop-perçu en avoir" in refused.get_data(as_text=True)
    kept = client.post_form(_pay_url(org, newcomer, regie), {"mode": "especes", "amount": "30,00",
                                                             "received_on": TODAY, "keep_credit": "y"})
    assert kept.status_code == 303
    account = ledger.find_account(regie.id, newcomer.id)
    assert account.balance == D("-30.00") and settlement.credit(account) == D("30.00")


def test_money_forms_are_never_kept_by_the_browser_nor_saved_in_htmx_history(billed, login, make_user):
    org, regie, family, _ = billed
    client = login(make_user(org, Role.AGENT))
    form = client.get(_pay_url(org, family, regie), headers={"HX-Request": "true"})
    assert form.headers["Cache-Control"] == "no-store" and 'hx-history="false"' in form.get_data(as_text=True)
    refused = client.post_form(_pay_url(org, family, regie), {"mode": "especes", "amount": ""})
    assert refused.status_code == 422 and refused.headers["Cache-Control"] == "no-store"


def test_a_form_shown_before_the_account_moved_is_refused_and_comes_back_fresh(billed, login, make_user, session):
    from webapp.counter import services

    org, regie, family, (march, april) = billed
    client = login(make_user(org, Role.AGENT))
    page = client.get(_pay_url(org, family, regie), headers={"HX-Request": "true"}).get_data(as_text=True)
    shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)
    # Meanwhile, at the next window, another agent takes the March invoice's payment.
    services.record_payment(regie, family, {"mode": "virement", "amount": D("12.00"), "received_on": today()})
    session.commit()
    response = client.post_form(_pay_url(org, family, regie), {
        "mode": "especes", "amount": "12,00", "received_on": TODAY, "shown": shown}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "a changé depuis l&#39;affichage de ce formulaire" in html
    assert session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert march.number not in html and april.number in html  # the form shows what is due now
    fresh = re.search(r'name="shown" type="hidden" value="([^"]*)"', html).group(1)
    assert fresh != shown
    again = client.post_form(_pay_url(org, family, regie), {
        "mode": "especes", "amount": "8,00", "received_on": TODAY, "shown": fresh})
    assert again.status_code == 303
