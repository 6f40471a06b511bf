"""Belgian structured communication (OGM/VCS): ``+++123/4567/89012+++``.

Twelve digits: ten chosen by the creditor (here: an invoice or family number)
and two check digits, the first ten modulo 97, or 97 when the remainder is 0.
The arithmetic and validation are python-stdnum's :mod:`stdnum.be.ogm_vcs`;
this module only adds generation from a number and the ``+++`` display, and
turns stdnum's errors into :class:`~regie_coda.errors.CommunicationError`.

>>> generate(1234567890)
'123456789002'
>>> format('123456789002')
'+++123/4567/89002+++'
>>> validate('+++123/4567/89002+++')
'123456789002'
>>> generate(97)
'000000009797'
"""

from __future__ import annotations

from stdnum.be import ogm_vcs
from stdnum.exceptions import ValidationError

from .errors import CommunicationError

__all__ = ["format", "generate", "is_valid", "validate"]

_BASE_DIGITS = 10


def generate(base: int | str) -> str:
    """The 12 digits for ``base`` (a number of at most 10 digits, not 0)."""
    text = str(base)
    if not (text.isascii() and text.isdigit()) or len(text) > _BASE_DIGITS or int(text) == 0:
        raise CommunicationError(
            "la base d'une communication structurée est un nombre de 1 à 10 chiffres, non nul",
            field="communication structurée",
            value=text,
        )
    text = text.zfill(_BASE_DIGITS)
    return text + ogm_vcs.calc_check_digits(text)


def validate(value: str) -> str:
    """The 12 digits of ``value`` (``+``, ``/``, ``*`` and blanks ignored), checked."""
    try:
        return str(ogm_vcs.validate(str(value).replace("*", "")))
    except ValidationError as e:
        raise CommunicationError(
            "communication structurée invalide : 12 chiffres attendus dont les 2 derniers"
            " sont le reste de la division des 10 premiers par 97 (97 si ce reste est 0)",
            field="communication structurée",
            value=str(value),
        ) from e


def is_valid(value: str) -> bool:
    """True when :func:`validate` accepts ``value``."""
    try:
        validate(value)
    except CommunicationError:
        return False
    return True


def format(value: str) -> str:
    """``+++123/4567/89012+++`` for a valid communication."""
    return f"+++{ogm_vcs.format(validate(value))}+++"
