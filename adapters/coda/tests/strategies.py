"""Hypothesis strategies for statements the writer accepts (and the reader gives back)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from regie_coda import FreeCommunication, Information, Movement, Statement, TransactionCode

_CHARS = st.characters(codec="cp1252", categories=("L", "N", "P", "S", "Zs"))


def text(size: int) -> st.SearchStrategy[str]:
    """Printable windows-1252 text without trailing blanks (the reader strips them)."""
    return st.text(_CHARS, max_size=size).map(str.rstrip)


def digits(size: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=size, max_size=size)


dates = st.dates(date(1970, 1, 1), date(2069, 12, 31))
amounts = st.decimals(min_value=Decimal(-999999999), max_value=Decimal(999999999), places=3)
codes = st.builds(lambda t, rest: TransactionCode.parse(t + rest), st.sampled_from("01235789"), digits(7))
structure_types = st.one_of(st.none(), digits(3))
alnum = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=34)


@st.composite
def information(draw: st.DrawFn, sequence: int) -> Information:
    kind = draw(structure_types)
    room = 268 - (3 if kind else 0)
    return Information(
        sequence=sequence,
        detail=draw(st.integers(0, 9999)),
        transaction_code=draw(codes),
        communication=draw(text(room)),
        communication_type=kind,
        bank_reference=draw(text(21)),
    )


@st.composite
def movement(draw: st.DrawFn, sequence: int, version: int) -> Movement:
    kind = draw(structure_types)
    room = (106 if version == 1 else 149) - (3 if kind else 0)
    return Movement(
        sequence=sequence,
        detail=draw(st.integers(0, 9999)),
        amount=draw(amounts),
        value_date=draw(st.one_of(st.none(), dates)),
        entry_date=draw(dates),
        transaction_code=draw(codes),
        communication=draw(text(room)),
        communication_type=kind,
        bank_reference=draw(text(21)),
        globalisation_code=draw(st.integers(0, 9)),
        customer_reference=draw(text(35)),
        counterparty_bic=draw(text(11)),
        r_type=draw(text(1)),
        reason=draw(text(4)),
        category_purpose=draw(text(4)),
        purpose=draw(text(4)),
        counterparty_account=draw(alnum if version == 2 else st.text("0123456789", max_size=12)),
        counterparty_currency=draw(st.sampled_from(["", "EUR", "USD"])),
        counterparty_name=draw(text(35 if version == 2 else 78)),
        information=tuple(draw(st.lists(information(sequence), max_size=2))),
    )


@st.composite
def statement(draw: st.DrawFn) -> Statement:
    version = draw(st.sampled_from([1, 2, 2, 2]))
    structure = 0 if version == 1 else draw(st.integers(0, 3))
    account = {0: 12, 1: 34, 2: 16, 3: 34}[structure]
    closed = draw(st.booleans())  # False: no record 8, so no movement and the old balance kept
    count = draw(st.integers(0, 4)) if closed else 0
    movements = tuple(draw(movement(i + 1, version)) for i in range(count))
    old = draw(amounts)
    old_date = draw(dates)
    booked = sum((m.amount for m in movements if m.booked), Decimal(0))
    free = draw(st.lists(st.builds(FreeCommunication, st.integers(0, 9999), st.integers(0, 9999), text(80), st.booleans()), max_size=3))
    return Statement(
        account=draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", max_size=account)),
        currency=draw(st.sampled_from(["EUR", "USD", "GBP"])),
        number=draw(st.integers(0, 999)),
        old_balance=old,
        old_balance_date=old_date,
        new_balance=old + booked,
        new_balance_date=draw(dates) if closed else old_date,
        movements=movements,
        holder=draw(text(26)),
        description=draw(text(35)),
        coda_number=draw(st.integers(0, 999)),
        account_structure=structure,
        account_country=draw(text(3)) if structure == 0 and version == 2 else "",
        version=version,
        creation_date=draw(st.one_of(st.none(), dates)),
        bank_id=draw(text(3)),
        duplicate=draw(st.booleans()),
        file_reference=draw(text(10)),
        addressee=draw(text(26)),
        bic=draw(text(11)),
        holder_id=draw(text(11)),
        separate_application=draw(text(5)),
        transaction_reference=draw(text(16)),
        related_reference=draw(text(16)),
        free_communications=tuple(sorted(free, key=lambda f: not f.before_new_balance))
        if closed
        else tuple(replace(f, before_new_balance=True) for f in free),
        new_balance_record=closed,
    )


statements = st.lists(statement(), min_size=1, max_size=3)
