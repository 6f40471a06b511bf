"""``check``: re-read a roll and list what is wrong with it, as the treasury would see it.

Counts and totals are recomputed and compared with the declared ``NbrPce`` and
``MtBordHt`` (or ROLMRE's ``ROLTOT``), keys are recomputed, the PES file is
validated against the schema and the DGFiP rules.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from . import keys, rolmre, rules, schema
from .errors import OrmcError
from .reader import parse, read_tree
from .records import Roll


@dataclass(frozen=True)
class Report:
    """What ``check`` found; ``ok`` when ``problems`` is empty."""

    format: str
    pieces: int | None  # None when the file could not be read into a roll
    total: Decimal | None
    problems: tuple[str, ...] = field(default=())
    cle1_checked: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def detect(data: bytes) -> str:
    """``pes`` for XML, ``rolmre`` otherwise."""
    return "pes" if data.lstrip()[:1] == b"<" else "rolmre"


def _declared(root: etree._Element, tag: str) -> str | None:
    found = root.find(f"PES_RecetteAller/Bordereau/BlocBordereau/{tag}")
    return None if found is None else found.get("V")


def _key_problems(roll: Roll, basis: keys.Cle1Basis | None) -> list[str]:
    found = []
    year = roll.bordereau.fiscal_year
    for piece in roll.pieces:
        try:
            cle2 = keys.ormc_cle2(year, piece.period, piece.debt_number)
            cle1 = None if basis is None else keys.ormc_cle1(basis, year, piece.period, piece.debt_number)
        except OrmcError as e:
            found.append(f"article {piece.number} : {e}")
            continue
        if piece.cle2 != cle2:
            found.append(f"article {piece.number}, zone Cle2 : clé {piece.cle2!r} fausse, {cle2} attendue")
        if cle1 is not None and piece.cle1 != cle1:
            found.append(f"article {piece.number}, zone Cle1 : clé {piece.cle1!r} fausse, {cle1} attendue")
    return found


def check_pes(
    data: bytes, *, schema_dir: str | os.PathLike[str] | None = None, cle1_basis: keys.Cle1Basis | None = None
) -> Report:
    """Check an ORMC file; raises :class:`~regie_ormc.errors.MalformedFile` only if it cannot be read at all."""
    doc = parse(data)
    problems = [str(e) for e in schema.errors(doc, schema_dir)]
    try:
        roll = read_tree(doc)
    except OrmcError as e:
        return Report("pes", None, None, (*problems, str(e)), cle1_basis is not None)
    root = doc.getroot()
    declared_count = _declared(root, "NbrPce")
    if declared_count != str(len(roll.pieces)):
        problems.append(f"zone NbrPce : {declared_count} déclarés, {len(roll.pieces)} articles comptés")
    declared_total = _declared(root, "MtBordHt")
    try:
        total_matches = Decimal(declared_total or "") == roll.total
    except ArithmeticError:
        total_matches = False
    if not total_matches:
        problems.append(f"zone MtBordHt : {declared_total} déclaré, {roll.total} calculé")
    problems.extend(_key_problems(roll, cle1_basis))
    try:
        rules.check_roll(roll, check_keys=False)
    except OrmcError as e:
        problems.append(str(e))
    return Report("pes", len(roll.pieces), roll.total, tuple(problems), cle1_basis is not None)


def check_rolmre(data: bytes, *, encoding: str = "ISO-8859-1") -> Report:
    """Check a ROLMRE file record by record (keys, ``ROLTOT`` and constant zones recomputed)."""
    problems = []
    total = Decimal("0.00")
    records = rolmre.lines(data, encoding)
    for n, record in enumerate(records, start=1):
        try:
            total += rolmre.parse_record(record, n).total
        except OrmcError as e:
            problems.append(str(e))
    return Report("rolmre", len(records), total, tuple(problems), True)
