"""Belgian CODA bank statements and structured communications.

>>> from regie_coda import read, write, ogm
"""

from importlib.metadata import version

from . import ogm
from .errors import (
    CodaError,
    CommunicationError,
    ControlError,
    EncodingError,
    FieldError,
    FileFormatError,
    RecordLengthError,
    RecordTypeError,
    StructureError,
    VersionError,
)
from .jsonio import statement_from_json, statement_to_json
from .reader import decode, looks_like_coda, read
from .records import FreeCommunication, Information, Movement, Statement, TransactionCode
from .writer import write

__version__ = version("regie-coda")

__all__ = [
    "CodaError",
    "CommunicationError",
    "ControlError",
    "EncodingError",
    "FieldError",
    "FileFormatError",
    "FreeCommunication",
    "Information",
    "Movement",
    "RecordLengthError",
    "RecordTypeError",
    "Statement",
    "StructureError",
    "TransactionCode",
    "VersionError",
    "decode",
    "looks_like_coda",
    "ogm",
    "read",
    "statement_from_json",
    "statement_to_json",
    "write",
]
