"""Read CODA bytes into :class:`~regie_coda.records.Statement` values, all or nothing.

The file is read in chunks, decoded (UTF-8 when the file is UTF-8, else
windows-1252, else latin-1: what Belgian banks send), split on LF with an
optional CR, and read record by record with the layouts of
:mod:`regie_coda.layouts`. Every
statement is then checked against its trailer and its balances; any failure
raises a :class:`~regie_coda.errors.CodaError` and no statement is returned.
"""

from __future__ import annotations

import codecs
import gc
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Any, BinaryIO

from . import layouts as L
from .errors import (
    CodaError,
    ControlError,
    EncodingError,
    FieldError,
    RecordLengthError,
    RecordTypeError,
    StructureError,
    VersionError,
)
from .records import FreeCommunication, Information, Movement, Statement, TransactionCode
from .rules import check_balance, check_trailer, totals

SUPPORTED_VERSIONS = (1, 2)

_DETECT = re.compile(r"0{5}\d{9}05[ D] {7}")


def looks_like_coda(data: bytes) -> bool:
    """True when the first record looks like a CODA header (cheap, for sorting uploads)."""
    return _DETECT.match(data[:24].decode("latin-1")) is not None


def decode(data: bytes, encoding: str | None = None) -> str:
    """Decode with ``encoding``, or guess: UTF-8, windows-1252, latin-1; a UTF-8 BOM is dropped first.

    An editor may put a BOM before windows-1252 text too: it says nothing of the rest.
    """
    data = data.removeprefix(b"\xef\xbb\xbf")
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise EncodingError(f"le fichier n'est pas lisible en {encoding}") from e
    if data.isascii():
        return data.decode("ascii")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        # windows-1252 bytes can happen to be valid UTF-8 ("Ã©"); then a record
        # decodes to fewer than 128 characters, which real UTF-8 CODA never does.
        if all(len(line) == L.RECORD for line in _lines(io.StringIO(text), _decoder(None)) if line):
            return text
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


Source = bytes | bytearray | str | os.PathLike[str] | BinaryIO


def read(source: Source, *, encoding: str | None = None) -> list[Statement]:
    """Every statement of a CODA file, checked; raises :class:`CodaError` on any fault.

    ``source`` is the file's bytes, its decoded text (``str``), a path
    (:class:`os.PathLike`, such as :class:`pathlib.Path`) or a binary file
    object. A path or a file is read in chunks: the file is never held
    whole in memory, only the statements read from it. Opening a path
    may raise :class:`OSError`. Text starting with a BOM (U+FEFF) loses it,
    as bytes do.
    """
    if isinstance(source, str):
        return _read(_lines(io.StringIO(source.removeprefix("\ufeff")), _decoder(None)))
    if isinstance(source, bytes | bytearray):
        return _read(_lines(io.BytesIO(source), _decoder(encoding)))
    if isinstance(source, os.PathLike):
        with open(source, "rb") as file:
            return _read(_lines(file, _decoder(encoding)))
    if callable(getattr(source, "read", None)):
        return _read(_lines(source, _decoder(encoding)))
    raise CodaError(
        f"données CODA attendues (bytes, chemin ou fichier binaire), pas {type(source).__name__}"
    )


def _read(lines: Iterator[str]) -> list[Statement]:
    # The reader allocates only acyclic objects; the cycle collector would scan
    # them again and again as they pile up (15 % of the time on a large file).
    collecting = gc.isenabled()
    gc.disable()
    try:
        statements = _Reader().run(lines)
    finally:
        if collecting:
            gc.enable()
    if not statements:
        raise StructureError("le fichier est vide")
    return statements


_CHUNK = 1 << 18  # bytes read and decoded at once: a few thousand records


