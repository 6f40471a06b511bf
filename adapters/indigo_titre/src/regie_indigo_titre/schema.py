"""The DGFiP PES V2 schema, loaded from a directory the caller gives.

The schemas are not shipped with the package: the DGFiP publishes them
(collectivites-locales.gouv.fr, « dématérialisation comptable et budgétaire »)
and updates them; the directory is a setting, given as an argument or through
``$REGIE_INDIGO_TITRE_SCHEMAS``. Without it, writing and checking fail closed.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from lxml import etree

from .errors import SchemaInvalid, SchemaMissing

#: Environment variable naming the schema directory when no argument is given.
ENV_VAR = "REGIE_INDIGO_TITRE_SCHEMAS"
#: Entry point of outgoing flows, relative to the schema directory.
ENTRY = Path("PES_V2") / "Rev0" / "PES_Aller.xsd"

_PIECE = re.compile(r"/Bordereau(?:\[(\d+)\])?/Piece(?:\[(\d+)\])?/")


def entry_point(schema_dir: str | os.PathLike[str] | None = None) -> Path:
    """``PES_Aller.xsd`` inside ``schema_dir`` (or ``$REGIE_INDIGO_TITRE_SCHEMAS``)."""
    chosen = schema_dir if schema_dir is not None else os.environ.get(ENV_VAR)
    if not chosen:
        raise SchemaMissing(f"indiquez le dossier des schémas PES V2 (option --schemas ou variable {ENV_VAR})")
    path = Path(chosen) / ENTRY
    if not path.is_file():
        raise SchemaMissing("schéma PES V2 introuvable dans ce dossier", field="schemas", value=str(path))
    return path.resolve()


@functools.lru_cache(maxsize=4)
def _compiled(path: Path) -> etree.XMLSchema:
    try:
        return etree.XMLSchema(etree.parse(str(path)))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as e:
        raise SchemaMissing("le schéma PES V2 ne se charge pas", field="schemas", value=str(path)) from e


def validate(doc: etree._ElementTree, schema_dir: str | os.PathLike[str] | None = None) -> None:
    """Raise the first :class:`SchemaInvalid` of :func:`errors`, if any."""
    found = errors(doc, schema_dir)
    if found:
        raise found[0]


def errors(doc: etree._ElementTree, schema_dir: str | os.PathLike[str] | None = None) -> list[SchemaInvalid]:
    """Every schema error of ``doc``, each naming its element, line and title."""
    xsd = _compiled(entry_point(schema_dir))
    if xsd.validate(doc):
        return []
    return [
        SchemaInvalid(
            f"le fichier ne respecte pas le schéma PES V2 : {entry.message}",
            field=_element_name(entry.path),
            title=_title_of(doc, entry.path),
            line=entry.line,
        )
        for entry in xsd.error_log
    ]


def _element_name(path: str | None) -> str | None:
    if not path:
        return None
    return re.sub(r"\[\d+\]", "", path.rsplit("/", 1)[-1]) or None


def _title_of(doc: etree._ElementTree, path: str | None) -> int | None:
    """The ``IdPce`` of the piece an XPath points into, when it has a readable one."""
    match = _PIECE.search(path or "")
    if match is None:
        return None
    bordereaux = doc.getroot().findall("PES_RecetteAller/Bordereau")
    b, p = (int(group or 1) - 1 for group in match.groups())
    pieces = bordereaux[b].findall("Piece") if b < len(bordereaux) else []
    number = pieces[p].find("BlocPiece/IdPce") if p < len(pieces) else None
    raw = "" if number is None else number.get("V", "")
    return int(raw) if raw.isdigit() else None
