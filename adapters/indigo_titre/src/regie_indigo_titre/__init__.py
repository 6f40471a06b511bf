"""PES V2 individual titles for the percepteur (successor of INDIGO-TITRE).

``write`` turns records into a checked, schema-validated ``PES_Aller`` file;
``read`` gives the records back; ``check`` is the « contrôle disquette ».
"""

from importlib.metadata import version

from .check import Report, check
from .errors import FieldError, FileFormatError, SchemaError, SchemaMissingError, TextTooLongError, TitreError
from .reader import read
from .records import Address, Bordereau, Debtor, Header, Line, Title, TitlesFile
from .writer import write

__version__ = version("regie-indigo-titre")

__all__ = [
    "Address",
    "Bordereau",
    "Debtor",
    "Header",
    "FieldError",
    "Line",
    "FileFormatError",
    "Report",
    "SchemaError",
    "SchemaMissingError",
    "TextTooLongError",
    "Title",
    "TitlesFile",
    "TitreError",
    "check",
    "read",
    "write",
]