def _lines(file: Any, decode: Callable[[bytes, int], str]) -> Iterator[str]:
    """The lines of ``file`` without their LF and the CR before it, one at a time.

    The file is read and decoded in chunks cut after their last LF (decoding
    line by line costs a fifth of the reading), and never held whole, nor a
    list of all its lines: the reader stops at the first line that is not a
    record. Blank lines are held back until a record follows them: at the end
    of the file they are no records and are dropped; among records they are
    refused by the reader. ``file`` gives bytes, or ``str`` decoded already.
    """
    blank: list[str] = []
    pending = None
    number = 0  # lines before the chunk, for the line number of a decoding error
    while True:
        chunk = file.read(_CHUNK)
        if pending is None:
            pending = chunk[:0]
        if chunk:
            data = pending + chunk
            cut = data.rfind(b"\n" if isinstance(data, bytes) else "\n") + 1
            if not cut:
                pending = data
                continue
            data, pending = data[:cut], data[cut:]
        else:
            data, pending = pending, None
            if not data:
                return
        text = data if isinstance(data, str) else decode(data, number)
        lines = text.replace("\r\n", "\n").split("\n")
        if not lines[-1]:  # the chunk ends with LF: no line after it
            lines.pop()
        number += len(lines)
        for line in lines:
            if not line or (line[0] == "\r" and not line.strip("\r")):
                blank.append(line)
                continue
            if blank:
                yield from blank
                blank.clear()
            yield line
        if pending is None:
            return


def _line_of(data: bytes, number: int, position: int) -> int:
    return number + data.count(b"\n", 0, position) + 1


