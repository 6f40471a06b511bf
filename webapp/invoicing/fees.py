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

import sqlalchemy as sa

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

INVOICE_COLUMNS = ("batch_id", "regie_id", "family_id", "fiscal_year", "kind", "status", "sequence", "number",
                   "payment_reference", "issued_on", "due_on", "total")

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
    batch = Batch(period=period, regie=regie, status=BatchStatus.NUMBERED, created_at=now,
                  created_by_id=actor_id(), numbered_at=now, numbered_by_id=actor_id())
    db.session.add(batch)
    db.session.flush()
    families = sorted((billed[0].family for billed in by_family.values()),
                      key=lambda family: (family.label, family.number))  # as a lot is numbered
    # Numbered before they are written, then written by core statements, a fixed number whatever the size (the ORM
    # would send two INSERTs an invoice here), as a computed lot's drafts are.
    numbered = [Invoice(batch_id=batch.id, regie_id=regie.id, family_id=family.id, fiscal_year=period.fiscal_year,
                        kind=InvoiceKind.INVOICE, status=InvoiceStatus.DRAFT, issued_on=issued_on, due_on=due_on,
                        total=sum(fee.amount for fee in by_family[family.id])) for family in families]
    give_numbers(batch, numbered)
    ids = db.insert_rows(Invoice.__table__, [
        {name: getattr(invoice, name) for name in INVOICE_COLUMNS} | {"hold_reason": ""} for invoice in numbered])
    db.insert_rows(InvoiceLine.__table__, [
        {"invoice_id": invoice_id, "child_id": fee.child.id if fee.child else None, "activity_id": None,
         "kind": LineKind.FAMILY_FEE, "label": fee.label[:200], "accounting_code": accounting_code,
         "unit_price": fee.amount, "quantity": Decimal(1), "amount": fee.amount, "items": [], "manual": False}
        for invoice_id, invoice in zip(ids, numbered, strict=True) for fee in by_family[invoice.family_id]])
    invoices = list(db.session.scalars(sa.select(Invoice).where(Invoice.batch_id == batch.id)
                                       .order_by(Invoice.sequence)))
    invoices_numbered.send(batch, invoices=invoices)  # the counter books them on the families' accounts
    record("number", "batch", batch, {"numéros": [None, f"{invoices[0].number} … {invoices[-1].number}"],
                                      "factures": [None, len(invoices)]}, organisation_id=regie.organisation_id)
    record_creations("invoice", [(invoice.id, invoice.number, {
        "famille": invoice.family.label, "montant": str(invoice.total),
        "lignes": " ; ".join(fee.label for fee in by_family[invoice.family_id])}) for invoice in invoices],
        organisation_id=regie.organisation_id)
    return {invoice.family_id: invoice for invoice in invoices}
