"""PES V2 schema validation with lxml; the schema directory is a setting, compiled once per process."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .errors import SchemaNotFound, SchemaViolation

#: Environment variable naming the schema directory when no argument is given.
ENV_VAR = "REGIE_ORMC_SCHEMAS"
#: Entry point inside the DGFiP schema set.
ENTRY = Path("PES_V2") / "Rev0" / "PES_Aller.xsd"

_PIECE = re.compile(r"/Piece\[(\d+)\]")


def locate(schema_dir: str | os.PathLike[str] | None = None) -> Path:
    """The ``PES_Aller.xsd`` inside ``schema_dir`` or ``$REGIE_ORMC_SCHEMAS``; fail closed if absent."""
    chosen = schema_dir if schema_dir is not None else os.environ.get(ENV_VAR)
    if not chosen:
        raise SchemaNotFound(
            f"dossier des schémas PES V2 non indiqué (paramètre schema_dir ou variable {ENV_VAR})"
        )
    entry = Path(chosen).resolve() / ENTRY
    if not entry.is_file():
        raise SchemaNotFound(f"schéma PES V2 introuvable : {entry}", value=str(chosen))
    return entry


@lru_cache(maxsize=4)
def _compiled(entry: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(entry)))


def load(schema_dir: str | os.PathLike[str] | None = None) -> etree.XMLSchema:
    """The compiled PES V2 schema (cached: later calls with the same directory cost nothing)."""
    return _compiled(locate(schema_dir))


def errors(doc: etree._ElementTree, schema_dir: str | os.PathLike[str] | None = None) -> list[SchemaViolation]:
    """Every schema error of ``doc``, each with its line and, inside a piece, the piece's position."""
    schema = load(schema_dir)
    if schema.validate(doc):
        return []
    found = []
    # lxml-stubs lack _ErrorLog.__iter__
    for entry in schema.error_log:  # type: ignore[attr-defined]
        match = _PIECE.search(entry.path or "")
        position = int(match.group(1)) if match else None
        where = f" (pièce n° {position} du bordereau)" if position else ""
        message = f"non conforme au schéma PES V2{where} : {entry.message}"
        found.append(SchemaViolation(message, line=entry.line or None))
    return found


def validate(doc: etree._ElementTree, schema_dir: str | os.PathLike[str] | None = None) -> None:
    """Raise the first :class:`SchemaViolation` of ``doc``."""
    found = errors(doc, schema_dir)
    if found:
        raise found[0]
