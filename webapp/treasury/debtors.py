"""The debtor a treasury file names for a family: its payer, as both PES adapters spell a debtor."""

from __future__ import annotations

from typing import Any

from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.organisations.models import Regie


def debtor_fields(family: Family, regie: Regie) -> tuple[dict[str, Any], dict[str, Any]]:
    """The debtor's fields and its address's, named as `regie_indigo_titre` and `regie_ormc` both name them; the
    régie's defaults give its category and legal nature."""
    payer = family.payer or (family.guardians[0] if family.guardians else None)
    if payer is None:
        raise DomainError(f"La famille {family.label} n'a pas de responsable : le Trésor ne saurait qui poursuivre.")
    debtor = {"last_name": payer.last_name, "first_name": payer.first_name,
              "civility": payer.civility.value.upper().rstrip("."),
              # PES refuses a reference of zeros only: the family is then named without it
              "reference": family.number if family.number.strip("0") else None,
              "category": regie.debtor_category or "01", "legal_nature": regie.debtor_legal_nature or "01"}
    address = {"street": payer.address_line1.strip(), "extra": payer.address_line2.strip() or None,
               "postcode": payer.postcode.strip(), "town": payer.city.strip()}
    return debtor, address
