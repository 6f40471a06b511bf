"""PES V2 schema validation with lxml, compiled once per process.

The DGFiP PES V2 schemas (version 5.17) ship inside the package (``schemas/``);
another directory is chosen by an argument or through ``$REGIE_PES_SCHEMAS``,
the one name ``regie-indigo-titre`` reads too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from lxml import etree

from .errors import SchemaMissingError, SchemaError, cut

#: Environment variable naming another schema directory when no argument is given (same name in regie-indigo-titre).
ENV_VAR = "REGIE_PES_SCHEMAS"
#: The schemas shipped with the package: DGFiP PES V2, version 5.17.
SHIPPED = Path(__file__).parent / "schemas"
#: Entry point inside the DGFiP schema set.
ENTRY = Path("PES_V2") / "Rev0" / "PES_Aller.xsd"

_PIECE = re.compile(r"/Piece\[(\d+)\]")
# libxml2 quotes a refused value whole; past 64 KB it cuts the whole message, closing quote included.
_QUOTED = re.compile(r"'([^']{81,})(?:'|\Z)")


def locate(schema_dir: str | os.PathLike[str] | None = None) -> Path:
    """The ``PES_Aller.xsd`` inside ``schema_dir``, else ``$REGIE_PES_SCHEMAS``, else the shipped schemas."""
    chosen = schema_dir if schema_dir is not None else (os.environ.get(ENV_VAR) or SHIPPED)
    entry = Path(chosen).resolve() / ENTRY
    if not entry.is_file():
        raise SchemaMissingError(f"schéma PES V2 introuvable : {entry}", value=str(chosen))
    return entry


@lru_cache(maxsize=4)
def _compiled(entry: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(entry)))


def load(schema_dir: str | os.PathLike[str] | None = None) -> etree.XMLSchema:
    """The compiled PES V2 schema (cached: later calls with the same directory cost nothing)."""
    return _compiled(locate(schema_dir))


def errors(doc: etree._ElementTree, schema_dir: str | os.PathLike[str] | None = None) -> Iterator[SchemaError]:
    """The schema errors of ``doc``, one at a time, each with its line and, inside a piece, the piece's position.

    One at a time: a caller who keeps only some of them holds no list of them all,
    and :func:`validate` builds only the first.
    """
    schema = load(schema_dir)
    if schema.validate(doc):
        return
    # lxml-stubs lack _ErrorLog.__iter__
    for entry in schema.error_log:  # type: ignore[attr-defined]
        match = _PIECE.search(entry.path or "")
        position = int(match.group(1)) if match else None
        where = f" (pièce n° {position} du bordereau)" if position else ""
        quoted = _QUOTED.sub(lambda value: f"'{cut(value[1])}'", entry.message)
        message = f"non conforme au schéma PES V2{where} : {quoted}"
        yield SchemaError(message, line=entry.line or None)


def validate(doc: etree._ElementTree, schema_dir: str | os.PathLike[str] | None = None) -> None:
    """Raise the first :class:`SchemaError` of ``doc``."""
    first = next(errors(doc, schema_dir), None)
    if first is not None:
        raise first
