"""Amounts as the counter takes them: euros to the cent, within what a family could plausibly pay."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from webapp.errors import DomainError
from webapp.formatting import money

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# SQLite keeps NUMERIC as floating point, where 0.70 + 0.10 falls short of 0.80: compare to half a cent.
HALF_CENT = Decimal("0.005")
# Far above any family's payment, far below what a NUMERIC(12, 2) column holds.
LARGEST_AMOUNT = Decimal("1000000.00")


def checked_amount(value: Any, field: str, *, zero: bool = False) -> Decimal:
    """An amount typed by an agent: in cents, positive (or zero where allowed), plausible."""
    if value is None or value == "":
        raise DomainError("Saisissez un montant.", field)
    try:
        amount = Decimal(value)
        exact = amount == amount.quantize(CENT)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError("Ce montant n'est pas un nombre : saisissez par exemple 12,50.", field) from None
    if not exact:
        raise DomainError("Un montant s'arrête aux centimes.", field)
    if amount < 0 or amount == 0 and not zero:
        raise DomainError("Le montant doit être supérieur à zéro." if not zero else "Le montant ne peut être négatif.",
                          field)
    if amount > LARGEST_AMOUNT:
        raise DomainError(f"Un montant de plus de {money(LARGEST_AMOUNT)} n'est pas plausible : vérifiez la saisie.",
                          field)
    return amount.quantize(CENT)
