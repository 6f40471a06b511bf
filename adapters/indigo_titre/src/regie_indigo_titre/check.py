"""The « contrôle disquette »: re-read a titles file before it leaves the town hall.

The agent compares the file with the printed list of the « mise en titre »:
same number of titles, same total. ``check`` also recomputes what the
bordereau declares (``NbrPce``, ``MtBordHt``), applies the business rules and
validates against the schema, and reports its problems at once: the first
``max_problems`` (:data:`MAX_PROBLEMS` by default), and how many more. The whole
file is still checked, so the count is exact, but a problem past the bound is
dropped as soon as it is counted: a file of garbage does not fill the memory
with messages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal

from . import rules, schema
from .reader import Source, read_document
from .records import TitlesFile

#: How many problems a report keeps by default; the others are only counted.
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Report:
    """What ``check`` found: counts, totals and the French problems (empty when the file is good).

    ``problems`` are the first ones found; ``more`` counts those past the bound, not kept.
    """

    titles: TitlesFile
    count: int
    total: Decimal
    problems: tuple[str, ...]
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


def check(
    source: Source,
    *,
    schema_dir: str | os.PathLike[str] | None = None,
    expect_count: int | None = None,
    expect_total: Decimal | None = None,
    max_problems: int = MAX_PROBLEMS,
) -> Report:
    """Check a file and report its problems: the first ``max_problems``, and the count of the others.

    Raises :class:`~regie_indigo_titre.errors.TitreError` only when the file cannot
    be read at all or the schema cannot be loaded. ``source`` is the file's
    ``bytes``, a path or a binary file object, as for :func:`~regie_indigo_titre.read`.
    """
    document = read_document(source)
    bordereau = document.titles.bordereau
    count, total = len(bordereau.titles), bordereau.total
    found = _Found(max_problems)
    for error in schema.errors(document.tree, schema_dir):
        found.add(error)
    rules.problems(document.titles, found.add)
    if document.declared_count != count:
        found.add(f"NbrPce annonce {document.declared_count} titre(s), le fichier en contient {count}")
    if document.declared_total != total:
        found.add(f"MtBordHt annonce {document.declared_total}, la somme des lignes vaut {rules.format_amount(total)}")
    if expect_count is not None and expect_count != count:
        found.add(f"nombre de titres différent de la liste : {count} dans le fichier, {expect_count} attendus")
    if expect_total is not None and expect_total != total:
        found.add(
            f"total différent de la liste : {rules.format_amount(total)} dans le fichier, {expect_total} attendus"
        )
    return Report(titles=document.titles, count=count, total=total, problems=tuple(found.kept), more=found.more)
