"""Write a PES V2 ORMC file (``PES_Aller``, ``TypFic`` PESORMC, bordereau 06, pieces 15).

The roll is checked by :mod:`regie_ormc.rules`, built with lxml, then validated
against the DGFiP schema before any byte is returned: a file that leaves this
module is one the schema accepts.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from typing import Literal

from lxml import etree

from . import keys, rules, schema, shapes
from .errors import FieldError
from .records import Debit, Debtor, Line, Piece, Roll

NS = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
Encoding = Literal["ISO-8859-1", "UTF-8"]
ENCODINGS: tuple[str, ...] = ("ISO-8859-1", "UTF-8")

# Constants of an ORMC roll (format note §6).
TYP_FIC = "PESORMC"
TYP_BORD = "06"
TYP_PCE = "15"
NAT_PCE = "01"


def money(value: Decimal) -> str:
    """``Base_Montant``: dot, two decimals."""
    return f"{value.quantize(Decimal('0.01')):f}"


def flag(value: bool) -> str:
    return "1" if value else "0"


class _Builder:
    """Adds ``<Tag V="…"/>`` children, refusing characters the target encoding lacks."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.piece: int | None = None

    def add(self, parent: etree._Element, tag: str, value: str | int | date | None) -> None:
        if value is None:
            return
        if isinstance(value, date):
            text = value.isoformat()
        else:
            text = str(value)
            rules.encodable(text, self.encoding, tag, piece=self.piece)
        try:
            etree.SubElement(parent, tag, V=text)
        except ValueError as e:  # a character XML 1.0 cannot hold (U+FFFE…)
            raise FieldError("caractère interdit en XML", piece=self.piece, field=tag, value=text) from e

    def group(self, parent: etree._Element, tag: str, *pairs: tuple[str, str | int | date | None]) -> etree._Element:
        element = etree.SubElement(parent, tag)
        for name, value in pairs:
            self.add(element, name, value)
        return element


def _debit(b: _Builder, parent: etree._Element, debit: Debit) -> None:
    b.group(
        parent,
        "InfoPrelevementSEPA",
        ("NatPrel", debit.nature),
        ("PerPrel", debit.periodicity),
        ("DtePrel", debit.date),
        ("MtPrel", money(debit.amount)),
        ("SequencePres", rules.SEQUENCE_CODES[debit.sequence]),
        ("DateSignMandat", debit.mandate_date),
        ("RefUniMdt", debit.mandate_ref),
        ("LibPrel", debit.label),
        ("AncienRUM", debit.former_mandate_ref),
        ("AncienICS", debit.former_creditor_id),
        ("AncienTiersCreancier", debit.former_creditor_name),
        ("AncienneBanque", None if debit.former_bank is None else flag(debit.former_bank)),
        ("AncienIBAN", debit.former_iban),
        ("TitCpteDiff", None if debit.different_holder is None else flag(debit.different_holder)),
    )


def _debtor(b: _Builder, parent: etree._Element, debtor: Debtor) -> None:
    tiers = etree.SubElement(parent, "Tiers")
    b.group(
        tiers,
        "InfoTiers",
        ("RefTiers", debtor.reference),
        ("CatTiers", debtor.category),
        ("NatJur", debtor.legal_nature),
        ("TypTiers", debtor.debtor_type),
        ("Civilite", debtor.civility),
        ("Nom", debtor.last_name),
        ("ComplNom", debtor.name_complement),
        ("Prenom", debtor.first_name),
    )
    address = debtor.address
    b.group(
        tiers,
        "Adresse",
        ("TypAdr", address.kind),
        ("Adr1", address.extra),
        ("Adr2", address.street),
        ("Adr3", address.locality),
        ("CP", address.postcode),
        ("Ville", address.town),
        ("CodRes", flag(not address.resident)),
        ("CodPays", address.country_code),
    )
    account = debtor.bank_account
    if account is not None:
        b.group(tiers, "CpteBancaire", ("BIC", account.bic), ("IBAN", account.iban), ("TitCpte", account.holder))


