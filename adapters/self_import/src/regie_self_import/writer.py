"""Write rows back in the canteen system's format: Windows-1252, CRLF, decimal comma.

Billing uses it to send figures the other way (a wallet balance, say). Every
line has its five columns, column E empty when there is no price; the count
of meals always carries its sign (``+4``, ``-2``, ``+0``) as the vendor
describes it. ``read(write(rows)) == rows`` for any rows ``write`` accepts.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import FieldError, FileFormatError, Problems
from .layout import compact
from .reader import EXPECT_ROWS
from .records import Row

ENCODING = "cp1252"
EXPECT_CHARSET = "un identifiant fait de caractères que Windows-1252 sait écrire"
EXPECT_UNAMBIGUOUS = (
    "un identifiant que la relecture ne confondra pas avec de l'UTF-8"
    " (ces caractères, écrits en Windows-1252, forment de l'UTF-8 valide)"
)


def write(rows: Iterable[Row]) -> bytes:
    """The file's bytes; ``InvalidFile`` naming the identifiers Windows-1252 cannot carry faithfully.

    Like the reader's, the exception keeps the first ``MAX_PROBLEMS`` of them and counts the others.
    """
    rows = list(rows)
    lines: list[bytes] = []
    problems = Problems()
    if not rows:
        problems.add(FileFormatError(EXPECT_ROWS, code="file.empty"))
    for number, row in enumerate(rows, start=1):
        price = "" if row.unit_price is None else f"{row.unit_price:.2f}".replace(".", ",")
        text = f"{row.pupil_id}\t{compact(row.start)}\t{compact(row.end)}\t{row.meals:+d}\t{price}\r\n"
        try:
            lines.append(text.encode(ENCODING))
        except UnicodeEncodeError:
            problems.add(FieldError(EXPECT_CHARSET, line=number, column="A", value=row.pupil_id))
    problems.raise_any()
    data = b"".join(lines)
    if not data.isascii() and _is_utf8(data):
        # The reader would take the file for UTF-8 and read other identifiers back.
        for number, row in enumerate(rows, start=1):
            if not row.pupil_id.isascii():
                problems.add(FieldError(EXPECT_UNAMBIGUOUS, line=number, column="A", value=row.pupil_id))
        problems.raise_any()
    return data


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
