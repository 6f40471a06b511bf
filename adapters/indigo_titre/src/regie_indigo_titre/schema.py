"""The DGFiP PES V2 schema, loaded from a directory the caller gives.

The DGFiP PES V2 schemas (version 5.17) ship inside the package (``schemas/``),
so that an installed package validates with no setting. The DGFiP updates them
(collectivites-locales.gouv.fr, « dématérialisation comptable et budgétaire »):
a newer set is chosen by an argument or through ``$REGIE_PES_SCHEMAS``, the one
name ``regie-ormc`` reads too. A directory without the entry point fails closed.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from .errors import SchemaError, SchemaMissingError, cut

#: Environment variable naming another schema directory when no argument is given (same name in regie-ormc).
ENV_VAR = "REGIE_PES_SCHEMAS"
#: The schemas shipped with the package: DGFiP PES V2, version 5.17.
SHIPPED = Path(__file__).parent / "schemas"
#: Entry point of outgoing flows, relative to the schema directory.
ENTRY = Path("PES_V2") / "Rev0" / "PES_Aller.xsd"

_PIECE = re.compile(r"/Bordereau(?:\[(\d+)\])?/Piece(?:\[(\d+)\])?/")
# libxml2 quotes a refused value whole; past 64 KB it cuts the whole message, closing quote included.
_QUOTED = re.compile(r"'([^']{81,})(?:'|\Z)")


def entry_point(schema_dir: str | os.PathLike[str] | None = None) -> Path:
    """``PES_Aller.xsd`` inside ``schema_dir``, else ``$REGIE_PES_SCHEMAS``, else the shipped schemas."""
    chosen = schema_dir if schema_dir is not None else (os.environ.get(ENV_VAR) or SHIPPED)
    path = Path(chosen) / ENTRY
    if not path.is_file():
        raise SchemaMissingError("schéma PES V2 introuvable dans ce dossier", field="schemas", value=str(path))
    return path.resolve()


@functools.lru_cache(maxsize=4)
def _compiled(path: Path) -> etree.XMLSchema:
    try:
        return etree.XMLSchema(etree.parse(str(path)))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as e:
        raise SchemaMissingError("le schéma PES V2 ne se charge pas", field="schemas", value=str(path)) from e


def validate(doc: etree._ElementTree, schema_dir: str | os.PathLike[str] | None = None) -> None:
    """Raise the first :class:`SchemaError` of :func:`errors`, if any."""
    first = next(errors(doc, schema_dir), None)
    if first is not None:
        raise first


def errors(doc: etree._ElementTree, schema_dir: str | os.PathLike[str] | None = None) -> Iterator[SchemaError]:
    """The schema errors of ``doc``, one at a time, each naming its element, line and title.

    One at a time: a caller who keeps only some of them holds no list of them all,
    and :func:`validate` builds only the first.
    """
    xsd = _compiled(entry_point(schema_dir))
    if xsd.validate(doc):
        return
    titles = _Titles(doc)
    for entry in xsd.error_log:
        message = _QUOTED.sub(lambda value: f"'{cut(value[1])}'", entry.message)
        yield SchemaError(
            f"le fichier ne respecte pas le schéma PES V2 : {message}",
            field=_element_name(entry.path),
            title=titles.of(entry.path),
            line=entry.line,
        )


def _element_name(path: str | None) -> str | None:
    if not path:
        return None
    return re.sub(r"\[\d+\]", "", path.rsplit("/", 1)[-1]) or None


class _Titles:
    """The ``IdPce`` of the piece an XPath points into, when it has a readable one.

    Each bordereau's pieces are listed once: looking them up again for every
    error would cost a file of many bad pieces time in the square of their number.
    """

    def __init__(self, doc: etree._ElementTree) -> None:
        self.bordereaux = doc.getroot().findall("PES_RecetteAller/Bordereau")
        self.pieces: dict[int, list[etree._Element]] = {}

    def of(self, path: str | None) -> int | None:
        match = _PIECE.search(path or "")
        if match is None:
            return None
        b, p = (int(group or 1) - 1 for group in match.groups())
        if b not in self.pieces:
            self.pieces[b] = self.bordereaux[b].findall("Piece") if b < len(self.bordereaux) else []
        pieces = self.pieces[b]
        number = pieces[p].find("BlocPiece/IdPce") if p < len(pieces) else None
        raw = "" if number is None else number.get("V", "")
        return int(raw) if raw.isdigit() else None
