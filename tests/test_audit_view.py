from tests.counter_world import cheque, invoice, period, write_off
from webapp.auth.models import Role


def test_admin_reads_and_filters_the_audit_log(login, make_user, make_org, make_family, make_regie):
    org = make_org()
    make_family(org, last_name="Lefèvre")
    make_regie(org, name="Cantine centrale")
    client = login(make_user(org))
    html = client.get(f"/o/{org.id}/journal/").get_data(as_text=True)
    assert "Cantine centrale" in html and "LEFÈVRE" in html
    fragment = client.get(f"/o/{org.id}/journal/?entity_type=regie", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "Cantine centrale" in html and "LEFÈVRE" not in html


def test_the_log_names_the_user_who_acted(login, make_user, make_org, make_family):
    org = make_org()
    family = make_family(org)
    admin = make_user(org, full_name="Anne Admin")
    client = login(admin)
    client.post_form(f"/o/{org.id}/familles/{family.id}/archivage", {"archived": "1"})
    html = client.get(f"/o/{org.id}/journal/?entity_type=family").get_data(as_text=True)
    assert "Anne Admin" in html and "Archivage" in html


def test_the_log_is_for_administrators_only(login, make_user, make_org):
    org = make_org()
    client = login(make_user(org, Role.REGISSEUR))
    assert client.get(f"/o/{org.id}/journal/").status_code == 403


def test_another_organisation_entries_never_show(login, make_user, make_org, make_family):
    org, other = make_org(), make_org()
    make_family(other, last_name="Secret")
    client = login(make_user(org))
    assert "SECRET" not in client.get(f"/o/{org.id}/journal/").get_data(as_text=True)


def test_the_log_shows_french_labels_and_values_as_each_area_declared_them(login, make_user, world):
    """A payment's mode is its label, its amount in euros; a period's dates the French way; a tariff's « mode »
    is its pricing mode, not a payment mode: the names hold for the area that declared them."""
    period(world, 1)
    write_off(invoice(world, 3, 2, 3), "4.00", kind="remise_gracieuse")
    cheque(world, "78.00", "1234567", keep_credit=True)
    client = login(make_user(world.org))
    html = client.get(f"/o/{world.org.id}/journal/").get_data(as_text=True).replace("\xa0", " ")
    assert "Chèque" in html and "78,00 €" in html and "Remise gracieuse" in html
    assert "01/01/2026" in html and "<dt>du</dt>" in html
    assert "<dt>calcul</dt>" in html and "Prix unitaire" in html
    for raw in ("start_date", "remise_gracieuse", "78.00", ">cheque<", "amount"):
        assert raw not in html, raw
