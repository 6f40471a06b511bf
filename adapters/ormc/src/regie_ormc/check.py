"""``check``: re-read a roll and list what is wrong with it, as the treasury would see it.

Counts and totals are recomputed and compared with the declared ``NbrPce`` and
``MtBordHt`` (or ROLMRE's ``ROLTOT``), keys are recomputed, the PES file is
validated against the schema and the DGFiP rules.

A report keeps the first ``max_problems`` problems (:data:`MAX_PROBLEMS` by
default) and counts the others in ``more``: the whole file is still checked,
so the count is exact, but a problem past the bound is dropped as soon as it
is counted and a file of garbage does not fill the memory with messages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from . import keys, rolmre, rules, schema
from .errors import FileFormatError, OrmcError
from .reader import Source, parse, read_tree
from .records import Roll

#: How many problems a report keeps by default; the others are only counted.
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Report:
    """What ``check`` found; ``ok`` when it found no problem.

    ``problems`` are the first ones found, ``more`` counts those past the bound, not kept.
    """

    format: str
    pieces: int | None  # None when the file could not be read into a roll
    total: Decimal | None
    problems: tuple[str, ...] = field(default=())
    cle1_checked: bool = False
    more: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.more


class _Found:
    """Problems as they are found: the first ``limit`` kept, the others only counted."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: list[str] = []
        self.more = 0

    def add(self, problem: object) -> None:
        if len(self.kept) < self.limit:
            self.kept.append(str(problem))
        else:
            self.more += 1


def detect(data: bytes) -> str:
    """``pes`` for XML, ``rolmre`` for 500-character records; anything else is refused, never guessed."""
    head = data.removeprefix(rolmre.UTF8_BOM)
    if head.lstrip()[:1] == b"<":
        return "pes"
    first = head.split(b"\n", 1)[0].removesuffix(b"\r")
    # Counted in bytes: a UTF-8 record with accents is longer, but still starts with a movement code
    # and ends with the layout version, which a PDF or a spreadsheet does not.
    if len(first) >= rolmre.RECORD_LENGTH and first[:1] in b"1234" and first.endswith(b"2"):
        return "rolmre"
    raise FileFormatError(
        "ni un PES V2 (XML) ni un ROLMRE (enregistrements de 500 caractères) : préciser --format si besoin",
        code="file.format.unknown",
    )


def _declared(root: etree._Element, tag: str) -> str | None:
    found = root.find(f"PES_RecetteAller/Bordereau/BlocBordereau/{tag}")
    return None if found is None else found.get("V")


def _key_problems(roll: Roll, basis: keys.Cle1Basis | None) -> Iterator[str]:
    year = roll.bordereau.fiscal_year
    for piece in roll.pieces:
        try:
            cle2 = keys.ormc_cle2(year, piece.period, piece.debt_number)
            cle1 = None if basis is None else keys.ormc_cle1(basis, year, piece.period, piece.debt_number)
        except OrmcError as e:
            yield f"article {piece.number} : {e}"
            continue
        if piece.cle2 != cle2:
            yield f"article {piece.number}, zone Cle2 : clé {piece.cle2!r} fausse, {cle2} attendue"
        if cle1 is not None and piece.cle1 != cle1:
            yield f"article {piece.number}, zone Cle1 : clé {piece.cle1!r} fausse, {cle1} attendue"


def check_pes(
    source: Source,
    *,
    schema_dir: str | os.PathLike[str] | None = None,
    cle1_basis: keys.Cle1Basis | None = None,
    max_problems: int = MAX_PROBLEMS,
) -> Report:
    """Check an ORMC file; raises :class:`~regie_ormc.errors.FileFormatError` only if it cannot be read at all.

    ``source`` is the file's ``bytes``, a path or a binary file object, as for :func:`~regie_ormc.reader.read`.
    """
    doc = parse(source)
    found = _Found(max_problems)
    for violation in schema.errors(doc, schema_dir):
        found.add(violation)
    try:
        roll = read_tree(doc)
    except OrmcError as e:
        found.add(e)
        return Report("pes", None, None, tuple(found.kept), cle1_basis is not None, found.more)
    root = doc.getroot()
    declared_count = _declared(root, "NbrPce")
    if declared_count != str(len(roll.pieces)):
        found.add(f"zone NbrPce : {declared_count} déclarés, {len(roll.pieces)} articles comptés")
    declared_total = _declared(root, "MtBordHt")
    try:
        total_matches = Decimal(declared_total or "") == roll.total
    except ArithmeticError:
        total_matches = False
    if not total_matches:
        found.add(f"zone MtBordHt : {declared_total} déclaré, {roll.total} calculé")
    for problem in _key_problems(roll, cle1_basis):
        found.add(problem)
    try:
        rules.check_roll(roll, check_keys=False)
    except OrmcError as e:
        found.add(e)
    return Report("pes", len(roll.pieces), roll.total, tuple(found.kept), cle1_basis is not None, found.more)


def check_rolmre(
    source: Source,
    *,
    encoding: str = "ISO-8859-1",
    max_problems: int = MAX_PROBLEMS,
    expect_count: int | None = None,
    expect_total: Decimal | None = None,
) -> Report:
    """Check a ROLMRE file record by record (keys, ``ROLTOT`` and constant zones recomputed).

    ROLMRE has no trailer: only ``expect_count`` and ``expect_total`` (the
    printed list's) tell a file cut between two records from a shorter roll.
    ``source`` is the file's ``bytes``, a path or a binary file object, as for :func:`~regie_ormc.rolmre.read`.
    """
    found = _Found(max_problems)
    total = Decimal("0.00")
    records = 0
    for records, record in enumerate(rolmre.lines(source, encoding), start=1):
        try:
            total += rolmre.parse_record(record, records).total
        except OrmcError as e:
            found.add(e)
    for problem in rolmre.shortfall(records, total, expect_count, expect_total):
        found.add(problem)
    return Report("rolmre", records, total, tuple(found.kept), True, found.more)
