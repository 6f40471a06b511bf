"""References that pay several invoices of a family at once: a reminder's, a payment plan's. A bank statement
reads all of a régie's at once and pays their invoices oldest first; typed at the counter, one proposes to settle
its invoices before the family's others. Each area that issues such documents gives its `Source`."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from regie_coda import ogm
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.counter.amounts import ZERO
from webapp.counter.settlement import rolled
from webapp.families.services import finds_families
from webapp.invoicing.models import Invoice


@dataclass(frozen=True)
class Grouped:
    label: str  # « Relance REL-CANT-2026-00012 », as the counter shows it
    reference: str  # as the family's letter prints it
    regie_id: int
    family_id: int
    invoice_ids: tuple[int, ...]  # oldest first
    due: Decimal  # what they still owe


def grouped(label: str, reference: str, regie_id: int, family_id: int, invoices: Iterable[Invoice]) -> Grouped:
    """What the reference still settles at the régie: neither a cancelled invoice nor one a roll handed over."""
    ordered = sorted(invoices, key=lambda invoice: (invoice.issued_on, invoice.id))
    on_rolls = rolled([invoice.id for invoice in ordered])
    return Grouped(label, reference, regie_id, family_id, tuple(invoice.id for invoice in ordered),
                   sum((i.outstanding for i in ordered if i.settlement.due and i.id not in on_rolls), ZERO))


@dataclass(frozen=True)
class Source:
    """A kind of document with a payment reference of its own: what a rejection calls one (« cette relance »),
    the letters its French number starts with, its references at a régie → invoice ids oldest first, and the
    documents written as one of the given forms in the given régies."""

    name: str
    letters: str
    payable_by_reference: Callable[[int], dict[str, list[int]]]
    find: Callable[[Sequence[int], set[str]], list[Grouped]]


def by_reference(rows: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    """(reference, invoice id) rows, in order → each reference's invoice ids: a source's `payable_by_reference`."""
    found: dict[str, list[int]] = defaultdict(list)
    for reference, invoice_id in rows:
        found[reference].append(invoice_id)
    return dict(found)


def document_source(name: str, letters: str, label: str, document: Any, link: Any,
                    *where: sa.ColumnElement[bool]) -> Source:
    """The source of a kind of document (a reminder, a plan) with a `number`, a `payment_reference`, a régie, a
    family and its `invoices` through `link` rows; `where` keeps those whose reference still pays. The family
    search finds a family from one of them too."""

    def written(forms: set[str]) -> sa.ColumnElement[bool]:
        return sa.and_(*where, sa.or_(document.payment_reference.in_(forms), document.number.in_(forms)))

    def payable_by_reference(regie_id: int) -> dict[str, list[int]]:
        return by_reference(db.session.execute(
            sa.select(document.payment_reference, link.invoice_id).join(link)
            .join(Invoice, Invoice.id == link.invoice_id).where(document.regie_id == regie_id, *where)
            .order_by(document.id, Invoice.issued_on, Invoice.id)))

    def find(regie_ids: Sequence[int], forms: set[str]) -> list[Grouped]:
        found = db.session.scalars(sa.select(document).where(document.regie_id.in_(regie_ids), written(forms))
                                   .options(selectinload(document.invoices).selectinload(link.invoice)
                                            .selectinload(Invoice.cancelled_by)))
        return [grouped(f"{label} {d.number}", d.payment_reference, d.regie_id, d.family_id,
                        (held.invoice for held in d.invoices)) for d in found]

    finds_families(lambda query: sa.select(document.family_id).where(written(written_forms(query) or {""})))
    return Source(name, letters, payable_by_reference, find)


def sources() -> tuple[Source, ...]:
    # The reminders and the plans build on the counter: their sources are read when asked for.
    from webapp.plans.paying import SOURCE as plans
    from webapp.reminders.paying import SOURCE as reminders

    return reminders, plans


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
    return [found for source in sources() for found in source.find(regie_ids, forms)] if forms and regie_ids else []


def of_family(regie_id: int, family_id: int, text: str) -> Grouped | None:
    return next((g for g in find([regie_id], text) if g.family_id == family_id), None)
