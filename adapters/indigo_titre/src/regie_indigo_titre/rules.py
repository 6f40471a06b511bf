"""The PES V2 and DGFiP rules a file of individual titles must follow.

The XSD checks lengths and patterns, not what a trésorerie rejects later
(5-digit postcode, civility and first name of a person, title numbers unique
in a bordereau…), and its messages are not for an agent. So every record is
walked here first; each breach is an :class:`~regie_indigo_titre.errors.FieldError`
naming the title and the PES field.

Texts longer than their field are refused unless the caller asks to cut them
(``cut=True``): then names, address lines and objects are cut to the schema's
length, never identifiers, codes or amounts.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import NoReturn

from stdnum.fr import siret as stdnum_siret

from .errors import FieldError, TextTooLongError
from .records import Address, Bordereau, Debtor, Header, Line, Title, TitlesFile

#: Encodings a file may be written in; the first is the default.
ENCODINGS = ("ISO-8859-1", "UTF-8")

# Code lists of the v5.17 schema (the DGFiP grids of allowed pairs are not public).
CATEGORIES = frozenset("01 20 21 22 23 24 25 26 27 28 29 50 60 61 62 63 64 65 70 71 72 73 74".split())
LEGAL_NATURES = frozenset(f"{n:02d}" for n in range(1, 12))
DEBTOR_TYPES = frozenset("01 02 03 04 05 06 07 10 11 12 13 14 15 20 21 22 23 24 25 26 30".split())
PIECE_NATURES = frozenset("01 02 03 04 05 06 07 08 09 10 11 12 18".split())
#: Civilities the DGFiP no longer accepts (rejection of the title).
REFUSED_CIVILITIES = frozenset({"MLLE", "MLLE.", "MELLE", "MADEMOISELLE"})
PERSON = "01"

_ACCOUNTING_OFFICE = re.compile(r"02[AB][0-9]{3,4}|[0-9]{6,7}")
_BUDGET_CODE = re.compile(r"[0-9A-Z][0-9]")
_PRODUCT_CODE = re.compile(r"[0-9A-Za-z]{1,4}")
_INVOICE_NUMBER = re.compile(r"[ \-/_+0-9a-zA-Z]{1,20}")
# Control characters (C0, DEL, C1) and what XML cannot carry (surrogates, U+FFFE/FFFF).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_MAX_AMOUNT_DIGITS = 12  # Base_Montant: 14 digits, 2 of them decimals


def normalise_encoding(encoding: str) -> str:
    """The canonical name of a supported encoding, or :class:`FieldError`."""
    for known in ENCODINGS:
        if encoding.replace("_", "-").upper() in {known, known.replace("-", "")}:
            return known
    raise FieldError(
        "encodage non pris en charge : ISO-8859-1 (par défaut) ou UTF-8", field="encodage", value=encoding
    )


def prepare(titles: TitlesFile, *, cut: bool = False, encoding: str = ENCODINGS[0]) -> TitlesFile:
    """The file ready to write (texts cut when ``cut``); raises the first breach found."""
    return _Walk(cut=cut, encoding=normalise_encoding(encoding), found=_stop).titles_file(titles)


def problems(titles: TitlesFile, found: Callable[[FieldError], object], *, encoding: str = "UTF-8") -> None:
    """Hand each breach in the file to ``found``, in file order, for the report of ``check``.

    ``found`` decides what to keep: a file of thousands of bad titles is not listed here.
    """
    _Walk(cut=False, encoding=normalise_encoding(encoding), found=found).titles_file(titles)


def _stop(error: FieldError) -> NoReturn:
    raise error


def format_amount(amount: Decimal) -> str:
    """The PES form of an amount already checked: dot, exactly two decimals."""
    return f"{amount:.2f}"


class _Walk:
    """One pass over the records: hands each breach to ``found`` and returns the fitted records."""

    def __init__(self, *, cut: bool, encoding: str, found: Callable[[FieldError], object]) -> None:
        self.cut = cut
        self.encoding = encoding
        self.found = found
        self.failures = 0
        self.title: int | None = None

    def fail(self, message: str, field: str, value: object, kind: type[FieldError] = FieldError) -> None:
        self.failures += 1
        self.found(kind(message, field=field, value=value, title=self.title))

    # --- generic values -------------------------------------------------

    def text(self, value: str, field: str, max_len: int, *, cuttable: bool = True) -> str:
        """A PES text (``V_BaseAlphanum``): printable, encodable, not blank, within ``max_len``."""
        if not isinstance(value, str) or not value.strip():
            self.fail("texte obligatoire, il est vide", field, value)
            return value
        if _CONTROL.search(value):
            self.fail("caractère de contrôle interdit (retour à la ligne, tabulation…)", field, value)
        if self.encoding == "ISO-8859-1":
            bad = [c for c in value if ord(c) > 0xFF]
            if bad:
                self.fail(
                    f"caractère « {bad[0]} » impossible en ISO-8859-1 : remplacez-le ou écrivez en UTF-8",
                    field,
                    value,
                )
        if value in {".", "nc"} or set(value) == {"0"}:
            self.fail("valeur refusée par le schéma PES (« . », « nc » ou uniquement des zéros)", field, value)
        if len(value) > max_len:
            if self.cut and cuttable:
                return value[:max_len].rstrip()
            too_long = f"texte trop long : {len(value)} caractères pour {max_len} au plus"
            self.fail(too_long, field, value, TextTooLongError)
        return value

    def optional_text(self, value: str | None, field: str, max_len: int, *, cuttable: bool = True) -> str | None:
        return None if value is None else self.text(value, field, max_len, cuttable=cuttable)

    def pattern(self, value: str, field: str, regex: re.Pattern[str], expected: str, *, zeros: bool = False) -> None:
        """``value`` matches ``regex``; only-zeros values are refused unless ``zeros`` (as the schema does)."""
        if not isinstance(value, str) or not regex.fullmatch(value) or (not zeros and set(value) == {"0"}):
            self.fail(f"valeur invalide : {expected}", field, value)

    def number(self, value: int, field: str, digits: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**digits:
            self.fail(f"nombre entier de 1 à {digits} chiffres attendu", field, value)

    def code(self, value: str, field: str, allowed: frozenset[str]) -> None:
        if value not in allowed:
            self.fail(f"code inconnu ; valeurs possibles : {', '.join(sorted(allowed))}", field, value)

    def day(self, value: date, field: str) -> None:
        # A datetime is a date too, but would be written with its time and fail the schema.
        if type(value) is not date:
            self.fail("date attendue (datetime.date, sans heure)", field, value)

    def amount(self, value: Decimal, field: str) -> None:
        if not isinstance(value, Decimal) or not value.is_finite():
            self.fail("montant décimal attendu", field, value)
        elif value <= 0:
            self.fail("le montant doit être strictement positif", field, value)
        elif value >= Decimal(10) ** _MAX_AMOUNT_DIGITS:
            self.fail(f"montant trop grand ({_MAX_AMOUNT_DIGITS} chiffres avant la virgule au plus)", field, value)
        elif value != value.quantize(Decimal("0.01")):
            self.fail("montant avec plus de deux décimales : arrondissez-le avant l'envoi", field, value)

    # --- records --------------------------------------------------------

    def titles_file(self, titles: TitlesFile) -> TitlesFile:
        return TitlesFile(header=self.header(titles.header), bordereau=self.bordereau(titles.bordereau))

    def header(self, header: Header) -> Header:
        self.pattern(
            header.accounting_office, "IdPost", _ACCOUNTING_OFFICE, "codique du poste comptable (6 ou 7 chiffres)"
        )
        siret = header.siret
        if not (isinstance(siret, str) and re.fullmatch(r"[0-9]{14}", siret) and stdnum_siret.is_valid(siret)):
            self.fail("SIRET du budget invalide (14 chiffres sans espace, clé de Luhn)", "IdColl", header.siret)
        self.pattern(header.collectivity_code, "CodCol", re.compile(r"[0-9]{3}"), "code collectivité sur 3 chiffres")
        self.pattern(header.budget_code, "CodBud", _BUDGET_CODE, "code budget sur 2 caractères (ex. 00)", zeros=True)
        self.day(header.created, "DteStr")
        return dataclasses.replace(
            header,
            file_name=self.text(header.file_name, "NomFic", 100, cuttable=False),
            sender=self.text(header.sender, "Sigle", 32, cuttable=False),
            application=self.text(header.application, "Emetteur/Adresse", 38),
        )

    def bordereau(self, bordereau: Bordereau) -> Bordereau:
        year = bordereau.fiscal_year
        if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
            self.fail("exercice sur 4 chiffres attendu", "Exer", year)
        self.number(bordereau.number, "IdBord", 7)
        self.day(bordereau.issued, "DteBordEm")
        if not bordereau.titles:
            self.fail("le bordereau ne contient aucun titre", "NbrPce", 0)
        elif len(bordereau.titles) >= 10**5:
            self.fail("99 999 titres au plus par bordereau", "NbrPce", len(bordereau.titles))
        seen: set[int] = set()
        titles = []
        for title in bordereau.titles:
            titles.append(self.piece(title))
            if title.number in seen:
                self.fail("numéro de titre en double dans le bordereau", "IdPce", title.number)
            seen.add(title.number)
        self.title = None
        if not self.failures and bordereau.titles:
            self.amount(bordereau.total, "MtBordHt")
        return dataclasses.replace(bordereau, titles=tuple(titles))

    def piece(self, title: Title) -> Title:
        self.title = title.number if isinstance(title.number, int) else None
        self.number(title.number, "IdPce", 8)
        self.code(title.piece_nature, "NatPce", PIECE_NATURES)
        if title.invoice_number is not None:
            self.pattern(
                title.invoice_number,
                "NumeroFacture",
                _INVOICE_NUMBER,
                "20 caractères au plus : lettres sans accent, chiffres, espace, - / _ +",
            )
        if not title.lines:
            self.fail("le titre n'a aucune ligne", "LigneDePiece", 0)
        elif len(title.lines) >= 10**6:
            self.fail("trop de lignes dans le titre", "IdLigne", len(title.lines))
        return dataclasses.replace(
            title,
            object=self.text(title.object, "ObjPce", 160),
            debtor=self.debtor(title.debtor),
            lines=tuple(self.line(line) for line in title.lines),
        )

    def line(self, line: Line) -> Line:
        self.pattern(line.product_code, "CodProdLoc", _PRODUCT_CODE, "code produit local de 1 à 4 lettres ou chiffres")
        self.pattern(line.nature, "Nature", re.compile(r"[0-9]{1,12}"), "compte par nature (chiffres, ex. 7067)")
        self.amount(line.amount, "MtHT")
        return dataclasses.replace(line, object=self.optional_text(line.object, "ObjLignePce", 160))

    def debtor(self, debtor: Debtor) -> Debtor:
        self.code(debtor.category, "CatTiers", CATEGORIES)
        self.code(debtor.legal_nature, "NatJur", LEGAL_NATURES)
        self.code(debtor.debtor_type, "TypTiers", DEBTOR_TYPES)
        if debtor.category == PERSON:
            if debtor.civility is None:
                self.fail("civilité obligatoire pour une personne physique (catégorie 01)", "Civilite", None)
            if debtor.first_name is None:
                self.fail("prénom obligatoire pour une personne physique (catégorie 01)", "Prenom", None)
        if isinstance(debtor.civility, str) and debtor.civility.strip().upper() in REFUSED_CIVILITIES:
            self.fail(
                "« Mademoiselle » n'existe plus : la DGFiP rejette le titre (utilisez MME)", "Civilite", debtor.civility
            )
        return dataclasses.replace(
            debtor,
            last_name=self.text(debtor.last_name, "Nom", 38),
            first_name=self.optional_text(debtor.first_name, "Prenom", 38),
            civility=self.optional_text(debtor.civility, "Civilite", 10, cuttable=False),
            name_complement=self.optional_text(debtor.name_complement, "ComplNom", 38),
            reference=self.optional_text(debtor.reference, "RefTiers", 30, cuttable=False),
            address=self.address(debtor.address),
        )

    def address(self, address: Address) -> Address:
        if not isinstance(address.postcode, str) or not re.fullmatch(r"[0-9]{5}", address.postcode):
            self.fail("code postal sur 5 chiffres attendu (99999 pour l'étranger)", "CP", address.postcode)
        if address.resident:
            if address.country_code not in (None, "100"):
                self.fail("un débiteur résident n'a pas de code pays (ou 100, France)", "CodPays", address.country_code)
        else:
            if address.postcode != "99999":
                self.fail(
                    "débiteur à l'étranger : code postal 99999, le code étranger va dans la ville",
                    "CP",
                    address.postcode,
                )
            if (
                address.country_code is None
                or not re.fullmatch(r"[0-9]{3}", address.country_code)
                or address.country_code in {"000", "100"}
            ):
                self.fail(
                    "débiteur à l'étranger : code pays INSEE sur 3 chiffres obligatoire",
                    "CodPays",
                    address.country_code,
                )
        return dataclasses.replace(
            address,
            street=self.text(address.street, "Adr2", 38),
            town=self.text(address.town, "Ville", 38),
            extra=self.optional_text(address.extra, "Adr1", 38),
            locality=self.optional_text(address.locality, "Adr3", 38),
        )
