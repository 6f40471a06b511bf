"""Safe XML parsing shared by the pain.008 and pain.002 readers."""

from __future__ import annotations

import io
import os
from typing import BinaryIO

from lxml import etree

from .errors import FileFormatError

Source = bytes | os.PathLike[str] | BinaryIO

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)


def parse(source: Source, expected: str) -> etree._Element:
    """Parse ``source``; raise :class:`FileFormatError` (with the line) if it is not XML.

    ``source`` is the file's bytes, a path or a binary file object; lxml reads
    a path or a file by itself, so the file's bytes are never held beside the
    tree. ``expected`` names the message in the French error (« pain.008 »).
    """
    try:
        if isinstance(source, bytes):
            return etree.fromstring(source, _PARSER)
        if isinstance(source, os.PathLike):
            return etree.parse(os.fspath(source), _PARSER).getroot()
        if callable(getattr(source, "read", None)) and not isinstance(source, io.TextIOBase):
            return etree.parse(source, _PARSER).getroot()
    except etree.XMLSyntaxError as e:
        raise FileFormatError(f"fichier XML mal formé, {expected} attendu ({e.msg})", line=e.lineno) from e
    raise FileFormatError(
        f"{expected} attendu : octets (bytes), chemin ou fichier binaire", value=type(source).__name__
    )


def namespace(root: etree._Element) -> str:
    return etree.QName(root).namespace or ""