class _Forced:
    """Chunks in the encoding the caller gave."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding

    def __call__(self, data: bytes, number: int) -> str:
        try:
            return data.decode(self.encoding)
        except UnicodeDecodeError as e:
            raise EncodingError(
                f"le fichier n'est pas lisible en {self.encoding}", line=_line_of(data, number, e.start)
            ) from e


_NOT_ASCII = re.compile(rb"[\x80-\xff]")


class _Guessed:
    """UTF-8, windows-1252 or latin-1, decided at the first line that is not ASCII.

    A 128-byte windows-1252 record that is not ASCII never decodes as 128
    characters of UTF-8, and a UTF-8 one never as 128 characters of
    windows-1252: the first such record tells the encoding of the file, and a
    UTF-8 file with a later line that is not UTF-8 is refused. A line that
    windows-1252 cannot decode is read as latin-1, as some banks write.
    """

    def __init__(self) -> None:
        self.utf8: bool | None = None

    def __call__(self, data: bytes, number: int) -> str:
        if number == 0:
            # An editor may put a BOM before windows-1252 text too: the first record still decides.
            data = data.removeprefix(codecs.BOM_UTF8)
        if data.isascii():
            return data.decode("ascii")
        if self.utf8 is None:
            found = _NOT_ASCII.search(data)
            assert found is not None
            line = data[data.rfind(b"\n", 0, found.start()) + 1 :].split(b"\n", 1)[0]
            try:
                self.utf8 = len(line.decode("utf-8").rstrip("\r")) == L.RECORD
            except UnicodeDecodeError:
                self.utf8 = False
        if self.utf8:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError as e:
                raise EncodingError(
                    "cette ligne n'est pas en UTF-8 comme celles d'avant : le fichier mêle deux encodages",
                    line=_line_of(data, number, e.start),
                ) from e
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return "\n".join(_cp1252_or_latin1(line) for line in data.split(b"\n"))


def _cp1252_or_latin1(line: bytes) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def _decoder(encoding: str | None) -> Callable[[bytes, int], str]:
    if encoding is None:
        return _Guessed()
    try:
        codecs.lookup(encoding)
    except LookupError as e:
        raise EncodingError(f"encodage inconnu : {encoding}") from e
    return _Forced(encoding)


class _Pending:
    """Records of one movement (2.1, 2.2, 2.3) and its information records, before freezing."""

    __slots__ = ("information", "last", "line", "records", "sequence")

    def __init__(self, line: int, sequence: str, first: tuple[Any, ...]) -> None:
        self.line = line
        self.sequence = sequence  # as written, to compare with the records that follow
        self.records: dict[str, tuple[Any, ...]] = {"21": first}  # values of 2.1, 2.2, 2.3 in layout order
        self.last = "21"
        self.information: list[dict[str, dict[str, Any]]] = []


class _Reader:
    def __init__(self) -> None:
        self.statements: list[Statement] = []
        self.state = "start"
        # The statement being read, reset by open() at each record 0.
        self.header: dict[str, Any] = {}
        self.header_line = 0
        self.old: dict[str, Any] = {}
        self.new: dict[str, Any] | None = None
        self.new_line = 0
        self.movements: list[Movement] = []
        self.free: list[dict[str, Any]] = []
        self.pending: _Pending | None = None

    def run(self, lines: Iterator[str]) -> list[Statement]:
        # Movement records are most of a file: dispatch them first, in one lookup.
        body = {
            "21": self.movement,
            "22": self.continuation,
            "23": self.continuation,
            "31": self.information,
            "32": self.information_continued,
            "33": self.information_continued,
        }
        dispatch, width = body.get, L.RECORD
        number = 0
        for number, line in enumerate(lines, 1):
            if len(line) != width:
                raise RecordLengthError(
                    f"un enregistrement CODA fait 128 caractères, celui-ci en fait {len(line)}",
                    line=number,
                )
            handler = dispatch(line[:2])
            if handler is not None and self.state == "body":
                handler(line, number)
            else:
                self.step(line, number)
        if self.state != "start":
            raise StructureError(
                "le fichier se termine sans enregistrement 9 (fichier tronqué ?)",
                line=number,
                statement=self.number,
            )
        return self.statements

    def step(self, line: str, number: int) -> None:
        kind = line[0]
        state = self.state
        if kind == "2" or kind == "3":
            if state != "body":
                self.misplaced(line, number)
            raise RecordTypeError(f"type d'enregistrement « {line[:2]} » inconnu", line=number)
        if kind == "0":
            if state != "start":
                self.misplaced(line, number)
            self.open(line, number)
        elif kind == "1":
            if state != "header":
                self.misplaced(line, number)
            self.old = L.OLD_BALANCE.parse(line, number)
            self.state = "body"
        elif kind == "4":
            if state not in ("body", "closed"):
                self.misplaced(line, number)
            free = L.FREE.parse(line, number)
            free["before_new_balance"] = state == "body"
            self.free.append(free)
        elif kind == "8":
            if state != "body":
                self.misplaced(line, number)
            self.close_movement()
            self.new = L.NEW_BALANCE.parse(line, number)
            self.new_line = number
            self.state = "closed"
        elif kind == "9":
            if state not in ("body", "closed"):
                self.misplaced(line, number)
            self.close_movement()
            self.finish(L.TRAILER.parse(line, number), number)
        else:
            raise RecordTypeError(f"type d'enregistrement « {kind} » inconnu", line=number)

    @property
    def number(self) -> int | None:
        """The statement number for messages, once record 1 has been read."""
        return self.old.get("number") if self.state in ("body", "closed") else None

    def misplaced(self, line: str, number: int) -> None:
        expected = {
            "start": "un enregistrement 0 (début d'extrait)",
            "header": "un enregistrement 1 (ancien solde)",
            "body": "un mouvement (2, 3), une communication (4), le nouveau solde (8) ou la fin (9)",
            "closed": "une communication (4) ou la fin d'extrait (9)",
        }[self.state]
        raise StructureError(
            f"enregistrement « {line[:2].rstrip()} » inattendu ici : {expected} était attendu",
            line=number,
            statement=self.number,
        )

    def open(self, line: str, number: int) -> None:
        header = L.HEADER.parse(line, number)
        if header["version"] not in SUPPORTED_VERSIONS:
            raise VersionError(
                f"version CODA {header['version']} non prise en charge (versions 1 et 2 seulement)",
                line=number,
                field="version",
                value=str(header["version"]),
            )
        self.header = header
        self.header_line = number
        self.old = {}
        self.new = None
        self.new_line = number
        self.movements = []
        self.free = []
        self.pending = None
        self.state = "header"

    def movement(self, line: str, number: int) -> None:
        self.close_movement()
        self.pending = _Pending(number, line[2:6], L.MOVEMENT.values(line, number))

    def owner(self, line: str, number: int) -> _Pending:
        """The movement a 2.2–3.3 record belongs to: it must share its sequence number."""
        pending = self.pending
        if pending is None:
            raise StructureError(
                f"enregistrement {line[:2]} sans mouvement 2.1 avant lui",
                line=number,
                statement=self.number,
            )
        if line[2:6] != pending.sequence:
            raise StructureError(
                f"le numéro de séquence de l'enregistrement {line[:2]} diffère de celui du mouvement"
                f" de la ligne {pending.line}",
                line=number,
                field=L.SEQUENCE[0].label,
                value=line[2:6],
                statement=self.number,
            )
        return pending

    def continuation(self, line: str, number: int) -> None:
        pending = self.owner(line, number)
        sub = line[:2]
        if pending.information or pending.last not in _BEFORE[sub]:
            raise StructureError(
                f"enregistrement {sub} hors de l'ordre 2.1, 2.2, 2.3", line=number, statement=self.number
            )
        if sub == "22":
            values = L.MOVEMENT_2.values(line, number)
        elif self.header["version"] == 1:
            values = (*L.MOVEMENT_3_V1.values(line, number), "")  # no communication in version 1
        else:
            values = (L.MOVEMENT_3 if line[22] == " " else L.MOVEMENT_3_LONG).values(line, number)
        pending.records[sub] = values
        pending.last = sub

    def information(self, line: str, number: int) -> None:
        pending = self.owner(line, number)
        pending.information.append({"31": L.INFORMATION.parse(line, number)})
        pending.last = "31"

    def information_continued(self, line: str, number: int) -> None:
        pending = self.owner(line, number)
        sub = line[:2]
        if pending.last not in _BEFORE[sub]:
            raise StructureError(
                f"enregistrement {sub} hors de l'ordre 3.1, 3.2, 3.3", line=number, statement=self.number
            )
        layout = L.INFORMATION_2 if sub == "32" else L.INFORMATION_3
        pending.information[-1][sub] = layout.parse(line, number)
        pending.last = sub

    def close_movement(self) -> None:
        pending = self.pending
        if pending is None:
            return
        self.pending = None
        records = pending.records
        (sequence, detail, bank_reference, debit, amount, value_date, code, structured, communication, entry_date,
         globalisation) = records["21"]  # fmt: skip
        _, _, more, customer_reference, counterparty_bic, r_type, reason, category_purpose, purpose = records.get(
            "22", _NO_22
        )
        _, _, counterparty_account, counterparty_currency, counterparty_name, rest = records.get("23", _NO_23)
        communication += more + rest
        kind = None
        if structured == 1:
            kind, communication = communication[: L.STRUCTURED_TYPE], communication[L.STRUCTURED_TYPE :]
        self.movements.append(
            _movement(
                sequence,
                detail,
                -amount if debit else amount,
                value_date,
                entry_date,
                _CODES.get(code) or _CODES.setdefault(code, TransactionCode.parse(code)),
                communication.rstrip(),
                kind,
                bank_reference,
                globalisation,
                customer_reference,
                counterparty_bic,
                r_type,
                reason,
                category_purpose,
                purpose,
                counterparty_account,
                counterparty_currency,
                counterparty_name,
                tuple(map(_information, pending.information)) if pending.information else (),
            )
        )

    def finish(self, trailer: dict[str, Any], number: int) -> None:
        header, old = self.header, self.old
        version = header["version"]
        account = _account(old, version, self.header_line + 1)
        new = self.new
        if new is not None and new["account_block"] != old["account_block"]:
            raise ControlError(
                "le compte du nouveau solde (enregistrement 8) diffère de celui de l'ancien solde"
                f" (« {old['account_block']} »)",
                line=self.new_line,
                field="compte et devise",
                value=new["account_block"],
                statement=old["number"],
            )
        old_balance = -old["balance"] if old["debit"] else old["balance"]
        if new is None:
            new_balance, new_date = old_balance, old["balance_date"]
        else:
            new_balance = -new["balance"] if new["debit"] else new["balance"]
            new_date = new["balance_date"]
        statement = Statement(
            account=account["account"],
            currency=account["currency"],
            number=old["number"],
            old_balance=old_balance,
            old_balance_date=old["balance_date"],
            new_balance=new_balance,
            new_balance_date=new_date,
            movements=tuple(self.movements),
            holder=old["holder"],
            description=old["description"],
            coda_number=old["coda_number"],
            account_structure=old["structure"],
            account_country=account.get("country", ""),
            version=version,
            creation_date=header["creation_date"],
            bank_id=header["bank_id"],
            duplicate=header["duplicate"] == "D",
            file_reference=header["file_reference"],
            addressee=header["addressee"],
            bic=header["bic"],
            holder_id=header["holder_id"],
            separate_application=header["separate_application"],
            transaction_reference=header["transaction_reference"],
            related_reference=header["related_reference"],
            free_communications=tuple(
                FreeCommunication(f["sequence"], f["detail"], f["text"], f["before_new_balance"]) for f in self.free
            ),
            new_balance_record=new is not None,
        )
        sums = totals(statement)
        check_trailer(
            statement,
            # Every line between records 0 and 9 is a 1, 2.x, 3.x, 8 or 4, and only 4s are not counted.
            records=number - self.header_line - 1 - len(self.free),
            count=trailer["count"],
            debit=trailer["debit"],
            credit=trailer["credit"],
            line=number,
            sums=sums,
        )
        check_balance(statement, line=self.new_line, sums=sums)
        self.statements.append(statement)
        self.state = "start"


def _account(old: dict[str, Any], version: int, line: int) -> dict[str, Any]:
    if version == 1:
        return L.ACCOUNT_BLOCK_V1.parse(old["account_block"], line)
    layout = L.ACCOUNT_BLOCKS.get(old["structure"])
    if layout is None:
        raise FieldError(
            "structure de compte inconnue (0 à 3 attendu)",
            line=line,
            field="structure du compte",
            value=str(old["structure"]),
        )
    return layout.parse(old["account_block"], line)


# close_movement unpacks the values of records 2.1, 2.2 and 2.3 in these orders.
_ORDERS = {
    L.MOVEMENT: (
        "sequence", "detail", "bank_reference", "debit", "amount", "value_date", "transaction_code", "structured",
        "communication", "entry_date", "globalisation_code",
    ),
    L.MOVEMENT_2: (
        "sequence", "detail", "communication", "customer_reference", "counterparty_bic", "r_type", "reason",
        "category_purpose", "purpose",
    ),
    L.MOVEMENT_3: (
        "sequence", "detail", "counterparty_account", "counterparty_currency", "counterparty_name", "communication",
    ),
    L.MOVEMENT_3_V1: ("sequence", "detail", "counterparty_account", "counterparty_currency", "counterparty_name"),
}  # fmt: skip
_ORDERS[L.MOVEMENT_3_LONG] = _ORDERS[L.MOVEMENT_3]
if any(layout.names != order for layout, order in _ORDERS.items()):
    raise AssertionError("record 2.x fields out of the order close_movement reads them in")
# What an absent 2.2 or 2.3 record contributes to a movement.
_NO_22 = ("",) * len(_ORDERS[L.MOVEMENT_2])
_NO_23 = ("",) * len(_ORDERS[L.MOVEMENT_3])
# The record that may come before each continuation record of a movement.
_BEFORE = {"22": ("21",), "23": ("21", "22"), "32": ("31",), "33": ("31", "32")}
_CODES: dict[str, TransactionCode] = {}


def _constructor(cls: type[Movement]) -> Callable[..., Movement]:
    """A function making ``cls`` from all its field values in order, without its ``__init__``.

    A frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``: 2 µs a movement, a fifth of the reading. Setting the
    slots directly gives the same object (equal, hashable, still frozen) from
    values the reader has checked already, as fast as filling a ``__dict__``,
    and a slotted movement weighs a third of one with a ``__dict__``.
    """
    names = [f.name for f in fields(cls)]
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    namespace.update({f"_set_{name}": getattr(cls, name).__set__ for name in names})
    body = "".join(f"    _set_{name}(o, {name})\n" for name in names)
    exec(f"def make({', '.join(names)}):\n    o = _new(_cls)\n{body}    return o\n", namespace)  # noqa: S102
    return namespace["make"]  # type: ignore[no-any-return]


_movement = _constructor(Movement)


def _information(records: dict[str, dict[str, Any]]) -> Information:
    first = records["31"]
    pieces = [first["communication"]] + [records[k]["communication"] for k in ("32", "33") if k in records]
    kind, communication = None, "".join(pieces)
    if first["structured"] == 1:
        kind, communication = communication[: L.STRUCTURED_TYPE], communication[L.STRUCTURED_TYPE :]
    return Information(
        sequence=first["sequence"],
        detail=first["detail"],
        transaction_code=TransactionCode.parse(first["transaction_code"]),
        communication=communication.rstrip(),
        communication_type=kind,
        bank_reference=first["bank_reference"],
    )

