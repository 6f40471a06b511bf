import pytest
from hypothesis import given
from hypothesis import strategies as st

from regie_sepa.errors import FieldError
from regie_sepa.text import check_identifier, clean, is_clean


@pytest.mark.parametrize(("raw", "expected"), [
    ("Mme Hélène Dupont", "Mme Helene Dupont"),
    ("Œuvre Müller & Straße", "OEuvre Muller - Strasse"),
    ('dit "le Grand"', "dit 'le Grand'"),
    ("  trop   d'espaces\t\n", "trop d'espaces"),
    ("a_b#c;d@e", "a-b-c-d-e"),
    ("Facture n°12", "Facture no12"),
])
def test_clean_transliterates_and_replaces(raw, expected):
    assert clean(raw, 140) == expected


def test_clean_cuts_to_the_limit_without_trailing_space():
    assert clean("abc def", 4) == "abc"


@given(st.text(max_size=200), st.integers(min_value=1, max_value=140))
def test_clean_output_is_always_in_the_sepa_set(text, limit):
    cleaned = clean(text, limit)
    assert len(cleaned) <= limit
    assert is_clean(cleaned, limit)


@pytest.mark.parametrize("value", ["RUM-000000001", "A", "x" * 35, "F26/11/1", "ab cd", "(1)+?:.,'"])
def test_valid_identifiers(value):
    assert check_identifier(value, "f") == value


@pytest.mark.parametrize("value", ["", "x" * 36, "/ABC", "ABC/", "A//B", "Hélène", "A_B", " AB", "AB&"])
def test_invalid_identifiers(value):
    with pytest.raises(FieldError) as caught:
        check_identifier(value, "mandate.reference", "E2E-1")
    assert caught.value.field == "mandate.reference"
    assert caught.value.transaction == "E2E-1"
    assert "identifiant" in str(caught.value)
