"""The reader agrees with an independent parser (febelfin-coda, a test-only dependency).

febelfin-coda reads version 2 only, fails on a ``000000`` value date and nests
globalisation details under their movement; the comparison keeps to what both
read: balances, accounts, booked movements, their details and communications.
"""

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from importlib.resources import files

import coda as febelfin
import pytest
from conftest import SAMPLES
from hypothesis import assume, given
from strategies import statements

from regie_coda import Movement, Statement, TransactionCode, read, write


def other(data: bytes) -> list:
    return febelfin.CODA(io.StringIO(data.decode("cp1252"))).statements


def assert_same(data: bytes) -> None:
    ours, theirs = read(data), other(data)
    assert len(ours) == len(theirs)
    for mine, their in zip(ours, theirs, strict=True):
        assert (mine.account, mine.currency, mine.holder) == (their.account, their.account_currency, their.account_holder_name)
        assert (mine.old_balance, mine.old_balance_date) == (their.old_balance, their.old_balance_date)
        if their.new_balance is not None:
            assert (mine.new_balance, mine.new_balance_date) == (their.new_balance, their.new_balance_date)
        booked = list(mine.booked_movements())
        assert len(booked) == len(their.moves)
        for m, t in zip(booked, their.moves, strict=True):
            assert (m.sequence, m.detail) == (int(t.sequence), int(t.detail_sequence))
            assert (m.amount, m.value_date, m.entry_date) == (t.amount, t.value_date, t.entry_date)
            assert str(m.transaction_code) == t.transaction_code
            assert (m.counterparty_name, m.counterparty_bic) == (t.counterparty_name or "", t.counterparty_bic or "")
            if m.counterparty_account:
                assert t.counterparty_account.split()[0] == m.counterparty_account
            if m.communication_type is None:
                assert m.communication == t.communication
            elif m.structured_communication is not None:
                assert m.structured_communication == t.communication
            details = mine.details_of(m)
            assert [(d.detail, d.amount) for d in details] == [(int(x.detail_sequence), x.amount) for x in t.moves]


@pytest.mark.parametrize("name", ["CODA.txt", "CODA-empty.txt"])
def test_the_other_parsers_own_sample_files(name):
    assert_same((files("coda") / name).read_bytes())


def test_our_golden_file_once_its_000000_value_date_is_filled():
    data = (SAMPLES / "good/two_statements.cod").read_bytes()
    assert_same(data.replace(b"000000500500000Commission", b"030326500500000Commission"))


def comparable(s: Statement) -> Statement:
    """What febelfin-coda reads: version 2, types 0–3, all dates given and decoded like us, a bank id."""
    def movement(m: Movement) -> Movement:
        code = TransactionCode.parse(str(min(int(m.transaction_code.type), 3)) + str(m.transaction_code)[1:])
        return replace(m, transaction_code=code, value_date=m.value_date or m.entry_date)

    movements = tuple(movement(m) for m in s.movements)
    for day in (s.old_balance_date, s.new_balance_date, *(m.value_date for m in movements), *(m.entry_date for m in movements)):
        assume(day is None or day < date(2069, 1, 1))
    return replace(
        s,
        version=2,
        bank_id="539",
        creation_date=s.new_balance_date,
        account_structure=s.account_structure if s.version == 2 else 0,
        movements=movements,
        new_balance=s.old_balance + sum((m.amount for m in movements), Decimal(0)),
    )


@given(statements)
def test_generated_files(items):
    assert_same(write([comparable(s) for s in items]))
