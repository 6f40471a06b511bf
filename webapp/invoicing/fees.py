"""One-off fee invoices, outside the monthly billing (a reminder's fee): billed for several families at once, each
a numbered invoice of its own, never a line hidden in another invoice or in the balance.

They live in a fees period (`BillingPeriod.fees_only`) made for the occasion, whose lot is born numbered as a
correction lot is: nothing in it is computed, debited nor rolled. Its invoices take the régie's gapless numbers
and payment references as any lot's (`services.give_numbers`) and are booked on the families' accounts by the
same signal, so the counter, the bank and online payment settle them like any invoice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from webapp import db
from webapp.audit.services import actor_id, declare, record, record_creation, record_creations
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.families.models import Child, Family
from webapp.formatting import money
from webapp.invoicing.models import (
    Batch, BatchStatus, BillingPeriod, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, LineKind,
)
from webapp.invoicing.services import PERIOD_FIELDS, give_numbers
from webapp.organisations.models import Regie
from webapp.signals import invoices_numbered

declare({"invoice": "Facture"}, {"famille": "famille", "montant": "montant", "lignes": "frais"}, {"montant": money})


@dataclass(frozen=True)
class Fee:
    """What one family is billed: a label, an amount, and the child it concerns, if one."""

    family: Family
    label: str
    amount: Decimal
    child: Child | None = None


def bill_fees(regie: Regie, label: str, fees: list[Fee], issued_on: date, due_on: date,
              accounting_code: str) -> dict[int, Invoice]:
    """One numbered invoice per family (a line per fee), in a fees period and lot of their own, issued and due on
    the given dates, in the fiscal year of their issue; the family's invoice by family id."""
    if not fees:
        raise DomainError("Aucun frais à facturer.")
    if due_on < issued_on:
        raise DomainError("L'échéance précède la date de facture.", "due_date")
    by_family: dict[int, list[Fee]] = defaultdict(list)
    for fee in fees:
        if fee.family.organisation_id != regie.organisation_id:
            raise DomainError(f"La famille {fee.family.label} n'est pas de cette collectivité.", "family")
        if fee.child is not None and fee.child.family_id != fee.family.id:
            raise DomainError(f"Cet enfant n'est pas de la famille {fee.family.label}.", "child_id")
        if fee.amount <= 0 or fee.amount != fee.amount.quantize(Decimal("0.01")):
            raise DomainError(f"Les frais de {fee.family.label} sont un montant positif, au centime.", "amount")
        by_family[fee.family.id].append(fee)
    period = BillingPeriod(organisation_id=regie.organisation_id, label=label[:120], start_date=issued_on,
                           end_date=issued_on, invoice_date=issued_on, due_date=due_on, fiscal_year=issued_on.year,
                           fees_only=True)
    db.session.add(period)
    db.session.flush()
    record_creation("billing_period", period, PERIOD_FIELDS, organisation_id=regie.organisation_id)
    now = utcnow()
    batch = Batch(period_id=period.id, regie_id=regie.id, status=BatchStatus.NUMBERED, created_at=now,
                  created_by_id=actor_id(), numbered_at=now, numbered_by_id=actor_id())
    db.session.add(batch)
    drafts = [Invoice(batch=batch, regie_id=regie.id, family_id=family_id, family=billed[0].family,
                      fiscal_year=period.fiscal_year, kind=InvoiceKind.INVOICE, status=InvoiceStatus.DRAFT,
                      issued_on=issued_on, due_on=due_on, total=sum(fee.amount for fee in billed),
                      lines=[InvoiceLine(child_id=fee.child.id if fee.child else None, kind=LineKind.FAMILY_FEE,
                                         label=fee.label[:200], accounting_code=accounting_code,
                                         unit_price=fee.amount, quantity=Decimal(1), amount=fee.amount, items=[])
                             for fee in billed])
              for family_id, billed in by_family.items()]
    drafts.sort(key=lambda invoice: (invoice.family.label, invoice.family.number))  # as a lot is numbered
    db.session.add_all(drafts)
    db.session.flush()
    give_numbers(batch, drafts)
    db.session.flush()
    invoices_numbered.send(batch, invoices=drafts)  # the counter books them on the families' accounts
    record("number", "batch", batch, {"numéros": [None, f"{drafts[0].number} … {drafts[-1].number}"],
                                      "factures": [None, len(drafts)]}, organisation_id=regie.organisation_id)
    record_creations("invoice", [(invoice.id, invoice.number, {
        "famille": invoice.family.label, "montant": str(invoice.total),
        "lignes": " ; ".join(line.label for line in invoice.lines)}) for invoice in drafts],
        organisation_id=regie.organisation_id)
    return {invoice.family_id: invoice for invoice in drafts}
