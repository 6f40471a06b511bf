"""Typed records of a PES V2 individual-titles file (bordereau 01, pieces 01).

Money is :class:`~decimal.Decimal`, dates are :class:`~datetime.date`; the
records carry data only, the rules live in :mod:`regie_indigo_titre.rules`.
Field comments give the PES element each attribute becomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Header:
    """Envelope and ``EnTetePES``: who sends, to which accounting office, for which budget."""

    file_name: str  # NomFic
    created: date  # DteStr
    accounting_office: str  # IdPost, codique of the poste comptable
    siret: str  # IdColl, SIRET of the budget
    collectivity_code: str  # CodCol, 3 digits
    budget_code: str  # CodBud
    sender: str = "REGIE"  # Emetteur/Sigle
    application: str = "Regie"  # Emetteur/Adresse (application name and version)


@dataclass(frozen=True)
class Address:
    """``Adresse`` of the debtor, structured as the DGFiP asks."""

    street: str  # Adr2 (number, type and name of the street)
    postcode: str  # CP, 5 digits; 99999 abroad
    town: str  # Ville
    extra: str | None = None  # Adr1 (building, residence, "chez")
    locality: str | None = None  # Adr3 (lieu-dit, hamlet)
    resident: bool = True  # CodRes 0 = resident
    country_code: str | None = None  # CodPays, INSEE 3 digits; required when not resident


@dataclass(frozen=True)
class Debtor:
    """``Tiers``: the one debtor of a title."""

    last_name: str  # Nom
    address: Address
    first_name: str | None = None  # Prenom, required for a person (category 01)
    civility: str | None = None  # Civilite, required for a person
    name_complement: str | None = None  # ComplNom
    reference: str | None = None  # RefTiers, the family's id in the régie
    category: str = "01"  # CatTiers, 01 = personne physique
    legal_nature: str = "01"  # NatJur, 01 = particulier
    debtor_type: str = "01"  # TypTiers, 01 = débiteur principal


@dataclass(frozen=True)
class Line:
    """``LigneDePiece``: one budget imputation of a title."""

    product_code: str  # CodProdLoc, local product code known to Hélios
    nature: str  # Nature, budget account by nature (e.g. 7067)
    amount: Decimal  # MtHT, > 0, two decimals
    object: str | None = None  # ObjLignePce


@dataclass(frozen=True)
class Title:
    """``Piece``: one individual title for one debtor."""

    number: int  # IdPce, reserved by the accounting service
    object: str  # ObjPce, object of the revenue printed for the debtor
    debtor: Debtor
    lines: tuple[Line, ...]
    invoice_number: str | None = None  # NumeroFacture
    piece_nature: str = "01"  # NatPce, 01 = fonctionnement

    @property
    def total(self) -> Decimal:
        """Sum of the lines: the amount the debtor owes on this title."""
        return sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class Bordereau:
    """``Bordereau`` of type 01 listing the titles sent together."""

    fiscal_year: int  # Exer
    number: int  # IdBord, reserved by the accounting service
    issued: date  # DteBordEm
    titles: tuple[Title, ...]

    @property
    def total(self) -> Decimal:
        """``MtBordHt``: sum of every line of every title."""
        return sum((title.total for title in self.titles), Decimal("0.00"))


@dataclass(frozen=True)
class TitlesFile:
    """A whole ``PES_Aller`` holding one bordereau of individual titles."""

    header: Header
    bordereau: Bordereau
