"""The checks a CODA statement makes on itself, shared by the reader and the writer.

The trailer (record 9) counts records 1, 2.x, 3.x and 8 and totals the debits
and credits of the booked movements (types 0–3); the new balance equals the
old balance minus debits plus credits. A failure names the statement: the
whole file is refused, never imported in part.
"""

from __future__ import annotations

from decimal import Decimal

from .errors import ControlError
from .records import BOOKED_TYPES, Statement


def totals(statement: Statement) -> tuple[Decimal, Decimal]:
    """Debit and credit totals (both positive) of the booked movements."""
    debit = credit = Decimal(0)
    for movement in statement.movements:
        if movement.transaction_code.type in BOOKED_TYPES:  # Movement.booked, inlined: hot loop
            if movement.amount < 0:
                debit -= movement.amount
            else:
                credit += movement.amount
    return debit, credit


def check_trailer(
    statement: Statement,
    *,
    records: int,
    count: int,
    debit: Decimal,
    credit: Decimal,
    line: int | None = None,
    sums: tuple[Decimal, Decimal] | None = None,
) -> None:
    """Compare the trailer with what the statement holds (``records`` counted by the reader).

    ``sums`` are the statement's :func:`totals` when the caller has them already.
    """
    where = {"line": line, "statement": statement.number}
    if count != records:
        raise ControlError(
            f"l'enregistrement 9 annonce {count} enregistrements, l'extrait en contient {records}",
            field="nombre d'enregistrements",
            value=str(count),
            **where,
        )
    expected_debit, expected_credit = sums or totals(statement)
    for label, announced, found in (
        ("total des débits", debit, expected_debit),
        ("total des crédits", credit, expected_credit),
    ):
        if announced != found:
            raise ControlError(
                f"le {label} annoncé ({announced}) diffère de la somme des mouvements ({found})",
                field=label,
                value=str(announced),
                **where,
            )


def check_balance(
    statement: Statement, *, line: int | None = None, sums: tuple[Decimal, Decimal] | None = None
) -> None:
    """Old balance − debits + credits must give the new balance."""
    debit, credit = sums or totals(statement)
    expected = statement.old_balance - debit + credit
    if expected != statement.new_balance:
        raise ControlError(
            f"ancien solde {statement.old_balance} − débits {debit} + crédits {credit}"
            f" = {expected}, mais le nouveau solde est {statement.new_balance}",
            field="nouveau solde",
            value=str(statement.new_balance),
            line=line,
            statement=statement.number,
        )
