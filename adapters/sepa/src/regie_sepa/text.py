"""The SEPA Latin character set: cleaning free text, checking identifiers.

Set (EPC best practice, DGFiP PES patterns): ``a-z A-Z 0-9 / - ? : ( ) . , ' +``
and space. Free text (names, remittance, addresses) is transliterated
(``é`` → ``e``, ``Œ`` → ``OE``), other characters become ``-``, spaces are
collapsed, and the result is cut to the schema length. Identifiers are never
changed: they are refused when they break the set or the EPC slash rule
(no leading or trailing ``/``, no ``//``), because a silently changed
identifier no longer matches the bank's reports.
"""

from __future__ import annotations

import re

from text_unidecode import unidecode

from .errors import FieldError

_ALLOWED = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")
_FORBIDDEN = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_SPACES = re.compile(r"\s+")
_FRENCH = str.maketrans({"°": "o", "«": "'", "»": "'", "’": "'"})  # n° → no, not unidecode's "ndeg"


def clean(value: str, limit: int) -> str:
    """Reduce ``value`` to the SEPA Latin set and to ``limit`` characters.

    >>> clean("Mme Hélène Dupont & fils", 70)
    'Mme Helene Dupont - fils'
    >>> clean("Œuvre  \\"périscolaire\\"", 12)
    "OEuvre 'peri"
    """
    if not (value.isascii() and _ALLOWED.fullmatch(value) and "  " not in value):
        value = _SPACES.sub(" ", unidecode(value.translate(_FRENCH))).replace('"', "'")
        value = _FORBIDDEN.sub("-", value)
    return value.strip()[:limit].rstrip()


def is_clean(value: str, limit: int) -> bool:
    """True when :func:`clean` would leave ``value`` unchanged."""
    return clean(value, limit) == value


def check_identifier(value: str, field: str, transaction: str | None = None) -> str:
    """Return ``value`` if it is a valid SEPA identifier (1–35 characters), else raise."""
    problem = None
    if not value or len(value) > 35:
        problem = "doit compter de 1 à 35 caractères"
    elif not _ALLOWED.fullmatch(value) or value != value.strip():
        problem = "contient un caractère interdit (autorisés : A-Z a-z 0-9 / - ? : ( ) . , ' + et l'espace intérieur)"
    elif value.startswith("/") or value.endswith("/") or "//" in value:
        problem = "ne doit ni commencer ni finir par « / » ni contenir « // »"
    if problem:
        raise FieldError(f"identifiant « {value} » invalide : {problem}",
                           field=field, value=value, transaction=transaction)
    return value
