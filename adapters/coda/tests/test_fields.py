"""The field table: strict on reading, refuses on writing what would not read back."""

from dataclasses import replace
from decimal import Decimal

import pytest
from fixtures import two_statements

from regie_coda import FieldError, StructureError, TransactionCode, read, write
from regie_coda import layouts as L
from regie_coda.fields import Field, Layout

GOOD = write(two_statements())


def test_a_bad_sign_names_its_field():
    line = GOOD.decode("cp1252").split("\r\n")[2]
    with pytest.raises(FieldError) as caught:
        L.MOVEMENT.parse(line[:31] + "2" + line[32:], 7)
    assert (caught.value.line, caught.value.field, caught.value.value) == (7, "signe du montant", "2")


@pytest.mark.parametrize("raw", [" 001", "+001", "1_00", "٣٣٣٣"])
def test_python_leniencies_are_refused(raw):
    line = GOOD.decode("cp1252").split("\r\n")[2]
    with pytest.raises(FieldError, match="chiffres attendus"):
        L.MOVEMENT.parse(line[:2] + raw + line[6:])


def test_overlapping_fields_are_a_programming_error():
    with pytest.raises(AssertionError):
        Layout("0", 10, Field("a", 2, 5, "text", "a"), Field("b", 4, 2, "text", "b"))


@pytest.mark.parametrize(
    ("layout", "values", "words"),
    [
        (L.FREE, {"sequence": 1, "detail": 0, "text": 5, "link": "0"}, "texte attendu"),
        (L.TRAILER, {"count": 1, "debit": Decimal(-1), "credit": Decimal(0), "last": "2"}, "montant positif"),
        (L.TRAILER, {"count": True, "debit": Decimal(0), "credit": Decimal(0), "last": "2"}, "entier"),
        (L.HEADER, {**dict.fromkeys((f.name for f in L.HEADER.fields), ""), "zeros": "000"}, "4 chiffres"),
    ],
)
def test_render_refusals(layout, values, words):
    with pytest.raises(FieldError, match=words):
        layout.render(values)


def test_a_transaction_code_that_is_not_8_digits_is_refused():
    first = two_statements()[0]
    movement = replace(first.movements[0], transaction_code=TransactionCode("0", "01", "5", "000"))
    with pytest.raises(FieldError, match="8 chiffres"):
        write([replace(first, movements=(movement,) + first.movements[1:])])


def lines():
    return GOOD.decode("cp1252").split("\r\n")[:-1]


def join(rows):
    return ("\r\n".join(rows) + "\r\n").encode("cp1252")


def test_free_communication_before_the_old_balance_is_misplaced():
    rows = lines()
    with pytest.raises(StructureError, match="ancien solde"):
        read(join([rows[0], rows[13], *rows[1:13], *rows[14:]]))


def test_two_new_balances_are_refused():
    rows = lines()
    with pytest.raises(StructureError, match="inattendu"):
        read(join([*rows[:13], rows[12], *rows[13:]]))
