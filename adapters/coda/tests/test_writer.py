from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from conftest import SAMPLES
from fixtures import two_statements, version_one
from hypothesis import given
from strategies import statements

import regie_coda as coda
from regie_coda import read, write


def test_golden_file_byte_for_byte():
    assert write(two_statements()) == (SAMPLES / "good/two_statements.cod").read_bytes()
    assert write([version_one()]) == (SAMPLES / "good/version1.cod").read_bytes()


def test_every_record_is_128_characters_with_crlf():
    data = write(two_statements())
    assert data.endswith(b"\r\n")
    assert {len(line) for line in data.split(b"\r\n")[:-1]} == {128}


def test_utf8_and_lf_on_request():
    data = write(two_statements(), encoding="utf-8", newline="\n")
    assert b"\r" not in data and "É".encode() in data
    assert read(data) == two_statements()


@given(statements)
def test_read_gives_back_what_was_written(items):
    assert read(write(items)) == items


@given(statements)
def test_write_of_read_is_stable(items):
    data = write(items)
    assert write(read(data)) == data


def statement(**changes):
    return replace(two_statements()[0], **changes)


def movement(**changes):
    return replace(two_statements()[0].movements[0], **changes)


@pytest.mark.parametrize(
    ("item", "error", "words"),
    [
        (statement(new_balance=Decimal(1)), coda.ControlError, "nouveau solde"),
        (statement(holder="x" * 27), coda.FieldError, "trop long"),
        (statement(holder="a\nb"), coda.FieldError, "retour à la ligne"),
        (statement(number=1000), coda.FieldError, "0 à 999"),
        (statement(old_balance=Decimal("0.0001"), new_balance=Decimal("12.3801")), coda.FieldError, "3 décimales"),
        (statement(account_structure=7), coda.FieldError, "structure"),
        (statement(old_balance_date=date(1969, 12, 31)), coda.FieldError, "1970 à 2069"),
        (statement(holder="€uro ✓"), coda.EncodingError, "✓"),
        (statement(movements=(movement(communication="9" * 150),)), coda.FieldError, "trop longue"),
        (statement(movements=(movement(communication_type="1a1"),)), coda.FieldError, "3 chiffres"),
        (statement(movements=(movement(counterparty_account="BE71 0961 23 45 67 69"),)), coda.FieldError, "13e"),
        (statement(new_balance_record=False), coda.FieldError, "sans enregistrement 8"),
        (statement(free_communications=(coda.FreeCommunication(0, 0, "a"), coda.FreeCommunication(0, 0, "b", True))),
         coda.FieldError, "précéder"),
    ],
)
def test_values_that_would_not_read_back_are_refused(item, error, words):
    if error is not coda.ControlError:  # keep the balance right so the fault under test is reached
        item = replace(item, new_balance=item.old_balance + sum((m.amount for m in item.booked_movements()), Decimal(0)))
    with pytest.raises(error, match=words) as caught:
        write([item])
    assert caught.value.statement == item.number


def test_encoding_error_names_the_line():
    with pytest.raises(coda.EncodingError) as caught:
        write([two_statements()[0], replace(two_statements()[1], holder="Zoë ✓")])
    assert caught.value.line == 17


@pytest.mark.parametrize("nothing", [[], (), iter([])])
def test_writing_no_statement_is_refused(nothing):
    with pytest.raises(coda.StructureError, match="aucun extrait"):
        write(nothing)
