from decimal import Decimal

import sqlalchemy as sa

from webapp.auth.models import Role
from webapp.families.models import Child, Family, Guardian
from webapp.families.services import add_child

PAYER = {"civility": "Mme", "last_name": "Durand", "first_name": "Léa", "country": "FR",
         "email": "lea.durand@example.org", "postcode": "38190", "city": "Froges"}


def test_create_a_family_then_open_it(login, make_user, make_org, session):
    org = make_org()
    client = login(make_user(org))
    response = client.post_form(f"/o/{org.id}/familles/nouvelle", {**PAYER, "number": "", "quotient": "850,00"})
    assert response.status_code == 303, response.get_data(as_text=True)
    family = session.scalar(sa.select(Family).where(Family.organisation_id == org.id))
    assert family.label == "DURAND Léa" and str(family.quotient) == "850.00"
    page = client.get(response.location).get_data(as_text=True)
    assert "DURAND Léa" in page and "lea.durand@example.org" in page


def test_bad_input_comes_back_marked_in_french_and_saves_nothing(login, make_user, make_org, session):
    org = make_org()
    client = login(make_user(org))
    response = client.post_form(f"/o/{org.id}/familles/nouvelle",
                                {**PAYER, "last_name": "", "email": "pas-une-adresse", "quotient": "-3"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="last_name" aria-invalid="true"' in html.replace(' name="last_name"', "").replace(" required", "") \
        or ('aria-invalid="true"' in html and 'id="last_name-erreur"' in html)
    assert "Adresse e-mail invalide." in html
    assert "Le quotient ne peut pas être négatif." in html
    assert session.scalar(sa.select(sa.func.count()).select_from(Family)) == 0


def test_duplicate_number_from_the_form(login, make_user, make_org, make_family):
    org = make_org()
    make_family(org, number="00010")
    client = login(make_user(org))
    response = client.post_form(f"/o/{org.id}/familles/nouvelle", {**PAYER, "number": "00010"})
    assert response.status_code == 422
    assert "Le numéro de famille 00010 est déjà utilisé." in response.get_data(as_text=True)


def test_live_search_answers_a_fragment_to_htmx(login, make_user, make_org, make_family):
    org = make_org()
    make_family(org, last_name="Lefèvre", first_name="Hélène")
    make_family(org, last_name="Martin")
    client = login(make_user(org))
    response = client.get(f"/o/{org.id}/familles/?q=lefe", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<section id="results"')
    assert "LEFÈVRE Hélène" in html and "MARTIN" not in html
    assert "HX-Request" in response.headers["Vary"]
    full = client.get(f"/o/{org.id}/familles/?q=lefe")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]


def test_htmx_validation_failure_returns_the_form_fragment_with_422(login, make_user, make_org):
    org = make_org()
    client = login(make_user(org))
    response = client.post(f"/o/{org.id}/familles/nouvelle", data={**PAYER, "last_name": ""},
                           headers={"HX-Request": "true", "X-CSRFToken": client.csrf_token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="family-form"') and "<html" not in html


def test_post_without_csrf_token_is_refused_and_saves_nothing(login, make_user, make_org, session):
    org = make_org()
    client = login(make_user(org))
    response = client.post(f"/o/{org.id}/familles/nouvelle", data=PAYER)
    assert response.status_code == 400
    assert "expiré" in response.get_data(as_text=True)
    response = client.post(f"/o/{org.id}/familles/nouvelle", data=PAYER, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(Family)) == 0


def test_htmx_post_with_the_csrf_header_is_accepted(login, make_user, make_org):
    org = make_org()
    client = login(make_user(org))
    response = client.post(f"/o/{org.id}/familles/nouvelle", data=PAYER,
                           headers={"HX-Request": "true", "X-CSRFToken": client.csrf_token})
    # htmx is told to load the new page into the body, not into the form that sent it.
    assert response.status_code == 200
    assert '"target": "body"' in response.headers["HX-Location"]
    assert "/familles/" in response.headers["HX-Location"]


def test_archive_and_children(login, make_user, make_org, make_family):
    org = make_org()
    family = make_family(org)
    client = login(make_user(org))
    base = f"/o/{org.id}/familles/{family.id}"
    assert client.post_form(f"{base}/enfants/nouveau", {"last_name": "Dupont", "first_name": "Jules",
                                                        "birth_date": "2019-03-04", "school": "École du Bourg",
                                                        "school_class": "GS"}).status_code == 303
    page = client.get(base).get_data(as_text=True)
    assert "Jules DUPONT" in page and "04/03/2019" in page
    assert client.post_form(f"{base}/archivage", {"archived": "1"}).status_code == 303
    assert "Archivée le" in client.get(base).get_data(as_text=True)


def test_edit_a_guardian_and_a_child_then_archive_the_child(login, make_user, make_org, make_family, session):
    org = make_org()
    family = make_family(org)
    child = add_child(family, {"last_name": "Dupont", "first_name": "Léo"})
    guardian_id, child_id = family.payer.id, child.id
    client = login(make_user(org))
    base = f"/o/{org.id}/familles/{family.id}"
    response = client.post_form(f"{base}/responsables/{guardian_id}", {
        "civility": "Mme", "last_name": "Dupont-Martin", "first_name": "Hélène", "country": "FR", "is_payer": "y"})
    assert response.status_code == 303
    response = client.post_form(f"{base}/enfants/{child_id}", {
        "last_name": "Dupont", "first_name": "Léon", "birth_date": "2018-02-01", "school_class": "CE2"})
    assert response.status_code == 303
    assert client.post_form(f"{base}/enfants/{child_id}/archivage", {"archived": "1"}).status_code == 303
    assert session.get(Guardian, guardian_id).last_name == "Dupont-Martin"
    child = session.get(Child, child_id)
    assert (child.first_name, child.school_class, child.archived_at is not None) == ("Léon", "CE2", True)
    assert session.get(Family, family.id).label == "DUPONT-MARTIN Hélène"
    response = client.get(f"/o/{org.id}/familles/?q=leon")
    assert "DUPONT-MARTIN Hélène" in response.get_data(as_text=True)


def test_a_reader_sees_no_edit_buttons(login, make_user, make_org, make_family):
    org = make_org()
    family = make_family(org)
    html = login(make_user(org, Role.READER)).get(f"/o/{org.id}/familles/{family.id}").get_data(as_text=True)
    assert "Modifier" not in html and "Ajouter un enfant" not in html


def test_the_family_form_offers_the_tariffs_categories_and_no_civility(login, make_user, make_org, make_regie,
                                                                        make_activity, make_tariff, make_family):
    org = make_org()
    make_tariff(make_activity(make_regie(org)), category="Hors commune", price=Decimal("5.20"))
    client = login(make_user(org))
    html = client.get(f"/o/{org.id}/familles/nouvelle").get_data(as_text=True)
    assert ('name="tariff_category"><option value="">Standard</option><option value="Hors commune">Hors commune'
            '</option></select>') in html
    assert 'name="civility" required><option value="">—</option>' in html  # the agent chooses
    refused = client.post_form(f"/o/{org.id}/familles/nouvelle", {**PAYER, "civility": "", "number": "",
                                                                   "tariff_category": "hors commune"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'id="civility-erreur"' in text and "Choisissez la civilité." in text
    assert 'id="tariff_category-erreur"' in text  # a spelling no tariff uses is not in the list
    family = make_family(org)
    family.tariff_category = "ancienne"
    html = client.get(f"/o/{org.id}/familles/{family.id}/modifier").get_data(as_text=True)
    assert '<option selected value="ancienne">ancienne (aucun tarif ne la prévoit)</option>' in html
