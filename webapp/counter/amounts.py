"""Amounts as the counter takes them: euros to the cent, within what a family could plausibly pay, and in cash
no more than the law of the organisation's country allows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from webapp.errors import DomainError
from webapp.formatting import money
from webapp.organisations.models import Country

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


@dataclass(frozen=True)
class CashCeiling:
    """The most a payer may hand over in cash for a debt, and the text that sets it (named in the refusal)."""

    amount: Decimal
    rule: str


# France: public revenue is payable in cash « dans la limite de 300 € » (CGI art. 1680), at a régie as at the
# treasury. Belgium: no cash payment above 3 000 € for one operation or linked ones (art. 67 § 2 of the
# anti-money-laundering law of 18 September 2017, which took over that of 11 January 1993).
CASH_CEILINGS = {
    Country.FR: CashCeiling(Decimal("300.00"), "article 1680 du code général des impôts"),
    Country.BE: CashCeiling(Decimal("3000.00"), "article 67 de la loi du 18 septembre 2017"),
}


def refuse_cash_above_ceiling(country: Country, amount: Decimal, earlier_today: Decimal) -> None:
    """A cash payment, with what the payer already paid in cash that day (split payments are one operation),
    stays within the country's ceiling."""
    ceiling = CASH_CEILINGS[country]
    if amount + earlier_today <= ceiling.amount:
        return
    already = f" (dont {money(earlier_today)} déjà versés en espèces ce jour)" if earlier_today else ""
    raise DomainError(f"Un paiement en espèces est limité à {money(ceiling.amount)} ({ceiling.rule}) : "
                      f"{money(amount + earlier_today)}{already} ne peuvent pas être reçus en espèces. Proposez un "
                      "chèque, un virement ou la carte bancaire.", "amount")
