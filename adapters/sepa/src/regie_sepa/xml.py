"""Safe XML parsing shared by the pain.008 and pain.002 readers."""

from __future__ import annotations

from lxml import etree

from .errors import FileFormatError

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)


def parse(data: bytes, expected: str) -> etree._Element:
    """Parse ``data``; raise :class:`FileFormatError` (with the line) if it is not XML.

    ``expected`` names the message in the French error (« pain.008 »).
    """
    if not isinstance(data, bytes):
        raise FileFormatError(f"{expected} attendu sous forme d'octets (bytes)", value=type(data).__name__)
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        raise FileFormatError(f"fichier XML mal formé, {expected} attendu ({e.msg})", line=e.lineno) from e


def namespace(root: etree._Element) -> str:
    return etree.QName(root).namespace or ""
