"""Read the consumption file into ``Row`` objects, all or nothing.

The file comes from the canteen system or from a spreadsheet saved as "text
(tab-delimited)", so the reader is tolerant about the bytes and strict about
the values:

- encoding: a UTF-8 byte order mark means UTF-8; otherwise the whole file is
  UTF-8 if it decodes as strict UTF-8, and Windows-1252 if not. Text with
  accented letters written in Windows-1252 is (in practice) never valid UTF-8,
  and a pure ASCII file reads the same either way, so the guess is safe for
  real files. Bytes the chosen encoding cannot decode are reported where they
  stand (line and column), like any other bad value;
- line ends CRLF or LF (a lone CR is refused: it is how old Mac software ends
  lines, and it would glue rows together); blank lines are skipped, wherever
  they are;
- columns split on tabs only, spaces around a value ignored; column E may be
  missing altogether, and one trailing empty column (a trailing tab) is
  tolerated.

If the file has any problem, ``read`` returns no rows and raises one
``InvalidFile`` holding the first ``max_problems`` problems (``MAX_PROBLEMS``,
100, by default) in line order and the count of the others. The whole file is
still read, to count them: a refused line costs a few times the time of a good
one, but no memory, since lines are taken one at a time and the problems past
the bound are dropped as soon as counted.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import partial
from typing import BinaryIO

from .errors import MAX_PROBLEMS, FieldError, FileFormatError, LineError, Problems
from .layout import COLUMNS
from .records import EXPECT_DATE, EXPECT_MEALS, EXPECT_PRICE, Convert, Row, row_problems

BOM = b"\xef\xbb\xbf"
_MEALS = re.compile(r"[+-]?[0-9]{1,4}")
_PRICE = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by surrogateescape

EXPECT_ROWS = "au moins une ligne de consommation (le fichier n'en a aucune)"
EXPECT_COLUMNS = "5 colonnes séparées par des tabulations (A à E, la colonne E pouvant être vide)"
EXPECT_LINE_END = (
    "des fins de ligne Windows (CR LF) ou Unix (LF), pas de retour chariot (CR, \\x0d) seul ;"
    " enregistrer le fichier à nouveau en « Texte (séparateur : tabulation) »"
)
EXPECT_TEXT = {  # strict UTF-8 never leaves undecodable bytes: only these two readings can
    "utf-8-sig": "du texte UTF-8, comme l'annonce la marque d'ordre (BOM) au début du fichier",
    "windows-1252": "du texte Windows-1252 (ou UTF-8)",
}
SAVE_AGAIN = " ; enregistrer le fichier à nouveau en UTF-8 ou en Windows-1252 (ANSI)"
EXPECT_SOURCE = "des octets (bytes), un chemin ou un fichier ouvert en binaire (« rb »)"

Source = bytes | os.PathLike[str] | BinaryIO

_CHUNK = 1 << 18  # bytes read and decoded at once: several thousand lines


def read(source: Source, *, max_problems: int = MAX_PROBLEMS) -> list[Row]:
    """The rows of the file, each with its line number.

    Otherwise ``InvalidFile`` with the first ``max_problems`` problems and the
    count of the others (``0`` keeps none and only counts them). ``source`` is
    the file's ``bytes``, a path (:class:`os.PathLike`, such as
    :class:`pathlib.Path`) or a binary file object, read from where it stands.
    A path or a file is read twice in chunks (once for the encoding, once for
    the rows), never held whole in memory; a file that cannot seek (a pipe) is
    copied to a temporary file first. Opening a path may raise :class:`OSError`.
    """
    rows: list[Row] = []
    problems = Problems(max_problems)
    with _opened(source) as file:
        encoding = _encoding(file)
        for number, line, damaged in _lines(file, encoding):
            if line.endswith("\r"):
                line = line[:-1]
            if not line.strip():
                continue
            if "\r" in line:
                problems.add(FileFormatError(EXPECT_LINE_END, line=number, value=line))
                continue
            if damaged and _UNDECODABLE.search(line):
                problems.add(*_undecodable(line, number, encoding))
                continue
            fields = line.split("\t")
            if len(fields) == 6 and not fields[5].strip():
                del fields[5]
            if len(fields) == 4:
                fields.append("")
            if len(fields) != 5:
                expected = f"{EXPECT_COLUMNS}, et non {len(fields)}"
                problems.add(FileFormatError(expected, line=number, value=line))
                continue
            row = _row(fields, number, problems)
            if row is not None:
                rows.append(row)
    if not rows and not problems:
        problems.add(FileFormatError(EXPECT_ROWS, line=1, code="file.empty"))
    problems.raise_any()
    return rows


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the name of the encoding it was read with (for the import log).

    The name is ``"utf-8-sig"`` (UTF-8 with a byte order mark), ``"utf-8"`` or
    ``"windows-1252"``. Undecodable bytes become lone surrogates (Python's
    ``surrogateescape``), which no check accepts, so they are reported as bad
    values instead of stopping the whole file.
    """
    encoding = encoding_of(data)
    text = data.removeprefix(BOM) if encoding == "utf-8-sig" else data
    return text.decode("cp1252" if encoding == "windows-1252" else "utf-8", "surrogateescape"), encoding


