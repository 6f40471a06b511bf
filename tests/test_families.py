from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from webapp.audit.models import AuditEntry
from webapp.errors import DomainError
from webapp.families import services
from webapp.families.models import Family


def test_family_numbers_follow_on_per_organisation(make_org, make_family):
    org, other = make_org(), make_org()
    assert make_family(org).number == "00001"
    assert make_family(org).number == "00002"
    assert make_family(other).number == "00001"
    assert make_family(org, number="A-17").number == "A-17"
    assert make_family(org).number == "00003"


def test_duplicate_number_is_refused_by_the_service(make_org, make_family):
    org = make_org()
    make_family(org, number="00042")
    with pytest.raises(DomainError) as error:
        make_family(org, number="00042")
    assert error.value.field == "number"


def test_duplicate_number_is_refused_by_the_database(session, make_org, make_family):
    org = make_org()
    make_family(org, number="00042")
    session.add(Family(organisation_id=org.id, number="00042"))
    with pytest.raises(IntegrityError):
        session.flush()


def test_negative_quotient_is_refused_by_the_database(session, make_org):
    org = make_org()
    session.add(Family(organisation_id=org.id, number="1", quotient=Decimal("-1")))
    with pytest.raises(IntegrityError):
        session.flush()


def test_quotient_dates_must_be_ordered(make_org, make_family):
    with pytest.raises(DomainError) as error:
        make_family(make_org(), quotient=Decimal("800"), quotient_valid_from=date(2026, 9, 1),
                    quotient_valid_to=date(2026, 8, 31))
    assert error.value.field == "quotient_valid_to"


def test_creation_and_changes_are_audited(session, make_org, make_family):
    org = make_org()
    family = make_family(org, quotient=Decimal("850"))
    data = {name: getattr(family, name) for name in services.FAMILY_FIELDS}
    services.update_family(family, {**data, "quotient": Decimal("912.5"), "direct_debit": True})
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "family")
                              .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[0].changes["quotient"] == [None, "850.00"]
    assert entries[1].changes == {"quotient": ["850.00", "912.50"], "direct_debit": [False, True]}
    assert family.quotient == Decimal("912.50")


def test_a_family_always_has_exactly_one_payer(make_org, make_family):
    family = make_family(make_org())
    first = family.payer
    second = services.add_guardian(family, {"civility": "M.", "last_name": "Dupont", "first_name": "Marc",
                                            "is_payer": True})
    assert family.payer is second and not first.is_payer
    with pytest.raises(DomainError, match="toujours un payeur"):
        data = {name: getattr(second, name) for name in services.GUARDIAN_FIELDS}
        services.update_guardian(second, {**data, "is_payer": False})


def test_archiving_keeps_the_family_and_is_audited(session, make_org, make_family):
    org = make_org()
    family = make_family(org)
    services.set_family_archived(family, True)
    assert family.archived_at is not None
    assert services.search_families(org, "").total == 0
    assert services.search_families(org, "", archived=True).items == [family]
    services.set_family_archived(family, False)
    actions = session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_id == family.id,
                                                                 AuditEntry.entity_type == "family").order_by(AuditEntry.id)).all()
    assert actions == ["create", "archive", "unarchive"]


def test_search_by_name_without_accents_by_child_and_by_number(make_org, make_family):
    org = make_org()
    helene = make_family(org, last_name="Lefèvre", first_name="Hélène")
    services.add_child(helene, {"last_name": "Lefèvre", "first_name": "Zoé", "birth_date": date(2018, 5, 2)})
    other = make_family(org, last_name="Martin", first_name="Paul", number="00777")
    assert services.search_families(org, "helene lef").items == [helene]
    assert services.search_families(org, "ZOE").items == [helene]
    assert services.search_families(org, "00777").items == [other]
    assert services.search_families(org, "%").total == 0


def test_search_never_crosses_organisations(make_org, make_family):
    org, other = make_org(), make_org()
    make_family(other, last_name="Dupont")
    assert services.search_families(org, "dupont").total == 0


def test_search_pages(make_org, make_family):
    org = make_org()
    for i in range(30):
        make_family(org, last_name=f"Famille{i:02d}")
    page = services.search_families(org, "famille", page=2, per_page=25)
    assert (page.total, page.pages, len(page.items), page.has_prev, page.has_next) == (30, 2, 5, True, False)


