"""The invoice list (filters, totals), the payment search and their CSV and XLSX exports."""

import csv
import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from webapp.auth.models import Role
from webapp.errors import DomainError
from webapp.invoicing import cancellation

from tests.counter_world import D, PAY_DAY, attend, bill, cheque


def _billed(world):
    attend(world.child, world.canteen, 3, 2, 3)  # 8.00
    attend(world.other_child, world.canteen, 3, 2, 3, 4)  # 12.00
    invoices = bill(world, 3)
    cheque(world, "12.00", "0001234", family=world.other)
    return invoices, invoices[world.family.id].number, invoices[world.other.id].number


def test_the_invoice_list_filters_by_status_and_amount_and_totals_what_it_shows(login, make_user, world, session):
    invoices, mine, theirs = _billed(world)
    cancellation.cancel_invoices([invoices[world.family.id]], "Erreur")
    client = login(make_user(world.org, Role.REGISSEUR))
    url = f"/o/{world.org.id}/facturation/factures/"
    page = client.get(url).get_data(as_text=True)
    assert "Annulée" in page and "Payée" in page and "AV-CANT-2026-000001" in page
    paid = client.get(url, query_string={"statut": "payee"}).get_data(as_text=True)
    assert theirs in paid and mine not in paid
    cancelled = client.get(url, query_string={"statut": "annulee", "min": "5", "max": "9,00"}).get_data(as_text=True)
    assert mine in cancelled and "<dd>1</dd>" in cancelled
    search = client.get(url, query_string={"q": "arnaud", "statut": "NaN", "min": "1e999", "periode": "١٢"})
    assert search.status_code == 200 and mine not in search.get_data(as_text=True)