def encoding_of(source: Source) -> str:
    """The name :func:`decode` gives, reading ``source`` (as for :func:`read`) in chunks."""
    with _opened(source) as file:
        return _encoding(file)


def content_hash(source: Source) -> str:
    """SHA-256 of the file's bytes, in hex: the same file imported twice has the same hash.

    ``source`` is the file's ``bytes``, a path or a binary file object (read in chunks).
    """
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    with _opened(source) as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


@contextlib.contextmanager
def _opened(source: Source) -> Iterator[BinaryIO]:
    """``source`` as a binary file that can seek, so that it can be read twice."""
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    elif isinstance(source, os.PathLike):
        with open(source, "rb") as file:
            yield file
    elif not callable(getattr(source, "read", None)) or isinstance(source, io.TextIOBase):
        raise FileFormatError(EXPECT_SOURCE, value=type(source).__name__, code="file.type.invalid")
    elif callable(seekable := getattr(source, "seekable", None)) and seekable():
        yield source
    else:
        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(source, copy)
            copy.seek(0)
            yield copy


def _encoding(file: BinaryIO) -> str:
    """The file's encoding, read from where the file stands; the file is left just after its BOM if any.

    Strict UTF-8 is decided on the whole file, chunk by chunk, stopping at the
    first byte that is not UTF-8.
    """
    start = file.tell()
    head = file.read(len(BOM))
    if not isinstance(head, bytes):
        raise FileFormatError(EXPECT_SOURCE, value=type(head).__name__, code="file.type.invalid")
    if head == BOM:
        return "utf-8-sig"
    file.seek(start)
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding = "utf-8"
    try:
        while chunk := file.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        encoding = "windows-1252"
    file.seek(start)
    return encoding


def _lines(file: BinaryIO, encoding: str) -> Iterator[tuple[int, str, bool]]:
    """The lines split on LF, numbered from 1, one at a time: a list of them all weighs ten times the file.

    Each comes with whether its chunk holds undecodable bytes, which only then are looked for in the line.
    """
    decoder = codecs.getincrementaldecoder("cp1252" if encoding == "windows-1252" else "utf-8")("surrogateescape")
    number = 1
    pending = ""
    while True:
        chunk = file.read(_CHUNK)
        text = pending + decoder.decode(chunk, final=not chunk)
        if not chunk:
            yield number, text, _UNDECODABLE.search(text) is not None
            return
        lines = text.split("\n")
        pending = lines.pop()
        damaged = _UNDECODABLE.search(text) is not None
        for line in lines:
            yield number, line, damaged
            number += 1


def _undecodable(line: str, number: int, encoding: str) -> list[LineError]:
    """One problem per column holding bytes the file's encoding cannot decode."""
    expected = EXPECT_TEXT[encoding] + SAVE_AGAIN
    fields = line.split("\t")
    return [
        FieldError(expected, line=number, column=letter, value=text.strip())
        for letter, text in zip(COLUMNS, fields, strict=False)  # beyond E the column count is wrong anyway
        if _UNDECODABLE.search(text)
    ] or [FileFormatError(expected, line=number, value=line)]


def _row(fields: list[str], line: int, problems: Problems) -> Row | None:
    """One line's row, or ``None`` after adding every problem of the line to ``problems``."""
    a, b, c, d, e = map(str.strip, fields)
    try:
        start, end = parse_date(b, line, column="B"), parse_date(c, line, column="C")
        return Row(a, start, end, parse_meals(d, line), parse_unit_price(e, line), line)
    except FieldError:  # the first problem; look again, column by column, to report them all
        problems.add(*row_problems(_PARSERS, (a, b, c, d, e), line))
        return None


def parse_meals(text: str, line: int | None = None) -> int:
    """Column D: ``4``, ``+4`` or ``-2``."""
    if _MEALS.fullmatch(text):
        return int(text)
    raise FieldError(EXPECT_MEALS, line=line, column="D", value=text)


def parse_unit_price(text: str, line: int | None = None) -> Decimal | None:
    """Column E: empty, or ``3,45`` / ``3.45`` / ``3`` (any number of decimals, if the value is whole cents)."""
    if not text:
        return None
    if _PRICE.fullmatch(text):
        return Decimal(text.replace(",", "."))
    raise FieldError(EXPECT_PRICE, line=line, column="E", value=text)


def _text(text: str, line: int | None = None) -> str:
    """Column A is text: the rule on its value is all there is."""
    return text


def parse_date(text: str, line: int | None = None, *, column: str) -> date:
    """Columns B and C, ``AAAAMMJJ``."""
    if len(text) == 8 and text.isascii() and text.isdigit():
        try:
            return date.fromisoformat(text)  # Python 3.11 reads the basic format AAAAMMJJ
        except ValueError as e:
            raise FieldError(EXPECT_DATE, line=line, column=column, value=text) from e
    raise FieldError(EXPECT_DATE, line=line, column=column, value=text)


#: The syntax of each column, A to E: text (spaces trimmed), line -> value, or ``FieldError``.
_PARSERS: tuple[Convert, ...] = (
    _text,
    partial(parse_date, column="B"),
    partial(parse_date, column="C"),
    parse_meals,
    parse_unit_price,
)