def test_a_shared_canteen_identifier_names_the_child_with_elision(make_org, make_family):
    org = make_org()
    services.add_child(make_family(org), {"last_name": "Martin", "first_name": "Ambre", "canteen_id": "P042"})
    with pytest.raises(DomainError, match="déjà celui d'Ambre MARTIN"):
        services.add_child(make_family(org), {"last_name": "Roux", "first_name": "Léo", "canteen_id": "P042"})


@pytest.fixture
def outside_tariff(make_org, make_regie, make_activity, make_tariff):
    """An organisation whose canteen has a tariff for the category « Hors commune »."""
    org = make_org()
    make_tariff(make_activity(make_regie(org)), category="Hors commune", price=Decimal("5.20"))
    return org


def test_the_tariff_category_is_one_the_tariffs_define_spelt_their_way(outside_tariff, make_family):
    assert make_family(outside_tariff, tariff_category="  hors  COMMUNE ").tariff_category == "Hors commune"
    with pytest.raises(DomainError, match="Aucun tarif ne prévoit la catégorie « Extérieur »") as refused:
        make_family(outside_tariff, tariff_category="Extérieur")
    assert refused.value.field == "tariff_category"


def test_a_category_from_before_the_list_is_kept_until_changed(outside_tariff, make_family, session):
    family = make_family(outside_tariff)
    family.tariff_category = "ancienne"  # typed freely before categories came from the tariffs
    session.flush()
    data = {name: getattr(family, name) for name in services.FAMILY_FIELDS}
    services.update_family(family, {**data, "note": "RAS"})
    assert family.tariff_category == "ancienne"
    services.update_family(family, {**data, "tariff_category": "HORS COMMUNE"})
    assert family.tariff_category == "Hors commune"


@pytest.mark.parametrize(("country", "postcode", "stored"), [
    ("FR", "38190", "38190"), ("FR", "01 000", "01000"), ("BE", "1380", "1380"), ("FR", "", "")])
def test_a_postcode_is_checked_for_its_country(make_org, make_family, country, postcode, stored):
    family = make_family(make_org(), country=country, postcode=postcode)
    assert family.payer.postcode == stored


@pytest.mark.parametrize(("country", "postcode"), [
    ("FR", "3819"), ("FR", "381900"), ("FR", "00100"), ("FR", "2A004"), ("BE", "38190"), ("BE", "0999"),
    ("BE", "１３８０")])
def test_a_postcode_of_the_wrong_shape_is_refused(make_org, make_family, country, postcode):
    with pytest.raises(DomainError, match=f"Code postal « {postcode} » invalide") as refused:
        make_family(make_org(), country=country, postcode=postcode)
    assert refused.value.field == "postcode"


@pytest.mark.parametrize(("country", "phone", "stored"), [
    ("FR", "0612345678", "06 12 34 56 78"), ("FR", "+33 4 76 71 00 00", "04 76 71 00 00"),
    ("BE", "02/634.05.00", "02 634 05 00"), ("FR", "+32 2 634 05 00", "+32 2 634 05 00"), ("FR", "", "")])
def test_a_phone_number_is_checked_and_written_the_usual_way(make_org, make_family, country, phone, stored):
    family = make_family(make_org(), country=country, phone=phone, postcode="")
    assert family.payer.phone == stored


@pytest.mark.parametrize("phone", ["06 12 34", "12345678901234", "pas de téléphone", "06 94 12 34 56",
                                   "+3226340500;ext=99999999999"])
def test_a_phone_number_that_cannot_be_dialled_is_refused(make_org, make_family, phone):
    with pytest.raises(DomainError, match="Numéro de téléphone") as refused:
        make_family(make_org(), phone=phone)
    assert refused.value.field == "phone"


def test_a_guardian_has_a_civility_chosen_and_a_child_is_born(make_org, make_family):
    with pytest.raises(DomainError, match="civilité") as refused:
        make_family(make_org(), civility="")
    assert refused.value.field == "civility"
    family = make_family(make_org())
    with pytest.raises(DomainError, match="date de naissance .* est dans le futur") as refused:
        services.add_child(family, {"last_name": "Dupont", "first_name": "Léo", "birth_date": date(2099, 1, 1)})
    assert refused.value.field == "birth_date"
