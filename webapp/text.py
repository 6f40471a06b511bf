"""Text folding shared by search and identifiers, and the small rules of French around names."""

import unicodedata


def fold(value: str) -> str:
    """Lower case without accents, so 'Hélène' is found by 'helene' on SQLite and PostgreSQL alike."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# First names whose h is aspirated take « de » (« de Hugo »); any other h is taken as mute (« d'Hélène »).
_ASPIRATED_H = ("hugo", "hubert", "harold", "hamid", "hassan", "hakim", "houda", "hanna")


def de(name: str) -> str:
    """« de » before a name, elided before a vowel or a mute h: de("Arthur") == "d'Arthur", de("Paul") == "de Paul"."""
    folded = fold(name)
    if folded[:1] in tuple("aeiouy") or folded.startswith("h") and not folded.startswith(_ASPIRATED_H):
        return f"d'{name}"
    return f"de {name}"
