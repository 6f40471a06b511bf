"""The « contrôle disquette »: re-read a titles file before it leaves the town hall.

The agent compares the file with the printed list of the « mise en titre »:
same number of titles, same total. ``check`` also recomputes what the
bordereau declares (``NbrPce``, ``MtBordHt``), applies the business rules and
validates against the schema, and reports every problem at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

from . import rules, schema
from .reader import read_document
from .records import TitlesFile


@dataclass(frozen=True)
class Report:
    """What ``check`` found: counts, totals and the French problems (empty when the file is good)."""

    titles: TitlesFile
    count: int
    total: Decimal
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check(
    data: bytes,
    *,
    schema_dir: str | os.PathLike[str] | None = None,
    expect_count: int | None = None,
    expect_total: Decimal | None = None,
) -> Report:
    """Check a file and report every problem.

    Raises :class:`~regie_indigo_titre.errors.TitreError` only when the file cannot
    be read at all or the schema cannot be loaded.
    """
    document = read_document(data)
    bordereau = document.titles.bordereau
    count, total = len(bordereau.titles), bordereau.total
    found = [error.describe() for error in schema.errors(document.tree, schema_dir)]
    found += [error.describe() for error in rules.problems(document.titles)]
    if document.declared_count != count:
        found.append(f"NbrPce annonce {document.declared_count} titre(s), le fichier en contient {count}")
    if document.declared_total != total:
        found.append(
            f"MtBordHt annonce {document.declared_total}, la somme des lignes vaut {rules.format_amount(total)}"
        )
    if expect_count is not None and expect_count != count:
        found.append(f"nombre de titres différent de la liste : {count} dans le fichier, {expect_count} attendus")
    if expect_total is not None and expect_total != total:
        found.append(
            f"total différent de la liste : {rules.format_amount(total)} dans le fichier, {expect_total} attendus"
        )
    return Report(titles=document.titles, count=count, total=total, problems=tuple(found))
