"""Write a PES V2 file of individual titles (``TypBord`` 01, ``TypPce`` 01).

``write()`` checks the records (:mod:`regie_indigo_titre.rules`), builds the
XML, validates it against the DGFiP schema and only then returns the bytes:
a file that comes out of here has passed every check we know.
"""

from __future__ import annotations

import os

from lxml import etree

from . import rules, schema
from .records import Address, Debtor, Line, Title, TitlesFile

#: Namespace of the ``PES_Aller`` root; its children carry no prefix.
NAMESPACE = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller"
#: ``TypFic`` of a file of ordinary revenue titles.
FILE_TYPE = "PESALR1"
BORDEREAU_TYPE = "01"  # ordinaire
PIECE_TYPE = "01"  # titre ordinaire


def write(
    titles: TitlesFile,
    *,
    schema_dir: str | os.PathLike[str] | None = None,
    encoding: str = rules.ENCODINGS[0],
    cut: bool = False,
) -> bytes:
    """The PES V2 bytes of ``titles``, checked and schema-validated.

    ``encoding`` is ISO-8859-1 (default) or UTF-8; ``cut`` cuts names, address
    lines and objects that are too long instead of refusing them.
    """
    encoding = rules.normalise_encoding(encoding)
    ready = rules.prepare(titles, cut=cut, encoding=encoding)
    doc = etree.ElementTree(build(ready))
    schema.validate(doc, schema_dir)
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode("ascii")
    return declaration + etree.tostring(doc, xml_declaration=False, encoding=encoding, pretty_print=True)


def build(titles: TitlesFile) -> etree._Element:
    """The ``PES_Aller`` element of records already checked by :func:`rules.prepare`."""
    header, bordereau = titles.header, titles.bordereau
    root = etree.Element(f"{{{NAMESPACE}}}PES_Aller", nsmap={"n": NAMESPACE})
    envelope = _sub(root, "Enveloppe")
    _values(_sub(envelope, "Parametres"), Version="2", TypFic=FILE_TYPE, NomFic=header.file_name)
    _values(_sub(envelope, "Emetteur"), Sigle=header.sender, Adresse=header.application)
    _values(
        _sub(root, "EnTetePES"),
        DteStr=header.created.isoformat(),
        IdPost=header.accounting_office,
        IdColl=header.siret,
        CodCol=header.collectivity_code,
        CodBud=header.budget_code,
    )
    recette = _sub(root, "PES_RecetteAller")
    _values(_sub(recette, "EnTeteRecette"), IdVer="2", InfoDematerialisee="0")
    element = _sub(recette, "Bordereau")
    _values(
        _sub(element, "BlocBordereau"),
        Exer=str(bordereau.fiscal_year),
        IdBord=str(bordereau.number),
        DteBordEm=bordereau.issued.isoformat(),
        TypBord=BORDEREAU_TYPE,
        NbrPce=str(len(bordereau.titles)),
        MtBordHt=rules.format_amount(bordereau.total),
    )
    for title in bordereau.titles:
        _piece(element, title)
    return root


def _piece(parent: etree._Element, title: Title) -> None:
    piece = _sub(parent, "Piece")
    _values(
        _sub(piece, "BlocPiece"),
        IdPce=str(title.number),
        TypPce=PIECE_TYPE,
        NatPce=title.piece_nature,
        ObjPce=title.object,
        NumeroFacture=title.invoice_number,
    )
    for number, line in enumerate(title.lines, start=1):
        _line(piece, number, line, title.debtor)


def _line(parent: etree._Element, number: int, line: Line, debtor: Debtor) -> None:
    # The schema puts Tiers under each LigneDePiece: the one debtor is repeated on every line.
    element = _sub(parent, "LigneDePiece")
    _values(
        _sub(_sub(element, "BlocLignePiece"), "InfoLignePiece"),
        IdLigne=str(number),
        ObjLignePce=line.object,
        CodProdLoc=line.product_code,
        Nature=line.nature,
        Majo="0",
        TvaIntraCom="0",
        MtHT=rules.format_amount(line.amount),
    )
    tiers = _sub(element, "Tiers")
    _values(
        _sub(tiers, "InfoTiers"),
        RefTiers=debtor.reference,
        CatTiers=debtor.category,
        NatJur=debtor.legal_nature,
        TypTiers=debtor.debtor_type,
        Civilite=debtor.civility,
        Nom=debtor.last_name,
        ComplNom=debtor.name_complement,
        Prenom=debtor.first_name,
    )
    _address(tiers, debtor.address)


def _address(parent: etree._Element, address: Address) -> None:
    _values(
        _sub(parent, "Adresse"),
        TypAdr="1",
        Adr1=address.extra,
        Adr2=address.street,
        Adr3=address.locality,
        CP=address.postcode,
        Ville=address.town,
        CodRes="0" if address.resident else "1",
        CodPays=address.country_code,
    )


def _sub(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, tag)


def _values(parent: etree._Element, **values: str | None) -> None:
    """One ``<Name V="value"/>`` child per value, in the given (schema) order; ``None`` is omitted."""
    for tag, value in values.items():
        if value is not None:
            etree.SubElement(parent, tag, V=value)
