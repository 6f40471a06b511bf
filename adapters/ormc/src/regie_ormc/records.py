"""Typed records of a treasury roll: what a PES V2 ORMC file or a ROLMRE file carries.

Money is :class:`~decimal.Decimal` (two places), dates are :class:`datetime.date`;
code lists stay the DGFiP strings (``"01"``) so a value read is the value written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Sequence = Literal["OOFF", "FRST", "RCUR", "FNAL"]


# --- PES V2 ORMC ----------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """``Enveloppe`` and ``EnTetePES``: who sends the file to which accounting office."""

    file_name: str  # NomFic
    sender: str  # Sigle: the software vendor
    application: str  # Adresse: application name and version
    date: dt.date  # DteStr
    post_id: str  # IdPost: codique of the poste comptable
    siret: str  # IdColl: SIRET of the budget
    collectivity_code: str  # CodCol (3 digits)
    budget_code: str  # CodBud (2 characters)
    post_label: str | None = None  # LibellePoste
    collectivity_label: str | None = None  # LibelleColBud


@dataclass(frozen=True)
class Bordereau:
    """``BlocBordereau`` of the rôle (type 06); totals are computed, never given."""

    fiscal_year: int  # Exer
    number: int  # IdBord: the rôle number
    date: dt.date  # DteBordEm
    object: str | None = None  # Objet
    collection_date: dt.date | None = None  # DteAsp (>= DteBordEm)


@dataclass(frozen=True)
class Debit:
    """``InfoPrelevementSEPA`` of a line: the treasury collects by SEPA direct debit."""

    date: dt.date  # DtePrel: settlement date
    amount: Decimal  # MtPrel
    sequence: Sequence  # SequencePres 01-04
    mandate_date: dt.date  # DateSignMandat
    mandate_ref: str  # RefUniMdt (RUM)
    label: str | None = None  # LibPrel
    nature: str = "01"  # NatPrel: 01 file built by the Trésor
    periodicity: str = "07"  # PerPrel: 07 unique
    former_mandate_ref: str | None = None  # AncienRUM
    former_creditor_id: str | None = None  # AncienICS
    former_creditor_name: str | None = None  # AncienTiersCreancier
    former_bank: bool | None = None  # AncienneBanque
    former_iban: str | None = None  # AncienIBAN
    different_holder: bool | None = None  # TitCpteDiff


@dataclass(frozen=True)
class Line:
    """``LigneDePiece``: one imputation of the title."""

    number: int  # IdLigne (sub-article)
    product_code: str  # CodProdLoc
    amount: Decimal  # MtHT
    object: str | None = None  # ObjLignePce
    nature: str = "588"  # Nature
    debit: Debit | None = None


@dataclass(frozen=True)
class Address:
    """``Adresse`` of the debtor (``CP`` 99999 and the foreign postcode in ``town`` when abroad)."""

    street: str  # Adr2
    postcode: str  # CP
    town: str  # Ville
    extra: str | None = None  # Adr1 (building, residence, "chez")
    locality: str | None = None  # Adr3 (lieu-dit, hamlet)
    resident: bool = True  # CodRes 0
    country_code: str | None = None  # CodPays (INSEE)
    kind: str = "1"  # TypAdr: 1 principale


@dataclass(frozen=True)
class BankAccount:
    """``CpteBancaire`` in its IBAN form (upper case, no spaces)."""

    iban: str
    holder: str  # TitCpte
    bic: str | None = None


@dataclass(frozen=True)
class Debtor:
    """``Tiers``: the single debtor of an ORMC title."""

    last_name: str  # Nom
    address: Address
    first_name: str | None = None  # Prenom (mandatory for CatTiers 01)
    civility: str | None = None  # Civilite (mandatory for CatTiers 01)
    reference: str | None = None  # RefTiers: the family's id in the billing tool
    name_complement: str | None = None  # ComplNom
    category: str = "01"  # CatTiers: 01 personne physique
    legal_nature: str = "01"  # NatJur: 01 particulier
    debtor_type: str = "01"  # TypTiers: 01 débiteur principal
    bank_account: BankAccount | None = None


@dataclass(frozen=True)
class Piece:
    """``Piece`` of type 15: one mono-debtor ORMC title (an article of the rôle)."""

    number: int  # IdPce: article number
    debt_number: int  # NumDette (13 digits at most, the keys' width)
    period: int  # Per: one digit, used as such in both keys
    cle1: str  # mod 11, see keys.ormc_cle1
    cle2: str  # mod 23, see keys.ormc_cle2
    debtor: Debtor
    lines: tuple[Line, ...]
    object: str | None = None  # ObjPce
    invoice_number: str | None = None  # NumeroFacture
    edition: str | None = None  # Edition: 03 or 06 for ORMC

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


@dataclass(frozen=True)
class Roll:
    """A PES V2 ORMC file: one header, one bordereau (the rôle), its pieces."""

    header: Header
    bordereau: Bordereau
    pieces: tuple[Piece, ...]

    @property
    def total(self) -> Decimal:
        return sum((piece.total for piece in self.pieces), Decimal("0.00"))


# --- ROLMRE ---------------------------------------------------------------------


@dataclass(frozen=True)
class RibAccount:
    """The pre-SEPA French RIB that ROLMRE carries (it cannot carry an IBAN or a RUM)."""

    bank_code: str  # ROLRET
    branch_code: str  # ROLRGU
    account_number: str  # ROLRCO
    key: str  # ROLRCL
    holder: str  # ROLTIT


@dataclass(frozen=True)
class RolmreArticle:
    """One 500-character ROLMRE record: one debt. Keys, ``ROLTOT`` and constants are computed."""

    collectivity_code: str  # ROLCOL (2)
    nature_code: str  # ROLNAT (2 digits)
    fiscal_year: int  # ROLEX
    period: int  # ROLPER
    debt_number: int  # ROLDET (13 digits)
    revenue_code: str  # ROLREC (2 letters, not FF)
    issue_date: dt.date  # ROLDAT
    roll_number: int  # ROLROL (2 digits)
    amount: Decimal  # ROLEAU: eau HT or the budget amount of any other revenue
    name: str  # ROLNOM: name then first name
    movement: str = "1"  # ROLMVT: 1 création
    sanitation: Decimal = Decimal("0.00")  # ROLASS
    water_vat: Decimal = Decimal("0.00")  # ROLTVE
    sanitation_vat: Decimal = Decimal("0.00")  # ROLTVA
    non_increasable: Decimal = Decimal("0.00")  # ROLNMAJ (information, not in the total)
    name_continued: str = ""  # ROLCNM
    distribution: str = ""  # ROLDIS
    street: str = ""  # ROLADR
    locality: str = ""  # ROLCVI
    postcode: str = ""  # ROLCP
    town: str = ""  # ROLLOC
    object1: str = ""  # ROLORU
    object2: str = ""  # ROLOVI
    direct_debit: bool = False  # ROLPRE 5 / 2
    account: RibAccount | None = None
    client_number: str = ""  # ROLCLI
    budget_chapter: str = ""  # ROLSCH
    budget_article: str = ""  # ROLART
    debt_prefix: str = "00"  # ROLDEB
    revenue_type: str = "0"  # ROLTPR: 0 other, 1 eau/assainissement, 2 LEMA

    @property
    def total(self) -> Decimal:
        """``ROLTOT``."""
        return self.amount + self.sanitation + self.water_vat + self.sanitation_vat
