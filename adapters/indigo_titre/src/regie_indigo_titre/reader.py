"""Read a PES V2 file of individual titles back into :class:`~regie_indigo_titre.records.TitlesFile`.

Reading what :func:`regie_indigo_titre.writer.write` wrote gives back the
records it was given. The reader takes one bordereau of type 01 whose pieces
are of type 01 (an ORMC roll is refused: it belongs to ``regie-ormc``); any
element it cannot place raises :class:`~regie_indigo_titre.errors.FileFormatError`
naming the line, rather than being dropped. Business rules are not checked
here but by :func:`regie_indigo_titre.check.check`.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, BinaryIO, TypeVar

from lxml import etree

from .errors import FileFormatError
from .records import Address, Bordereau, Debtor, Header, Line, Title, TitlesFile
from .writer import BORDEREAU_TYPE, NAMESPACE, PIECE_TYPE

T = TypeVar("T")

_INTEGER = re.compile(r"[0-9]{1,18}")
_AMOUNT = re.compile(r"[+-]?[0-9]{1,20}(\.[0-9]{0,20})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Document:
    """A parsed file: its records, what its bordereau declares, and the XML tree (for the schema)."""

    titles: TitlesFile
    declared_count: int  # NbrPce
    declared_total: Decimal  # MtBordHt
    tree: etree._ElementTree


Source = bytes | os.PathLike[str] | BinaryIO


def read(source: Source) -> TitlesFile:
    """The records of a PES V2 individual-titles file (ISO-8859-1 or UTF-8, as declared).

    ``source`` is the file's ``bytes``, a path (:class:`os.PathLike`, such as
    :class:`pathlib.Path`) or a binary file object. A path or a file is parsed
    as it is read, never held whole in memory. Opening a path may raise
    :class:`OSError`.
    """
    return read_document(source).titles


_CHUNK = 1 << 16


class _Watched:
    """A binary file as lxml reads it, noting on the way whether its bytes are ASCII and valid UTF-8.

    UTF-8 bytes under an ISO-8859-1 declaration parse without error, into
    mojibake. Accented ISO-8859-1 text is almost never valid UTF-8 (``é`` is
    one byte there, a lead byte here), so non-ASCII bytes that decode as UTF-8
    betray the lie; watching the chunks lxml reads tells it in the same pass.
    """

    def __init__(self, file: Any) -> None:
        self.file = file
        self.ascii = True
        self.utf8: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        if not isinstance(chunk, bytes):
            raise FileFormatError("le fichier doit être ouvert en binaire (« rb »)", value=type(chunk).__name__)
        self.see(chunk)
        return chunk

    def see(self, chunk: bytes, *, final: bool = False) -> None:
        if self.utf8 is None or (self.ascii and chunk.isascii() and not final):
            return
        self.ascii = self.ascii and chunk.isascii()
        try:
            self.utf8.decode(chunk, final=final)
        except UnicodeDecodeError:
            self.utf8 = None

    def utf8_declared_latin1(self, declared: str | None) -> bool:
        if (declared or "").upper().replace("_", "-") not in {"ISO-8859-1", "LATIN-1", "LATIN1"}:
            return False
        while self.read(_CHUNK):  # lxml may stop before the end of the file
            pass
        self.see(b"", final=True)
        return not self.ascii and self.utf8 is not None


def _parse(source: Source) -> tuple[etree._ElementTree, _Watched]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)
    if isinstance(source, bytes):
        watched = _Watched(io.BytesIO())  # seen here: nothing left to read
        for start in range(0, len(source), _CHUNK):  # in chunks, not decoded whole into a copy
            watched.see(source[start : start + _CHUNK])
        return etree.fromstring(source, parser).getroottree(), watched
    watched = _Watched(source)
    return etree.parse(watched, parser), watched


def read_document(source: Source) -> Document:
    """Like :func:`read`, keeping the declared count and total and the tree for ``check``."""
    if isinstance(source, os.PathLike):
        with open(source, "rb") as file:
            return read_document(file)
    if not isinstance(source, bytes) and not callable(getattr(source, "read", None)):
        raise FileFormatError(
            "le fichier doit être lu en binaire : octets (bytes), chemin ou fichier ouvert en « rb »",
            value=type(source).__name__,
        )
    try:
        tree, watched = _parse(source)
    except etree.XMLSyntaxError as e:
        raise FileFormatError(f"fichier XML illisible : {e.msg}", line=e.lineno) from e
    root = tree.getroot()
    if root is not None and tree.docinfo.doctype:
        raise FileFormatError("déclaration DOCTYPE interdite dans un flux PES", line=1)
    if root is not None and watched.utf8_declared_latin1(tree.docinfo.encoding):
        raise FileFormatError(
            "le fichier se déclare en ISO-8859-1 mais son contenu est en UTF-8 : les accents seraient"
            " lus de travers (« Ã© » pour « é ») ; corriger la déclaration encoding ou réencoder le fichier",
            line=1,
            field="encoding",
            code="file.encoding.invalid",
        )
    if root is None or root.tag != f"{{{NAMESPACE}}}PES_Aller":
        raise FileFormatError(
            "ce fichier n'est pas un flux PES_Aller (racine inattendue)", value=str(getattr(root, "tag", ""))
        )
    bordereaux = root.findall("PES_RecetteAller/Bordereau")
    if len(bordereaux) != 1:
        raise FileFormatError(
            "un fichier de titres doit contenir exactement un bordereau de recettes",
            field="Bordereau",
            value=len(bordereaux),
        )
    element = bordereaux[0]
    bloc = _child(element, "BlocBordereau")
    if _value(bloc, "TypBord") != BORDEREAU_TYPE:
        raise FileFormatError(
            "bordereau d'un autre type que 01 (titres ordinaires) : un rôle ORMC se lit avec regie-ormc",
            field="TypBord",
            value=_value(bloc, "TypBord"),
            line=bloc.sourceline,
        )
    bordereau = Bordereau(
        fiscal_year=_convert(bloc, "Exer", int, _INTEGER),
        number=_convert(bloc, "IdBord", int, _INTEGER),
        issued=_convert(bloc, "DteBordEm", date.fromisoformat, _DATE),
        titles=tuple(_title(piece) for piece in element.findall("Piece")),
    )
    return Document(
        titles=TitlesFile(header=_header(root), bordereau=bordereau),
        declared_count=_convert(bloc, "NbrPce", int, _INTEGER),
        declared_total=_convert(bloc, "MtBordHt", Decimal, _AMOUNT),
        tree=tree,
    )


def _header(root: etree._Element) -> Header:
    params = _child(_child(root, "Enveloppe"), "Parametres")
    sender = _child(_child(root, "Enveloppe"), "Emetteur")
    head = _child(root, "EnTetePES")
    return Header(
        file_name=_value(params, "NomFic"),
        created=_convert(head, "DteStr", date.fromisoformat, _DATE),
        accounting_office=_value(head, "IdPost"),
        siret=_value(head, "IdColl"),
        collectivity_code=_value(head, "CodCol"),
        budget_code=_value(head, "CodBud"),
        sender=_value(sender, "Sigle"),
        application=_value(sender, "Adresse"),
    )


def _title(piece: etree._Element) -> Title:
    bloc = _child(piece, "BlocPiece")
    number = _convert(bloc, "IdPce", int, _INTEGER)
    try:
        if _value(bloc, "TypPce") != PIECE_TYPE:
            raise FileFormatError(
                "pièce d'un autre type que 01 (titre ordinaire)",
                field="TypPce",
                value=_value(bloc, "TypPce"),
                line=bloc.sourceline,
            )
        lines = piece.findall("LigneDePiece")
        if not lines:
            raise FileFormatError("titre sans ligne", field="LigneDePiece", line=piece.sourceline)
        debtors = [_debtor(line) for line in lines]
        if any(debtor != debtors[0] for debtor in debtors):
            raise FileFormatError(
                "les lignes d'un même titre désignent des débiteurs différents : "
                "un titre individuel n'a qu'un débiteur",
                field="Tiers",
                line=piece.sourceline,
            )
        return Title(
            number=number,
            object=_value(bloc, "ObjPce"),
            debtor=debtors[0],
            lines=tuple(_line(line) for line in lines),
            invoice_number=_optional(bloc, "NumeroFacture"),
            piece_nature=_value(bloc, "NatPce"),
        )
    except FileFormatError as e:
        e.title = number
        e.args = (e.describe(),)
        raise


def _line(element: etree._Element) -> Line:
    info = _child(_child(element, "BlocLignePiece"), "InfoLignePiece")
    return Line(
        product_code=_value(info, "CodProdLoc"),
        nature=_value(info, "Nature"),
        amount=_convert(info, "MtHT", Decimal, _AMOUNT),
        object=_optional(info, "ObjLignePce"),
    )


def _debtor(element: etree._Element) -> Debtor:
    tiers = element.findall("Tiers")
    if len(tiers) != 1:
        raise FileFormatError(
            "chaque ligne d'un titre individuel porte exactement un débiteur",
            field="Tiers",
            value=len(tiers),
            line=element.sourceline,
        )
    info = _child(tiers[0], "InfoTiers")
    return Debtor(
        last_name=_value(info, "Nom"),
        address=_address(_child(tiers[0], "Adresse")),
        first_name=_optional(info, "Prenom"),
        civility=_optional(info, "Civilite"),
        name_complement=_optional(info, "ComplNom"),
        reference=_optional(info, "RefTiers"),
        category=_value(info, "CatTiers"),
        legal_nature=_value(info, "NatJur"),
        debtor_type=_value(info, "TypTiers"),
    )


def _address(element: etree._Element) -> Address:
    resident = _value(element, "CodRes")
    if resident not in {"0", "1"}:
        raise FileFormatError(
            "CodRes vaut 0 (résident) ou 1 (non-résident)", field="CodRes", value=resident, line=element.sourceline
        )
    return Address(
        street=_value(element, "Adr2"),
        postcode=_value(element, "CP"),
        town=_value(element, "Ville"),
        extra=_optional(element, "Adr1"),
        locality=_optional(element, "Adr3"),
        resident=resident == "0",
        country_code=_optional(element, "CodPays"),
    )


def _child(parent: etree._Element, tag: str) -> etree._Element:
    found = parent.find(tag)
    if found is None:
        raise FileFormatError("élément obligatoire absent", field=tag, line=parent.sourceline)
    return found


def _value(parent: etree._Element, tag: str) -> str:
    """The ``V`` attribute of a required child."""
    value = _optional(parent, tag)
    if value is None:
        raise FileFormatError("élément obligatoire absent", field=tag, line=parent.sourceline)
    return value


def _optional(parent: etree._Element, tag: str) -> str | None:
    """The ``V`` attribute of an optional child; ``None`` when the child is absent."""
    found = parent.find(tag)
    if found is None:
        return None
    value = found.get("V")
    if value is None:
        raise FileFormatError("attribut V absent", field=tag, line=found.sourceline)
    return value


def _convert(parent: etree._Element, tag: str, kind: Callable[[str], T], shape: re.Pattern[str]) -> T:
    raw = _value(parent, tag)
    line = parent.find(tag).sourceline  # type: ignore[union-attr]
    if not shape.fullmatch(raw):
        raise FileFormatError("valeur mal formée", field=tag, value=raw, line=line)
    try:
        return kind(raw)
    except (ValueError, ArithmeticError) as e:
        raise FileFormatError("valeur mal formée", field=tag, value=raw, line=line) from e
