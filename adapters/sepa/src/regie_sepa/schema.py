"""Validation against the official pain.008 XSD, failing closed.

The schema files are ISO 20022 material shipped by the ``sepaxml`` package (a
declared dependency); they are located through its installed distribution,
never copied here. If a schema cannot be found or loaded, nothing validates.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from lxml import etree

from .errors import SchemaError, cut
from .records import Version

SCHEMA_PACKAGE = "sepaxml"


def schema_path(version: Version) -> Path:
    """Where the installed ``sepaxml`` keeps the XSD of ``version``."""
    try:
        located = distribution(SCHEMA_PACKAGE).locate_file(f"sepaxml/schemas/{version.value}.xsd")
    except PackageNotFoundError as e:
        raise SchemaError(f"schéma {version.value} introuvable : le paquet {SCHEMA_PACKAGE} n'est pas installé") from e
    return Path(str(located))


@cache
def load_schema(version: Version) -> etree.XMLSchema:
    path = schema_path(version)
    try:
        return etree.XMLSchema(etree.parse(str(path)))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as e:
        raise SchemaError(f"schéma {version.value} illisible ({path}) : aucun fichier ne peut être validé") from e


def validate_tree(tree: etree._ElementTree, version: Version) -> None:
    """Raise :class:`SchemaError` naming the line and element of the first fault."""
    schema = load_schema(version)
    if schema.validate(tree):
        return
    error = schema.error_log.filter_from_errors()[0]
    raise SchemaError(f"non conforme au schéma {version.value} : {_french(error.message)}",
                      line=error.line, field=_element(error.message))


def _element(message: str) -> str | None:
    """The element named by libxml2 ("Element '{ns}Nm': ..."), without its namespace."""
    if message.startswith("Element '"):
        name = message[len("Element '"):].split("'", 1)[0]
        return name.rsplit("}", 1)[-1]
    return None


_TRANSLATIONS = (
    ("This element is not expected. Expected is one of", "élément inattendu ; attendu l'un de"),
    ("This element is not expected. Expected is", "élément inattendu ; attendu"),
    ("This element is not expected.", "élément inattendu."),
    ("Missing child element(s). Expected is one of", "élément(s) manquant(s) ; attendu l'un de"),
    ("Missing child element(s). Expected is", "élément(s) manquant(s) ; attendu"),
    ("is not a valid value of the atomic type", "n'est pas une valeur valide du type"),
    ("is not accepted by the pattern", "ne respecte pas le motif"),
    ("is not an element of the set", "ne fait pas partie des valeurs"),
    ("has a length of", "a une longueur de"),
    ("this exceeds the allowed maximum length of", "supérieure au maximum autorisé de"),
    ("this underruns the allowed minimum length of", "inférieure au minimum autorisé de"),
    ("No matching global declaration available for the validation root.",
     "racine inconnue : ce n'est pas un message de ce schéma."),
    ("The attribute", "l'attribut"),
    ("is required but missing.", "est obligatoire mais absent."),
    ("Element", "élément"),
    ("[facet 'pattern'] The value", "la valeur"),
    ("[facet 'maxLength'] The value", "la valeur"),
    ("[facet 'minLength'] The value", "la valeur"),
    ("[facet 'enumeration'] The value", "la valeur"),
    ("[facet 'minInclusive'] The value", "la valeur"),
    ("[facet 'fractionDigits'] The value", "la valeur"),
    ("[facet 'totalDigits'] The value", "la valeur"),
)


def _french(message: str) -> str:
    """libxml2 speaks English; translate its usual phrases for the agent, and cut the values it quotes."""
    for english, french in _TRANSLATIONS:
        message = message.replace(english, french)
    message = re.sub(r"\{urn:[^}]*\}", "", message)
    return _QUOTED.sub(lambda quoted: f"'{cut(quoted[1])}'", message)


# libxml2 quotes a value whole; past 64 KB it cuts the whole message, closing quote included.
_QUOTED = re.compile(r"'([^']{81,})(?:'|\Z)")
