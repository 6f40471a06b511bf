"""The self-service canteen file in the web app: preview, all-or-nothing import, twice refused, undo, billing."""

import html
import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from regie_self_import import content_hash

from webapp.errors import DomainError
from webapp.families.services import add_child
from webapp.imports.models import ConsumptionImport, ImportedConsumption
from webapp.imports.services import import_file, preview, undo_import
from webapp.invoicing.services import compute_batch, create_period, number_batch

FILE = ("P001\t20260302\t20260306\t+4\t\r\n"
        "P002\t20260302\t20260306\t3\t2,90\r\n"
        "P001\t20260209\t20260213\t-1\t\r\n").encode("cp1252")


@pytest.fixture
def canteen(make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org()
    regie = make_regie(org, invoice_prefix="SELF")
    activity = make_activity(regie, name="Cantine")
    make_tariff(activity, label="Repas", price=Decimal("3.50"))
    for n, pupil in enumerate(("P001", "P002")):
        add_child(make_family(org, last_name=f"Famille{n}"),
                  {"last_name": f"Famille{n}", "first_name": "Léa", "canteen_id": pupil})
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 30)}, [regie], [])
    return org, activity, period


def test_preview_matches_pupils_and_reports_unknown_ones(canteen):
    org, _, period = canteen
    result = preview(org, FILE + b"P999\t20260302\t20260306\t1\t\r\n", period)
    assert set(result.children) == {"P001", "P002"} and result.unknown == ["P999"]
    assert result.meals == 7 and not result.ready
    assert any("hors de la période" in str(n) for n in result.notices)


def test_a_bad_file_is_refused_whole_naming_each_line(canteen):
    org, activity, period = canteen
    with pytest.raises(DomainError) as error:
        import_file(org, period, activity, "self.txt", b"P001\t20261332\t20260306\t4\t\r\nP002\t2026\t20260306\tx\t\r\n")
    assert "Ligne 1, colonne B" in error.value.message and "Ligne 2" in error.value.message


def test_import_bills_the_file_price_or_the_tariff_and_credits_negative_lines(canteen, session):
    org, activity, period = canteen
    imported = import_file(org, period, activity, "self-mars.txt", FILE)
    assert (imported.row_count, imported.meals, imported.encoding) == (3, 6, "utf-8")
    invoices = {i.family.label: i for i in compute_batch(period.batches[0])}
    first = invoices["FAMILLE0 Hélène"]
    assert sorted((line.label, line.unit_price, line.quantity, line.amount) for line in first.lines) == [
        ("Correction des repas au self (avoir)", Decimal("3.50"), -1, Decimal("-3.50")),
        ("Repas au self", Decimal("3.50"), 4, Decimal("14.00"))]
    assert first.total == Decimal("10.50")
    assert invoices["FAMILLE1 Hélène"].total == Decimal("8.70")  # the file's own price
    number_batch(period.batches[0])
    assert all(row.billed_invoice_id for row in session.scalars(sa.select(ImportedConsumption)))
    with pytest.raises(DomainError, match="déjà facturées"):
        undo_import(imported)


def test_the_same_file_twice_is_refused_naming_the_first_import(canteen, make_user):
    org, activity, period = canteen
    import_file(org, period, activity, "self-mars.txt", FILE)
    with pytest.raises(DomainError, match="déjà été importé : « self-mars.txt », importé le .* par le système"):
        import_file(org, period, activity, "copie.txt", FILE)


def test_undo_before_billing_then_the_file_can_come_again(canteen, session):
    org, activity, period = canteen
    imported = import_file(org, period, activity, "self-mars.txt", FILE)
    undo_import(imported)
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportedConsumption)) == 0
    assert compute_batch(period.batches[0]) == []
    again = import_file(org, period, activity, "self-mars.txt", FILE)
    assert again.id != imported.id
    assert session.scalar(sa.select(sa.func.count()).select_from(ConsumptionImport)) == 2


def test_upload_preview_and_confirm_through_the_screens(canteen, login, make_user, session):
    org, activity, period = canteen
    client = login(make_user(org))
    response = client.post_form(f"/o/{org.id}/imports/", {
        "period_id": str(period.id), "activity_id": str(activity.id), "file": (io.BytesIO(FILE), "self-mars.txt")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Aperçu : self-mars.txt" in html and "Importer 3 ligne(s)" in html
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportedConsumption)) == 0  # nothing yet
    digest = content_hash(FILE)
    response = client.post_form(f"/o/{org.id}/imports/confirmation", {
        "content_hash": digest, "filename": "self-mars.txt", "period_id": str(period.id),
        "activity_id": str(activity.id)}, follow_redirects=True)
    assert "3 ligne(s), 6 repas importés" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportedConsumption)) == 3
    again = client.post_form(f"/o/{org.id}/imports/", {
        "period_id": str(period.id), "activity_id": str(activity.id), "file": (io.BytesIO(FILE), "copie.txt")},
        content_type="multipart/form-data")
    assert "il ne sera pas importé deux fois" in again.get_data(as_text=True)