def _line(b: _Builder, parent: etree._Element, line: Line, debtor: Debtor) -> None:
    ligne = etree.SubElement(parent, "LigneDePiece")
    bloc = etree.SubElement(ligne, "BlocLignePiece")
    b.group(
        bloc,
        "InfoLignePiece",
        ("IdLigne", line.number),
        ("ObjLignePce", line.object),
        ("CodProdLoc", line.product_code),
        ("Nature", line.nature),
        ("Majo", "0"),
        ("TvaIntraCom", "0"),
        ("MtHT", money(line.amount)),
    )
    if line.debit is not None:
        _debit(b, bloc, line.debit)
    # The schema carries the debtor per line: a mono-debtor title repeats it on each.
    _debtor(b, ligne, debtor)


def _piece(b: _Builder, parent: etree._Element, piece: Piece) -> None:
    b.piece = piece.number
    element = etree.SubElement(parent, "Piece")
    b.group(
        element,
        "BlocPiece",
        ("IdPce", piece.number),
        ("TypPce", TYP_PCE),
        ("NatPce", NAT_PCE),
        ("Edition", piece.edition),
        ("ObjPce", piece.object),
        ("NumDette", piece.debt_number),
        ("Per", piece.period),
        ("Cle1", piece.cle1),
        ("Cle2", piece.cle2),
        ("NumeroFacture", piece.invoice_number),
    )
    for line in piece.lines:
        _line(b, element, line, piece.debtor)
    b.piece = None


def build(roll: Roll, encoding: str = "ISO-8859-1") -> etree._ElementTree:
    """The XML tree of ``roll`` after the rules, before the schema."""
    if encoding not in ENCODINGS:
        raise FieldError("encodage ISO-8859-1 ou UTF-8 attendu", field="encoding", value=encoding)
    rules.check_roll(roll)
    b = _Builder(encoding)
    header, bordereau = roll.header, roll.bordereau
    root = etree.Element(etree.QName(NS, "PES_Aller"), nsmap={"n": NS})
    enveloppe = etree.SubElement(root, "Enveloppe")
    b.group(enveloppe, "Parametres", ("Version", "2"), ("TypFic", TYP_FIC), ("NomFic", header.file_name))
    b.group(enveloppe, "Emetteur", ("Sigle", header.sender), ("Adresse", header.application))
    b.group(
        root,
        "EnTetePES",
        ("DteStr", header.date),
        ("IdPost", header.post_id),
        ("LibellePoste", header.post_label),
        ("IdColl", header.siret),
        ("CodCol", header.collectivity_code),
        ("CodBud", header.budget_code),
        ("LibelleColBud", header.collectivity_label),
    )
    recette = etree.SubElement(root, "PES_RecetteAller")
    b.group(recette, "EnTeteRecette", ("IdVer", "2"), ("InfoDematerialisee", "0"))
    element = etree.SubElement(recette, "Bordereau")
    b.group(
        element,
        "BlocBordereau",
        ("Exer", bordereau.fiscal_year),
        ("IdBord", bordereau.number),
        ("DteBordEm", bordereau.date),
        ("TypBord", TYP_BORD),
        ("NbrPce", len(roll.pieces)),
        ("MtBordHt", money(roll.total)),
        ("DteAsp", bordereau.collection_date),
        ("Objet", bordereau.object),
    )
    for piece in roll.pieces:
        _piece(b, element, piece)
    return etree.ElementTree(root)


def write(
    roll: Roll,
    *,
    schema_dir: str | os.PathLike[str] | None = None,
    encoding: str = "ISO-8859-1",
    cle1_basis: keys.Cle1Basis | None = None,
) -> bytes:
    """The ORMC file of ``roll``, checked by the rules and validated against the PES V2 schema.

    ``schema_dir`` is the DGFiP schema directory (the one holding ``PES_V2/``),
    else ``$REGIE_PES_SCHEMAS``, else the shipped ones. ``Cle2`` is
    always verified; ``Cle1`` too when ``cle1_basis`` is given.
    """
    shapes.check_roll(roll)
    schema.locate(schema_dir)
    doc = build(roll, encoding)
    if cle1_basis is not None:
        rules.check_cle1(roll, cle1_basis)
    schema.validate(doc, schema_dir)
    data = etree.tostring(doc, xml_declaration=True, encoding=encoding, pretty_print=True)
    assert isinstance(data, bytes)  # an explicit encoding always gives bytes
    return data
