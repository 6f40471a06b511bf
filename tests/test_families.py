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
