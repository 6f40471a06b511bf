import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regie_ormc import keys
from regie_ormc.errors import FieldError


def test_module_doctests():
    assert doctest.testmod(keys).failed == 0


@pytest.mark.parametrize(
    ("digits", "key"),
    [
        ("453267", 8),  # arrêté 4 January 2010, annex 1
        ("0104130" "0000000900001", 2),  # ROLMRE example (also Noethys)
    ],
)
def test_mod11_worked_examples(digits, key):
    assert keys.mod11(digits) == key


def test_mod11_remainder_zero_gives_zero():
    # 4 * 2 + 1 * 3 = 11, remainder 0: key 0 (some software wrongly returns 1).
    assert keys.mod11("14") == 0


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_mod11_follows_the_annex(digits):
    weights = [2 + i % 6 for i in range(len(digits))]
    remainder = sum(int(d) * w for d, w in zip(reversed(digits), weights, strict=False)) % 11
    expected = {0: 0, 1: 1}.get(remainder, 11 - remainder)
    assert keys.mod11(digits) == expected
    assert 0 <= keys.mod11(digits) <= 9


def test_mod11_remainder_one_gives_key_one():
    # 6 * 2 = 12, remainder 1: 11 - 1 = 10 has two digits, the convention gives 1.
    assert keys.mod11("6") == 1


@pytest.mark.parametrize(
    ("parts", "letter"),
    [(("13", "0", "00", "0000000900001"), "T"), (("26", "1", "00", "0000260000042"), "K")],
)
def test_mod23_worked_examples(parts, letter):
    assert keys.mod23("".join(parts)) == letter


def test_mod23_alphabet_has_23_letters_without_i_o_z():
    assert len(keys.MOD23_LETTERS) == 23
    assert not set("IOZ") & set(keys.MOD23_LETTERS)


@given(st.text(alphabet="0123456789", min_size=18, max_size=18))
def test_mod23_two_step_division_of_the_annex_gives_the_same_key(digits):
    first = int(digits[:9]) % 23
    remainder = int(f"{first}{digits[9:]}") % 23
    assert keys.mod23(digits) == keys.MOD23_LETTERS[remainder]


def test_ormc_keys():
    basis = keys.Cle1Basis("20", "12")
    assert keys.ormc_cle2(2026, 1, 260000042) == "K"
    assert keys.ormc_cle1(basis, 2026, 1, 260000042) == str(keys.mod11("20" "12" "26" "1" "0000260000042"))


def test_rolmre_prefix_enters_cle2_only_when_numeric():
    assert keys.ormc_cle2(2013, 0, 900001, "AB") == keys.ormc_cle2(2013, 0, 900001)
    assert keys.ormc_cle2(2013, 0, 900001, "01") == keys.mod23("13" "0" "01" "0000000900001")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: keys.mod11(""), "clé modulo 11"),
        (lambda: keys.mod11("12a"), "clé modulo 11"),
        (lambda: keys.mod23("١٢"), "clé modulo 23"),
        (lambda: keys.debt_digits(0), "NumDette"),
        (lambda: keys.debt_digits(10**13), "NumDette"),
        (lambda: keys.year_digits(26), "Exer"),
        (lambda: keys.period_digit(10), "Per"),
        (lambda: keys.Cle1Basis("2O", "12"), "code collectivité (clé 1)"),
        (lambda: keys.Cle1Basis("20", ""), "code nature (clé 1)"),
    ],
)
def test_bad_key_inputs_are_refused_with_the_zone(call, field):
    with pytest.raises(FieldError) as raised:
        call()
    assert raised.value.field == field
