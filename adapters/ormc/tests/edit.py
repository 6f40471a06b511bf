"""Change one value deep inside a roll (first piece, first line) for the bad-input tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from regie_ormc.records import Roll


def piece(roll: Roll, index: int = 0, **changes: Any) -> Roll:
    pieces = list(roll.pieces)
    pieces[index] = replace(pieces[index], **changes)
    return replace(roll, pieces=tuple(pieces))


def debtor(roll: Roll, **changes: Any) -> Roll:
    return piece(roll, debtor=replace(roll.pieces[0].debtor, **changes))


def address(roll: Roll, **changes: Any) -> Roll:
    return debtor(roll, address=replace(roll.pieces[0].debtor.address, **changes))


def account(roll: Roll, **changes: Any) -> Roll:
    bank = roll.pieces[0].debtor.bank_account
    assert bank is not None
    return debtor(roll, bank_account=replace(bank, **changes))


def line(roll: Roll, **changes: Any) -> Roll:
    first = roll.pieces[0]
    return piece(roll, lines=(replace(first.lines[0], **changes), *first.lines[1:]))


def debit(roll: Roll, **changes: Any) -> Roll:
    current = roll.pieces[0].lines[0].debit
    assert current is not None
    return line(roll, debit=replace(current, **changes))
