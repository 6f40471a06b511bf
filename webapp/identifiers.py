"""Bank and company identifiers, checked by schwifty and python-stdnum, returned in compact form."""

from __future__ import annotations

import schwifty
from stdnum import exceptions as stdnum_errors
from stdnum.be import vat as be_company
from stdnum.eu import at_02
from stdnum.fr import siret

from webapp.errors import DomainError

# The libraries speak English; an agent needs to know what to look at.
_REASONS = {
    "InvalidChecksum": "la clé de contrôle ne correspond pas",
    "InvalidChecksumDigits": "la clé de contrôle ne correspond pas",
    "InvalidBBANChecksum": "la clé RIB ne correspond pas",
    "InvalidLength": "la longueur n'est pas la bonne",
    "InvalidFormat": "le format n'est pas le bon",
    "InvalidStructure": "le format n'est pas le bon",
    "InvalidComponent": "une partie du numéro n'existe pas",
    "InvalidCountryCode": "le code pays est inconnu",
    "InvalidBankCode": "le code banque est inconnu",
    "InvalidBranchCode": "le code agence est inconnu",
    "InvalidAccountCode": "le numéro de compte est invalide",
    "InvalidLocationCode": "le code de localisation est invalide",
}


def _reason(error: Exception) -> str:
    return next(
        (_REASONS[cls.__name__] for cls in type(error).__mro__ if cls.__name__ in _REASONS),
        "la valeur n'est pas reconnue",
    )


def iban(value: str, field: str = "iban") -> str:
    try:
        return schwifty.IBAN(value).compact
    except schwifty.exceptions.SchwiftyException as e:
        raise DomainError(f"IBAN invalide : {_reason(e)}.", field) from e


def bic(value: str, field: str = "bic") -> str:
    try:
        return schwifty.BIC(value).compact
    except schwifty.exceptions.SchwiftyException as e:
        raise DomainError(f"BIC invalide : {_reason(e)}.", field) from e


def creditor_id(value: str, field: str = "creditor_id") -> str:
    """The SEPA creditor identifier (ICS in France), ISO 7064 mod 97-10 over its national part."""
    try:
        return at_02.validate(value)
    except stdnum_errors.ValidationError as e:
        raise DomainError(f"Identifiant créancier SEPA (ICS) invalide : {_reason(e)}.", field) from e


def company_number(value: str, country: str, field: str = "company_number") -> str:
    """SIRET for a French organisation, the BCE enterprise number for a Belgian one."""
    module, name = (siret, "SIRET") if country == "FR" else (be_company, "numéro d'entreprise (BCE)")
    try:
        return module.validate(value)
    except stdnum_errors.ValidationError as e:
        raise DomainError(f"{name} invalide : {_reason(e)}.", field) from e
