"""Password hashes (argon2) and the rule a new password must pass."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from webapp.errors import DomainError

_hasher = PasswordHasher()
MIN_LENGTH = 10
MAX_LENGTH = 128
# zxcvbn's 0-4 scale: 3 is « safely unguessable » for an online attacker held back by the login delays.
MIN_SCORE = 3
# A password nobody can type: an account without a usable password until its owner chooses one.
UNUSABLE = "!"
# Verified when the e-mail is unknown, so that a login answers in the same time whether or not it exists.
_DUMMY_HASH = _hasher.hash("compte-inexistant-sans-mot-de-passe")


def new_hash(password: str, personal: Iterable[str] = ()) -> str:
    """The hash of an acceptable password; `personal` (name, e-mail…) makes a password built on them weak."""
    if len(password) < MIN_LENGTH:
        raise DomainError(f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères.", "password")
    if len(password) > MAX_LENGTH:
        raise DomainError(f"Le mot de passe ne doit pas dépasser {MAX_LENGTH} caractères.", "password")
    words = [part for text in personal for part in text.lower().replace("@", " ").replace(".", " ").split() if part]
    if zxcvbn(password, user_inputs=words)["score"] < MIN_SCORE:
        raise DomainError("Ce mot de passe est trop courant ou trop facile à deviner (mot du dictionnaire, suite "
                          "de touches, date, votre nom…) : choisissez par exemple trois ou quatre mots sans lien "
                          "entre eux.", "password")
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Always spends one argon2 verification, even without an account or a usable password to check against."""
    usable = password_hash not in (None, UNUSABLE)
    try:
        return _hasher.verify(password_hash if usable else _DUMMY_HASH, password) and usable
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def rehash(password: str) -> str:
    return _hasher.hash(password)