def test_the_exports_give_french_headers_numbers_and_dates(login, make_user, world, session):
    invoices, mine, theirs = _billed(world)
    client = login(make_user(world.org, Role.REGISSEUR))
    response = client.get(f"/o/{world.org.id}/facturation/factures/export")
    assert response.headers["Content-Disposition"] == 'attachment; filename="factures.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:8] == ["Numéro", "Type", "Famille", "N° famille", "Date", "Échéance", "Exercice", "Montant"]
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[mine][4:8] == ["03/04/2026", "28/04/2026", "2026", "8,00"]
    xlsx = client.get(f"/o/{world.org.id}/facturation/factures/export", query_string={"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.get_data())).active
    header, *lines = list(sheet.values)
    assert header[7] == "Montant"
    first = {line[0]: line for line in lines}[theirs]
    assert first[7] == 12 and first[4].date() == date(2026, 4, 3) and first[header.index("Statut")] == "Payée"


def test_payment_search_finds_a_cheque_by_number_payer_or_amount_and_exports_it(login, make_user, world, session):
    _billed(world)
    client = login(make_user(world.org, Role.REGISSEUR))
    url = f"/o/{world.org.id}/caisse/reglements/"
    assert "Choisissez au moins un critère" in client.get(url).get_data(as_text=True)
    for criteria in ({"cheque": "1234"}, {"payeur": "arnaud"}, {"montant": "12,00", "mode": "cheque"},
                     {"du": PAY_DAY.isoformat(), "au": PAY_DAY.isoformat()}):
        page = client.get(url, query_string=criteria).get_data(as_text=True)
        assert "ARNAUD Hélène" in page, criteria
    assert "Aucun règlement" in client.get(url, query_string={"montant": "13"}).get_data(as_text=True)
    assert client.get(url, query_string={"du": "2026-02-30", "montant": "NaN", "mode": "x"}).status_code == 200
    exported = client.get(f"/o/{world.org.id}/caisse/reglements/export", query_string={"cheque": "1234"})
    assert "0001234" in exported.get_data(as_text=True) and ";12,00;" in exported.get_data(as_text=True)


def test_the_unbilled_list_shows_what_no_invoice_bills_yet_and_a_cancellation_brings_it_back(login, make_user, world,
                                                                                           session):
    invoices, mine, _ = _billed(world)
    attend(world.child, world.canteen, 3, 9)  # after the lot
    client = login(make_user(world.org, Role.REGISSEUR))
    url = f"/o/{world.org.id}/pointage/non-factures"
    page = client.get(url, query_string={"du": "2026-03-01", "au": "2026-03-31"}).get_data(as_text=True)
    assert "BERNARD Léo" in page and "ARNAUD Zoé" not in page and "09/03/2026" in page
    cancellation.cancel_invoices([invoices[world.family.id]], "Erreur")
    rows = client.get(f"{url}/export", query_string={"du": "2026-03-01", "au": "2026-03-31"}).get_data(as_text=True)
    assert ";BERNARD Léo;BERNARD Hélène;3;3,00;02/03/2026;09/03/2026" in rows


def test_the_families_and_a_lots_lines_export_as_the_lists_show_them(login, make_user, world, session):
    invoices, mine, _ = _billed(world)
    batch_id = invoices[world.family.id].batch_id
    client = login(make_user(world.org, Role.REGISSEUR))
    families = client.get(f"/o/{world.org.id}/familles/export", query_string={"q": "bernard", "format": "xlsx"})
    header, *rows = list(openpyxl.load_workbook(io.BytesIO(families.get_data())).active.values)
    assert header[:2] == ("N° famille", "Famille") and [row[1] for row in rows] == ["BERNARD Hélène"]
    children = client.get(f"/o/{world.org.id}/familles/enfants/export", query_string={"q": "bernard"})
    assert children.get_data(as_text=True).lstrip("\ufeff").splitlines()[1].startswith("Bernard;Léo;")
    lines = client.get(f"/o/{world.org.id}/facturation/lots/{batch_id}/lignes/export").get_data(as_text=True)
    assert f"{mine};BERNARD Hélène;BERNARD Léo;Cantine;Repas;7067;4,00;2,00;8,00;" in lines


def test_a_months_count_per_child_is_spread_over_the_open_days_and_billed(login, make_user, world, session):
    from webapp.attendance.models import Attendance
    from webapp.attendance import monthly

    client = login(make_user(world.org, Role.REGISSEUR))
    url = f"/o/{world.org.id}/pointage/mois?activity_id={world.canteen.id}&mois=2026-03"
    assert "Quantité du mois" in client.get(url).get_data(as_text=True)
    refused = client.post_form(url, {f"quantity-{world.child.id}": "5", f"quantity-{world.other_child.id}": "-2"})
    assert refused.status_code == 422 and "Rien n'a été enregistré" in refused.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0
    assert client.post_form(url, {f"quantity-{world.child.id}": "5", f"quantity-{world.other_child.id}": ""}
                            ).status_code == 303
    days = session.scalars(sa.select(Attendance.day).where(Attendance.child_id == world.child.id)
                           .order_by(Attendance.day)).all()
    assert len(days) == 5 and days[0] == date(2026, 3, 2)  # the open days in order (1 March is a Sunday)
    assert bill(world, 3)[world.family.id].total == D("20.00")
    with pytest.raises(DomainError, match="déjà facturé"):
        monthly.set_month(world.child, world.canteen, date(2026, 3, 1), D(3))


def test_the_days_journal_and_the_regies_state_export(login, make_user, world, session):
    _billed(world)
    client = login(make_user(world.org, Role.REGISSEUR))
    journal = client.get(f"/o/{world.org.id}/caisse/journal/export",
                         query_string={"regie": world.regie.id, "jour": PAY_DAY.isoformat()}).get_data(as_text=True)
    assert ";ARNAUD Hélène;Règlement;Chèque;0001234;" in journal and journal.rstrip().endswith(";12,00")
    state = client.get(f"/o/{world.org.id}/caisse/etat/export", query_string={"regie": world.regie.id,
                                                                              "format": "xlsx"})
    header, *years = list(openpyxl.load_workbook(io.BytesIO(state.get_data())).active.values)
    assert header[0] == "Année scolaire" and years[0][0] == "2025-2026" and years[0][2] == 20 and years[0][4] == 12
