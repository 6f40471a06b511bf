import pytest
import sqlalchemy as sa

from webapp.audit.models import AuditEntry
from webapp.errors import DomainError
from webapp.organisations.services import create_regie, update_regie
from tests.fixtures import VALID_REGIE


def _audit(session, entity_type):
    return session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == entity_type)
                           .order_by(AuditEntry.id)).all()


def test_regie_identifiers_are_stored_compact_and_creation_is_audited(session, make_org):
    org = make_org()
    regie = create_regie(org, {"name": "Cantine", "invoice_prefix": "cant",
                               **VALID_REGIE["FR"], "iban": "fr76 3000 6000 0112 3456 7890 189"})
    assert regie.iban == "FR7630006000011234567890189"
    assert regie.invoice_prefix == "CANT"
    entry = _audit(session, "regie")[-1]
    assert entry.action == "create" and entry.organisation_id == org.id
    assert entry.changes["iban"] == [None, "FR7630006000011234567890189"]


@pytest.mark.parametrize("field, value, message", [
    ("iban", "FR7630006000011234567890188", "IBAN invalide"),
    ("bic", "ZZZZ", "BIC invalide"),
    ("creditor_id", "FR00ZZZ123456", "ICS"),
    ("company_number", "12345678901234", "SIRET invalide"),
    ("name", "", "nom est obligatoire"),
])
def test_bad_regie_is_refused_naming_the_field(make_org, field, value, message):
    org = make_org()
    with pytest.raises(DomainError) as error:
        create_regie(org, {"name": "Cantine", "invoice_prefix": "C", **VALID_REGIE["FR"], field: value})
    assert error.value.field == field
    assert message in error.value.message


def test_belgian_regie_takes_an_enterprise_number(make_org, make_regie):
    org = make_org("BE")
    assert make_regie(org).company_number == "0216754319"


def test_invoice_prefix_is_unique_within_the_organisation_only(make_org, make_regie):
    org, other = make_org(), make_org()
    make_regie(org, invoice_prefix="CANT")
    make_regie(other, invoice_prefix="CANT")
    with pytest.raises(DomainError, match="préfixe"):
        make_regie(org, invoice_prefix="cant")


def test_update_audits_before_and_after(session, make_org, make_regie):
    regie = make_regie(make_org(), phone="04 00 00 00 00")
    data = {name: getattr(regie, name) for name in ("name", "address_line", "postcode", "city", "iban", "bic",
                                                   "creditor_id", "company_number", "invoice_prefix")}
    update_regie(regie, {**data, "phone": "04 11 11 11 11"})
    entry = _audit(session, "regie")[-1]
    assert entry.action == "update"
    assert entry.changes == {"phone": ["04 00 00 00 00", "04 11 11 11 11"]}
