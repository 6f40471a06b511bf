import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regie_coda import CommunicationError, ogm

# (10-digit base, 12 digits): from the CODA samples of the format note, plus the 97 rule.
VALID = [
    ("2690211579", "269021157996"),
    ("7026005219", "702600521948"),
    ("2402838428", "240283842818"),
    ("0000000097", "000000009797"),
    ("1234567890", "123456789002"),
]


@pytest.mark.parametrize(("base", "digits"), VALID)
def test_generate_and_validate(base, digits):
    assert ogm.generate(base) == digits
    assert ogm.generate(int(base)) == digits
    assert ogm.validate(digits) == digits
    assert ogm.is_valid(ogm.format(digits))


def test_format_and_the_paper_variant():
    assert ogm.format("240283842818") == "+++240/2838/42818+++"
    assert ogm.validate("***240/2838/42818***") == "240283842818"


@pytest.mark.parametrize("value", ["240283842819", "24028384281", "2402838428189", "abc", "", "+++240/2838/4281X+++"])
def test_invalid_communications(value):
    assert not ogm.is_valid(value)
    with pytest.raises(CommunicationError, match="97"):
        ogm.validate(value)


@pytest.mark.parametrize("base", [0, "0", "12345678901", "-5", "12a"])
def test_invalid_bases(base):
    with pytest.raises(CommunicationError, match="10 chiffres"):
        ogm.generate(base)


@given(st.integers(1, 9_999_999_999))
def test_every_generated_communication_validates(base):
    digits = ogm.generate(base)
    assert ogm.validate(ogm.format(digits)) == digits
    assert int(digits[10:]) == (base % 97 or 97)


@given(st.text(max_size=30))
def test_junk_raises_only_the_documented_error(value):
    try:
        ogm.validate(value)
    except CommunicationError:
        pass


def test_module_doctests():
    assert doctest.testmod(ogm).failed == 0
