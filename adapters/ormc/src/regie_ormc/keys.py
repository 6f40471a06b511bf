"""Control keys of a treasury debt: mod 11 (``Cle1``/``ROLCLE1``) and mod 23 (``Cle2``/``ROLCLE2``).

Specification: arrêté of 4 January 2010 (DEVO1000634A), annex 1 (mod 11) and
annex 2 (mod 23); the PES V2 schema documentation of ``Cle1``/``Cle2`` reuses them
for ORMC titles.

>>> mod11("453267")
8
>>> mod11("01" "04" "13" "0" "0000000900001")
2
>>> mod23("13" "0" "00" "0000000900001")
'T'
>>> mod23("26" "1" "00" "0000260000042")
'K'
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import FieldError

#: The 23 letters of the mod-23 key: the alphabet without I, O and Z.
MOD23_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"
#: Width of the debt number inside both keys (the ROLMRE ``ROLDET`` zone).
DEBT_WIDTH = 13


def _digits(value: str, field: str) -> str:
    if not value or not value.isascii() or not value.isdigit():
        raise FieldError("doit ne contenir que des chiffres", field=field, value=value)
    return value


def mod11(digits: str) -> int:
    """Mod-11 key: weights 2 to 7 from the units digit; remainder 0 gives 0, remainder 1 gives 1."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(_digits(digits, "clé modulo 11"))))
    remainder = total % 11
    if remainder in (0, 1):
        return remainder
    return 11 - remainder


def mod23(digits: str) -> str:
    """Mod-23 key: the (R + 1)-th letter of :data:`MOD23_LETTERS`, R = number mod 23."""
    return MOD23_LETTERS[int(_digits(digits, "clé modulo 23")) % 23]


def debt_digits(debt_number: int) -> str:
    """The debt number on 13 digits, as both keys read it."""
    text = str(debt_number)
    if debt_number <= 0 or len(text) > DEBT_WIDTH:
        raise FieldError(
            f"le numéro de dette doit être un entier positif de {DEBT_WIDTH} chiffres au plus",
            field="NumDette",
            value=debt_number,
        )
    return text.zfill(DEBT_WIDTH)


def year_digits(fiscal_year: int) -> str:
    """Last two digits of the exercice."""
    if not 1000 <= fiscal_year <= 9999:
        raise FieldError("l'exercice doit tenir sur 4 chiffres", field="Exer", value=fiscal_year)
    return f"{fiscal_year % 100:02d}"


def period_digit(period: int) -> str:
    """The one-digit period code (``Per`` / ``ROLPER``)."""
    if not 0 <= period <= 9:
        raise FieldError("la période est un seul chiffre (0 à 9)", field="Per", value=period)
    return str(period)


@dataclass(frozen=True)
class Cle1Basis:
    """The two inputs of the ORMC ``Cle1`` that the published texts leave open.

    The schema documentation says ``Cle1`` is the mod 11 of « code collectivité +
    code nature + 2 derniers chiffres de l'exercice + période + numéro de dette »
    without defining the first two for PES. Ask the trésorerie which digits it
    expects (ROLMRE used a 2-digit ``ROLCOL`` and ``ROLNAT``; some software puts
    the 3-digit ``CodCol`` or the bordereau number there) and pass them here.
    """

    collectivity_code: str
    nature_code: str

    def __post_init__(self) -> None:
        _digits(self.collectivity_code, "code collectivité (clé 1)")
        _digits(self.nature_code, "code nature (clé 1)")


def ormc_cle1(basis: Cle1Basis, fiscal_year: int, period: int, debt_number: int) -> str:
    """``Cle1`` of an ORMC piece."""
    return str(
        mod11(
            basis.collectivity_code
            + basis.nature_code
            + year_digits(fiscal_year)
            + period_digit(period)
            + debt_digits(debt_number)
        )
    )


def ormc_cle2(fiscal_year: int, period: int, debt_number: int, prefix: str = "00") -> str:
    """``Cle2`` (and ``ROLCLE2``): mod 23 over year, period, ``00`` (or ``ROLDEB``) and the debt number."""
    if not (len(prefix) == 2 and prefix.isascii() and prefix.isdigit()):
        prefix = "00"
    return mod23(year_digits(fiscal_year) + period_digit(period) + prefix + debt_digits(debt_number))
