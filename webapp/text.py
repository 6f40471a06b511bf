"""Text folding shared by search and identifiers."""

import unicodedata


def fold(value: str) -> str:
    """Lower case without accents, so 'Hélène' is found by 'helene' on SQLite and PostgreSQL alike."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
