"""A reminder by child: each invoice shown under the children it bills, with each child's share of what it owes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from webapp.counter.amounts import ZERO
from webapp.invoicing.models import Invoice
from webapp.treasury.selection import imputation

#: A family's part of an invoice that bills no child (a family fee), in a run by child.
FAMILY_PART = "Famille"


@dataclass
class ChildShare:
    """What one child's invoices owe in a reminder by child: each invoice with the child's share of it."""

    label: str
    invoices: list[tuple[Invoice, Decimal]]

    @property
    def amount(self) -> Decimal:
        return sum((share for _, share in self.invoices), ZERO)


def by_child(owed: list[tuple[Invoice, Decimal]]) -> list[ChildShare]:
    """The rule of a run by child. Each invoice shows under every child its lines bill, with the child's share of
    what the invoice still owes, in proportion to that child's lines (to the cent, the rounding on the largest
    share; a reduction line lowers its own child's share); lines billing no child (a family fee) show under
    « Famille ». An invoice's shares add up to what it owes, so the reminder claims each invoice once, whatever
    the number of children. `owed`: each invoice with what it owes (its outstanding, or what a reminder said)."""
    names: dict[str, str] = {}
    shares: dict[str, list[tuple[Invoice, Decimal]]] = defaultdict(list)
    for invoice, amount in owed:
        for line in invoice.lines:
            if line.child is not None:
                names[str(line.child_id)] = str(line.child)
        for key, share in imputation(invoice, amount, lambda line: str(line.child_id or "")).items():
            shares[key].append((invoice, share))
    children = [ChildShare(names.get(key, FAMILY_PART), found) for key, found in shares.items()]
    return sorted(children, key=lambda child: (child.label == FAMILY_PART, child.label.casefold()))
