"""Self-service canteen consumption file: read it, check it, write it back.

>>> from regie_self_import import read, write
>>> rows = read(b"0001234567\\t20260105\\t20260109\\t+4\\t3,45\\r\\n")
>>> rows[0].pupil_id, rows[0].meals, rows[0].amount
('0001234567', 4, Decimal('13.80'))
>>> read(write(rows)) == rows
True
"""

from importlib.metadata import version

from .errors import FieldError, FileFormatError, InvalidFile, LineError, SelfImportError
from .reader import content_hash, decode, encoding_of, read
from .records import Row
from .writer import write

__version__ = version("regie-self-import")

__all__ = [
    "FieldError",
    "FileFormatError",
    "InvalidFile",
    "LineError",
    "Row",
    "SelfImportError",
    "content_hash",
    "decode",
    "encoding_of",
    "read",
    "write",
]