def test_a_canteen_identifier_belongs_to_one_child(canteen, make_family):
    org, _, _ = canteen
    with pytest.raises(DomainError, match="déjà celui de"):
        add_child(make_family(org), {"last_name": "X", "first_name": "Y", "canteen_id": "P001"})


def test_a_garbage_file_shows_the_first_hundred_errors_and_how_many_more(canteen, login, make_user):
    org, activity, period = canteen
    client = login(make_user(org))
    garbage = b"".join(b"P%d\tpas-une-date\t20260306\tbeaucoup\t\r\n" % n for n in range(12_000))  # under the test client's in-memory limit
    response = client.post_form(f"/o/{org.id}/imports/", {
        "period_id": str(period.id), "activity_id": str(activity.id), "file": (io.BytesIO(garbage), "self.txt")},
        content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("Ligne ") == 100 and "23\xa0900 autres erreurs non affichées" in html
    assert len(html) < 100_000


def _upload(client, org, activity, period, data: bytes):
    return client.post_form(f"/o/{org.id}/imports/", {
        "period_id": str(period.id), "activity_id": str(activity.id), "file": (io.BytesIO(data), "self.txt")},
        content_type="multipart/form-data")


def test_without_an_open_period_the_page_says_to_create_one(login, make_user, make_org, make_regie, make_activity):
    org = make_org()
    make_activity(make_regie(org), name="Cantine")
    html = login(make_user(org)).get(f"/o/{org.id}/imports/").get_data(as_text=True)
    assert "créez d'abord une période" in html and f'href="/o/{org.id}/facturation/periodes/nouvelle"' in html


@pytest.mark.parametrize("data, message", [
    (b"", "Le fichier est vide"),
    (b" \r\n\t\r\n", "Le fichier est vide"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" * 50, "n'est pas un fichier texte"),
    ("P001\t20260302\t20260306\t4\t\r\n".encode("utf-16"), "n'est pas un fichier texte"),
])
def test_an_empty_or_binary_file_is_refused_with_one_message(canteen, login, make_user, data, message):
    org, activity, period = canteen
    response = _upload(login(make_user(org)), org, activity, period, data)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and message in page
    assert page.count("<li>") == 1 and "Ligne" not in page


def test_the_errors_of_a_file_are_listed_one_a_line(canteen, login, make_user):
    org, activity, period = canteen
    response = _upload(login(make_user(org)), org, activity, period,
                       b"P001\t20261332\t20260306\t4\t\r\nP002\t20260302\t20260306\tx\t\r\n")
    errors = re.search(r'<ul id="file-erreur" class="error">(.*?)</ul>', response.get_data(as_text=True), re.S)
    items = re.findall(r"<li>(.*?)</li>", errors.group(1))
    assert [item[:20] for item in items] == ["Fichier refusé, 2 er", "Ligne 1, colonne B (", "Ligne 2, colonne D ("]


def test_more_meals_a_day_than_a_pupil_eats_is_an_error_naming_its_line(canteen, login, make_user, session):
    org, activity, period = canteen
    response = _upload(login(make_user(org)), org, activity, period,
                       b"P001\t20260302\t20260306\t4\t\r\nP002\t20260302\t20260306\t44\t\r\n")
    assert response.status_code == 422
    assert ("Ligne 2, colonne D (nombre de repas) : « 44 » reçu, attendu : au plus 10 repas du 02/03/2026 au "
            "06/03/2026 (2 par jour sur 5 jours).") in html.unescape(response.get_data(as_text=True))
    assert session.scalar(sa.select(sa.func.count()).select_from(ImportedConsumption)) == 0


def test_the_batch_page_warns_when_an_import_was_undone_after_the_compute(canteen, login, make_user):
    org, activity, period = canteen
    imported = import_file(org, period, activity, "self-mars.txt", FILE)
    batch = period.batches[0]
    compute_batch(batch)
    undo_import(imported)
    page = login(make_user(org)).get(f"/o/{org.id}/facturation/lots/{batch.id}").get_data(as_text=True)
    assert "L'import « self-mars.txt » (Cantine) a été annulé le" in html.unescape(page)
    assert "Recalculez le lot avant de le numéroter" in page
