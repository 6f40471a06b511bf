"""Read a PES V2 ORMC file back into :class:`~regie_ormc.records.Roll`.

The reader takes what :mod:`regie_ormc.writer` writes: one bordereau of type 06,
pieces of type 15 with one debtor, IBAN bank details. Elements outside that model
(PJ, signature, VAT-free optional zones…) are ignored; a value the model cannot
hold raises :class:`~regie_ormc.errors.FileFormatError` rather than being dropped.
"""

from __future__ import annotations

import io
import os
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import BinaryIO, cast

from lxml import etree

from .errors import FileFormatError
from .records import Address, BankAccount, Bordereau, Debit, Debtor, Header, Line, Piece, Roll, Sequence
from .rules import SEQUENCE_CODES
from .writer import NAT_PCE, NS, TYP_BORD, TYP_FIC, TYP_PCE

_SEQUENCES = {code: name for name, code in SEQUENCE_CODES.items()}
_TRUE = {"1": True, "true": True, "0": False, "false": False}


Source = bytes | os.PathLike[str] | BinaryIO


def parse(source: Source) -> etree._ElementTree:
    """Parse XML safely (no entities, no network); a syntax error becomes :class:`FileFormatError`.

    ``source`` is the file's ``bytes``, a path (:class:`os.PathLike`) or a
    binary file object; lxml reads a path or a file as it parses, so the
    file's bytes are never held beside the tree. Opening a path may raise
    :class:`OSError`.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False)
    try:
        if isinstance(source, bytes):
            return etree.ElementTree(etree.fromstring(source, parser))
        if isinstance(source, os.PathLike):
            return etree.parse(os.fspath(source), parser)
        if callable(getattr(source, "read", None)) and not isinstance(source, io.TextIOBase):
            return etree.parse(source, parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        line = getattr(e, "lineno", None)
        raise FileFormatError(f"fichier XML illisible ({getattr(e, 'msg', e)})", line=line) from e
    raise FileFormatError(
        "rôle PES attendu : octets (bytes), chemin ou fichier binaire", value=type(source).__name__
    )


class _Reader:
    """Pulls ``V`` attributes out of elements, naming piece, line and zone on failure."""

    def __init__(self) -> None:
        self.current: int | None = None

    def fail(self, message: str, element: etree._Element, field: str, value: object = None) -> FileFormatError:
        line = element.sourceline if isinstance(element.sourceline, int) else None
        return FileFormatError(message, piece=self.current, line=line, field=field, value=value)

    def child(self, parent: etree._Element, tag: str) -> etree._Element:
        found = parent.find(tag)
        if found is None:
            raise self.fail("élément obligatoire absent", parent, tag)
        return found

    def opt(self, parent: etree._Element, tag: str) -> str | None:
        found = parent.find(tag)
        if found is None:
            return None
        value = found.get("V")
        if value is None:
            raise self.fail("attribut V absent", found, tag)
        return value

    def req(self, parent: etree._Element, tag: str) -> str:
        value = self.opt(parent, tag)
        if value is None:
            raise self.fail("zone obligatoire absente", parent, tag)
        return value

    def const(self, parent: etree._Element, tag: str, expected: str) -> None:
        value = self.req(parent, tag)
        if value != expected:
            raise self.fail(f"valeur {expected} attendue dans un rôle ORMC", parent, tag, value)

    def integer(self, parent: etree._Element, tag: str) -> int:
        value = self.req(parent, tag)
        if not (value.isascii() and value.isdigit()):
            raise self.fail("nombre entier attendu", parent, tag, value)
        return int(value)

    def day(self, parent: etree._Element, tag: str) -> date | None:
        value = self.opt(parent, tag)
        if value is None:
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError as e:
            raise self.fail("date AAAA-MM-JJ attendue", parent, tag, value) from e
        if len(value) != 10:
            raise self.fail("date AAAA-MM-JJ attendue", parent, tag, value)
        return parsed

    def req_day(self, parent: etree._Element, tag: str) -> date:
        value = self.day(parent, tag)
        if value is None:
            raise self.fail("zone obligatoire absente", parent, tag)
        return value

    def money(self, parent: etree._Element, tag: str) -> Decimal:
        value = self.req(parent, tag)
        try:
            amount = Decimal(value)
        except InvalidOperation as e:
            raise self.fail("montant avec un point décimal attendu", parent, tag, value) from e
        if not amount.is_finite() or amount <= 0:
            raise self.fail("montant strictement positif attendu", parent, tag, value)
        return amount

    def boolean(self, parent: etree._Element, tag: str) -> bool | None:
        value = self.opt(parent, tag)
        if value is None:
            return None
        if value not in _TRUE:
            raise self.fail("0 ou 1 attendu", parent, tag, value)
        return _TRUE[value]

    def header(self, root: etree._Element) -> Header:
        enveloppe = self.child(root, "Enveloppe")
        parametres = self.child(enveloppe, "Parametres")
        self.const(parametres, "TypFic", TYP_FIC)
        emetteur = self.child(enveloppe, "Emetteur")
        entete = self.child(root, "EnTetePES")
        return Header(
            file_name=self.req(parametres, "NomFic"),
            sender=self.req(emetteur, "Sigle"),
            application=self.req(emetteur, "Adresse"),
            date=self.req_day(entete, "DteStr"),
            post_id=self.req(entete, "IdPost"),
            siret=self.req(entete, "IdColl"),
            collectivity_code=self.req(entete, "CodCol"),
            budget_code=self.req(entete, "CodBud"),
            post_label=self.opt(entete, "LibellePoste"),
            collectivity_label=self.opt(entete, "LibelleColBud"),
        )

    def debit(self, element: etree._Element) -> Debit:
        code = self.req(element, "SequencePres")
        if code not in _SEQUENCES:
            raise self.fail("séquence 01 à 04 attendue", element, "SequencePres", code)
        return Debit(
            date=self.req_day(element, "DtePrel"),
            amount=self.money(element, "MtPrel"),
            sequence=cast(Sequence, _SEQUENCES[code]),
            mandate_date=self.req_day(element, "DateSignMandat"),
            mandate_ref=self.req(element, "RefUniMdt"),
            label=self.opt(element, "LibPrel"),
            nature=self.req(element, "NatPrel"),
            periodicity=self.req(element, "PerPrel"),
            former_mandate_ref=self.opt(element, "AncienRUM"),
            former_creditor_id=self.opt(element, "AncienICS"),
            former_creditor_name=self.opt(element, "AncienTiersCreancier"),
            former_bank=self.boolean(element, "AncienneBanque"),
            former_iban=self.opt(element, "AncienIBAN"),
            different_holder=self.boolean(element, "TitCpteDiff"),
        )

    def debtor(self, ligne: etree._Element) -> Debtor:
        tiers = ligne.findall("Tiers")
        if len(tiers) != 1:
            raise self.fail("un titre ORMC porte exactement un débiteur par ligne", ligne, "Tiers", len(tiers))
        info = self.child(tiers[0], "InfoTiers")
        adresse = self.child(tiers[0], "Adresse")
        compte = tiers[0].find("CpteBancaire")
        account = None
        if compte is not None:
            if compte.find("IBAN") is None:
                raise self.fail("coordonnées bancaires attendues sous forme IBAN", compte, "IBAN")
            account = BankAccount(
                iban=self.req(compte, "IBAN"), holder=self.req(compte, "TitCpte"), bic=self.opt(compte, "BIC")
            )
        resident = not self.boolean(adresse, "CodRes")
        return Debtor(
            last_name=self.req(info, "Nom"),
            address=Address(
                street=self.req(adresse, "Adr2"),
                postcode=self.req(adresse, "CP"),
                town=self.req(adresse, "Ville"),
                extra=self.opt(adresse, "Adr1"),
                locality=self.opt(adresse, "Adr3"),
                resident=resident,
                country_code=self.opt(adresse, "CodPays"),
                kind=self.req(adresse, "TypAdr"),
            ),
            first_name=self.opt(info, "Prenom"),
            civility=self.opt(info, "Civilite"),
            reference=self.opt(info, "RefTiers"),
            name_complement=self.opt(info, "ComplNom"),
            category=self.req(info, "CatTiers"),
            legal_nature=self.req(info, "NatJur"),
            debtor_type=self.req(info, "TypTiers"),
            bank_account=account,
        )

    def line(self, ligne: etree._Element) -> Line:
        bloc = self.child(ligne, "BlocLignePiece")
        info = self.child(bloc, "InfoLignePiece")
        for tag in ("Majo", "TvaIntraCom"):
            if self.boolean(info, tag):
                raise self.fail("majoration et TVA intracommunautaire non prises en charge", info, tag)
        if info.find("MtTVA") is not None:
            raise self.fail("TVA non prise en charge dans un rôle ORMC", info, "MtTVA")
        sepa = bloc.find("InfoPrelevementSEPA")
        if bloc.find("InfoPrelevement") is not None:
            raise self.fail("prélèvement national (non SEPA) non pris en charge", bloc, "InfoPrelevement")
        return Line(
            number=self.integer(info, "IdLigne"),
            product_code=self.req(info, "CodProdLoc"),
            amount=self.money(info, "MtHT"),
            object=self.opt(info, "ObjLignePce"),
            nature=self.req(info, "Nature"),
            debit=None if sepa is None else self.debit(sepa),
        )

    def piece(self, element: etree._Element) -> Piece:
        self.current = None
        bloc = self.child(element, "BlocPiece")
        number = self.current = self.integer(bloc, "IdPce")
        self.const(bloc, "TypPce", TYP_PCE)
        self.const(bloc, "NatPce", NAT_PCE)
        lignes = element.findall("LigneDePiece")
        if not lignes:
            raise self.fail("article sans ligne", element, "LigneDePiece")
        debtors = [self.debtor(ligne) for ligne in lignes]
        if any(d != debtors[0] for d in debtors[1:]):
            raise self.fail("le titre ORMC doit être mono-débiteur", element, "Tiers")
        piece = Piece(
            number=number,
            debt_number=self.integer(bloc, "NumDette"),
            period=self.integer(bloc, "Per"),
            cle1=self.req(bloc, "Cle1"),
            cle2=self.req(bloc, "Cle2"),
            debtor=debtors[0],
            lines=tuple(self.line(ligne) for ligne in lignes),
            object=self.opt(bloc, "ObjPce"),
            invoice_number=self.opt(bloc, "NumeroFacture"),
            edition=self.opt(bloc, "Edition"),
        )
        self.current = None
        return piece

    def roll(self, root: etree._Element) -> Roll:
        if root.tag != etree.QName(NS, "PES_Aller").text:
            raise self.fail("racine PES_Aller attendue", root, "PES_Aller", root.tag)
        header = self.header(root)
        recette = self.child(root, "PES_RecetteAller")
        bordereaux = recette.findall("Bordereau")
        if len(bordereaux) != 1:
            raise self.fail("un rôle ORMC porte un seul bordereau", recette, "Bordereau", len(bordereaux))
        bloc = self.child(bordereaux[0], "BlocBordereau")
        self.const(bloc, "TypBord", TYP_BORD)
        bordereau = Bordereau(
            fiscal_year=self.integer(bloc, "Exer"),
            number=self.integer(bloc, "IdBord"),
            date=self.req_day(bloc, "DteBordEm"),
            object=self.opt(bloc, "Objet"),
            collection_date=self.day(bloc, "DteAsp"),
        )
        pieces = tuple(self.piece(p) for p in bordereaux[0].findall("Piece"))
        if not pieces:
            raise self.fail("bordereau sans article", bordereaux[0], "Piece")
        return Roll(header=header, bordereau=bordereau, pieces=pieces)


def read_tree(doc: etree._ElementTree) -> Roll:
    return _Reader().roll(doc.getroot())


def read(source: Source) -> Roll:
    """The roll carried by an ORMC file (ISO-8859-1 or UTF-8, as its XML declaration says).

    ``source`` is the file's ``bytes``, a path or a binary file object, as for :func:`parse`.
    """
    return read_tree(parse(source))
