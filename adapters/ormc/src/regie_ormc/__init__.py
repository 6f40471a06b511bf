"""PES V2 ORMC and legacy ROLMRE treasury rolls.

``write`` turns a :class:`Roll` into a checked, schema-validated PES V2 ORMC
file and ``read`` gives it back; :mod:`rolmre` does the same for the legacy
fixed-width roll; ``check_pes`` and ``check_rolmre`` are the « contrôle » of a
file before it leaves the town hall.
"""

from importlib.metadata import version

from . import keys, rolmre
from .check import Report, check_pes, check_rolmre, detect
from .errors import FieldError, FileFormatError, OrmcError, SchemaError, SchemaMissingError
from .keys import Cle1Basis
from .reader import read
from .records import (Address, BankAccount, Bordereau, Debit, Debtor, Header, Line, Piece, RibAccount, Roll,
                      RolmreArticle)
from .writer import write

__version__ = version("regie-ormc")

__all__ = [
    "Address", "BankAccount", "Bordereau", "Cle1Basis", "Debit", "Debtor", "FieldError", "FileFormatError",
    "Header", "Line", "OrmcError", "Piece", "Report", "RibAccount", "Roll", "RolmreArticle", "SchemaError",
    "SchemaMissingError", "check_pes", "check_rolmre", "detect", "keys", "read", "rolmre", "write",
]
