import pytest

from webapp import identifiers
from webapp.errors import DomainError


@pytest.mark.parametrize("value, compact", [
    ("FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"),
    ("be09 0910 1223 4557", "BE09091012234557"),
])
def test_valid_iban_is_compacted(value, compact):
    assert identifiers.iban(value) == compact


@pytest.mark.parametrize("value, reason", [
    ("FR76 3000 6000 0112 3456 7890 188", "clé de contrôle"),
    ("FR76 3000", "longueur"),
    ("XX12 3456", "pays"),
])
def test_invalid_iban_names_the_field_in_french(value, reason):
    with pytest.raises(DomainError) as error:
        identifiers.iban(value)
    assert error.value.field == "iban"
    assert error.value.message.startswith("IBAN invalide")
    assert reason in error.value.message


def test_bic():
    assert identifiers.bic("bnpa fr pp") == "BNPAFRPP"
    with pytest.raises(DomainError, match="BIC invalide"):
        identifiers.bic("BNPAXXPP")


def test_creditor_identifier():
    assert identifiers.creditor_id("FR72 ZZZ 123456") == "FR72ZZZ123456"
    with pytest.raises(DomainError, match="ICS.*clé de contrôle"):
        identifiers.creditor_id("FR73ZZZ123456")


def test_company_number_depends_on_the_country():
    assert identifiers.company_number("213 801 236 00018", "FR") == "21380123600018"
    assert identifiers.company_number("0216.754.319", "BE") == "0216754319"
    with pytest.raises(DomainError, match="SIRET invalide"):
        identifiers.company_number("21380123600019", "FR")
    with pytest.raises(DomainError, match="BCE"):
        identifiers.company_number("0216754318", "BE")
