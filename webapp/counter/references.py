"""References that pay several invoices of a family at once: a reminder's, a payment plan's. Typed at the counter,
one proposes to settle its invoices, oldest first, before the family's others; each area registers how it finds
its own (`pays_grouped`), as the family search registers its finders."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from regie_coda import ogm


@dataclass(frozen=True)
class Grouped:
    label: str  # « Relance REL-CANT-2026-00012 », as the counter shows it
    reference: str  # as the family's letter prints it
    regie_id: int
    family_id: int
    invoice_ids: tuple[int, ...]  # oldest first
    due: Decimal  # what they still owe


Finder = Callable[[Sequence[int], set[str]], list[Grouped]]
FINDERS: list[Finder] = []


def pays_grouped(finder: Finder) -> Finder:
    """Register how an area finds its grouped references among the ways a reference may be written."""
    FINDERS.append(finder)
    return finder


def written_forms(text: str) -> set[str]:
    """How a typed reference may be stored: as typed in capitals, and a Belgian structured communication typed
    with or without its +++ and slashes."""
    text = text.strip().upper()
    if not text or len(text) > 60:
        return set()
    forms = {text}
    digits = re.sub(r"\D", "", text)
    if len(digits) == 12 and ogm.is_valid(digits):
        forms.add(ogm.format(digits))
    return forms


def find(regie_ids: Sequence[int], text: str) -> list[Grouped]:
    forms = written_forms(text)
    return [found for finder in FINDERS for found in finder(regie_ids, forms)] if forms and regie_ids else []


def of_family(regie_id: int, family_id: int, text: str) -> Grouped | None:
    return next((g for g in find([regie_id], text) if g.family_id == family_id), None)
