"""Text helpers: folding for search and identifiers, French elision for labels."""

import unicodedata


def fold(value: str) -> str:
    """Lower case without accents, so 'Hélène' is found by 'helene' on SQLite and PostgreSQL alike."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def de(name: str) -> str:
    """« de » elided before a vowel or an h, as names take it: « d'Arthur », « d'Hélène », « de Paul » (a
    leading Y stays a consonant: « de Yanis »)."""
    return f"d'{name}" if name and fold(name[0]) in "aeiouh" else f"de {name}"
