"""Which invoice a credit pays. Belgium: the structured communication the invoice carries; France (and Belgian
free text): the invoice number or payment reference found in the text, tolerant to spaces, dashes and case.
A movement is accepted only when exactly that invoice still owes at least its amount; otherwise it is rejected
with the reason the agent reads before correcting it. A reminder's or a payment plan's payment reference (its
structured communication, or its number in the text) pays the invoices it groups, oldest first, while they owe at
least the amount.
Suggestions by amount and payer name are only shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from regie_coda import ogm

from webapp import db
from webapp.bank.models import MovementStatus
from webapp.bank.reading import ReadMovement
from webapp.counter.references import sources as grouped_sources
from webapp.counter.settlement import owing, payable, rolled_message
from webapp.families.models import Family
from webapp.formatting import money
from webapp.invoicing.models import Invoice
from webapp.organisations.models import Regie
from webapp.treasury.queries import rolls_by_lot
from webapp.text import fold

# Words of a transfer's payer that are no one's name.
_NOT_NAMES = {"vir", "virement", "sepa", "mme", "mlle", "monsieur", "madame", "famille", "m.", "de", "la", "le",
              "les", "des", "et", "cantine", "facture"}
NOTHING_MATCHES = "Rien ne correspond à cette communication."
NO_REFERENCE = "Aucune facture reconnue dans la communication."
# Twelve digits, written with or without +++ / and spaces.
_OGM_IN_TEXT = re.compile(r"(?<!\d)\d{3}\D{0,3}\d{4}\D{0,3}\d{5}(?!\d)")


def squeezed(text: str) -> str:
    """Upper case, letters and digits only: « cant-2026 000012 » and « CANT2026000012 » read alike."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())


@dataclass(frozen=True)
class Payable:
    """What matching knows of an invoice: enough to decide, and to show the agent which one."""

    id: int
    family_id: int
    number: str
    family_label: str


@dataclass(frozen=True)
class Decision:
    status: MovementStatus
    reason: str = ""
    invoice: Payable | None = None
    # A reminder's or a plan's reference: how the amount settles its invoices (invoice id, share), oldest first.
    shares: tuple[tuple[int, Decimal], ...] = ()


class Matcher:
    """The régie's numbered invoices, indexed once for a whole file; what each still owes is followed movement
    by movement, so two transfers for one invoice in a file are judged one after the other."""

    def __init__(self, regie: Regie):
        rows = db.session.execute(
            sa.select(Invoice.id, Invoice.family_id, Invoice.number, Invoice.payment_reference, Family.label,
                      (Invoice.total - Invoice.paid - Invoice.written_off - Invoice.titled).label("left"),
                      Invoice.titled, Invoice.batch_id)
            .join(Family, Family.id == Invoice.family_id).where(Invoice.regie_id == regie.id, payable())).all()
        invoices = [(Payable(r.id, r.family_id, r.number or "", r.label), r.payment_reference) for r in rows]
        # A Belgian invoice's reference is its structured communication: twelve digits.
        self.by_reference = {digits: invoice for invoice, reference in invoices
                             if len(digits := re.sub(r"\D", "", reference)) == 12}
        self.by_number = {squeezed(i.number): i for i, _ in invoices if i.number}
        self.by_number.update({squeezed(reference): i for i, reference in invoices if reference})
        self.prefix = squeezed(regie.invoice_prefix)
        self.numbers = re.compile(re.escape(self.prefix) + r"(\d+)")
        self.left = {r.id: max(r.left, Decimal("0.00")) for r in rows}
        self.titled = {r.id for r in rows if r.titled > 0}
        rolls = rolls_by_lot(regie.id)
        self.rolled = {r.id: rolls[r.batch_id] for r in rows if r.batch_id in rolls}
        self.by_id = {invoice.id: invoice for invoice, _ in invoices}
        self.grouped_by_digits: dict[str, tuple[str, list[int]]] = {}
        self.grouped_by_text: dict[str, tuple[str, list[int]]] = {}
        for source in grouped_sources():
            for reference, ids in source.payable_by_reference(regie.id).items():
                if len(digits := re.sub(r"\D", "", reference)) == 12:
                    self.grouped_by_digits[digits] = (source.name, ids)
                if not reference.startswith("+"):
                    self.grouped_by_text[squeezed(reference)] = (source.name, ids)
        # A French reminder's or plan's reference is its number, REL- or ECH-<prefix>-<year>-<sequence>: found in
        # the text by shape.
        letters = "|".join(source.letters for source in grouped_sources())
        self.grouped_numbers = re.compile(f"(?:{letters})" + re.escape(self.prefix) + r"\d{9}")

    def _references(self, movement: ReadMovement) -> list[str]:
        if movement.structured_ref:
            return [movement.structured_ref]
        found = (re.sub(r"\D", "", match) for match in _OGM_IN_TEXT.findall(movement.communication))
        return [digits for digits in found if ogm.is_valid(digits)]

    def _numbered(self, text: str) -> Payable | None:
        """The invoice whose number is in the text: the longest run of digits after the prefix that is one."""
        for match in self.numbers.finditer(squeezed(text)):
            digits = match.group(1)
            for end in range(len(digits), 0, -1):
                if invoice := self.by_number.get(self.prefix + digits[:end]):
                    return invoice
        return None

    def decide(self, movement: ReadMovement) -> Decision:
        if movement.amount <= 0:
            return Decision(MovementStatus.DEBIT, "Ressemble à un prélèvement revenu impayé." if
                            movement.direct_debit_return else "")
        references = self._references(movement)
        grouped = next((self.grouped_by_digits[r] for r in references if r in self.grouped_by_digits), None)
        if grouped is None and not movement.structured_ref:
            found = self.grouped_numbers.findall(squeezed(movement.communication))
            grouped = next((self.grouped_by_text[r] for r in found if r in self.grouped_by_text), None)
        if grouped is not None:
            name, ids = grouped
            return self._grouped(movement.amount, name, [i for i in ids if i in self.by_id])
        invoice = next((self.by_reference[r] for r in references if r in self.by_reference), None)
        if invoice is None and references and movement.structured_ref:
            return Decision(MovementStatus.REJECTED, NOTHING_MATCHES)
        invoice = invoice or self._numbered(movement.communication)
        if invoice is None:
            return Decision(MovementStatus.REJECTED, NOTHING_MATCHES if references else NO_REFERENCE)
        left = self.left[invoice.id]
        if invoice.id in self.rolled:
            return Decision(MovementStatus.REJECTED, rolled_message(invoice.number, self.rolled[invoice.id]), invoice)
        if invoice.id in self.titled:
            return Decision(MovementStatus.REJECTED, f"La facture {invoice.number} est mise en titre : elle se paie "
                            "au Trésor public.", invoice)
        if left <= 0:
            return Decision(MovementStatus.REJECTED, f"La facture {invoice.number} est déjà payée.", invoice)
        if movement.amount > left:
            return Decision(MovementStatus.REJECTED, f"Le montant ({money(movement.amount)}) dépasse ce qui reste "
                            f"dû sur la facture {invoice.number} ({money(left)}).", invoice)
        self.left[invoice.id] = left - movement.amount
        return Decision(MovementStatus.ACCEPTED, "", invoice)

    def _grouped(self, amount: Decimal, name: str, invoice_ids: list[int]) -> Decision:
        """A payment to a reminder's or a plan's reference (`name`): its invoices still to pay at the régie (not
        those a roll handed to the Trésor public), oldest first, take the amount."""
        owing_ids = [i for i in invoice_ids if self.left[i] > 0 and i not in self.rolled]
        left = sum((self.left[i] for i in owing_ids), Decimal("0.00"))
        first = self.by_id[invoice_ids[0]] if invoice_ids else None
        if left <= 0 and (rolled := next((i for i in invoice_ids if self.left[i] > 0 and i in self.rolled), None)):
            return Decision(MovementStatus.REJECTED, rolled_message(self.by_id[rolled].number, self.rolled[rolled]),
                            self.by_id[rolled])
        if left <= 0:
            return Decision(MovementStatus.REJECTED, f"Les factures de {name} sont déjà payées.", first)
        if amount > left:
            return Decision(MovementStatus.REJECTED, f"Le montant ({money(amount)}) dépasse ce qui reste dû sur les "
                            f"factures de {name} ({money(left)}).", first)
        shares = []
        for invoice_id in owing_ids:
            share = min(amount, self.left[invoice_id])
            if share <= 0:
                break
            shares.append((invoice_id, share))
            self.left[invoice_id] -= share
            amount -= share
        return Decision(MovementStatus.ACCEPTED, "", self.by_id[shares[0][0]], tuple(shares))


def suggestions(regie: Regie, amount: Decimal, payer: str, limit: int = 5) -> list[Invoice]:
    """Open invoices an agent may mean: those owing exactly the amount, then those of a family whose name is in
    the payer's; never booked without a click."""
    words = [w for w in re.split(r"[^\w]+", fold(payer)) if len(w) > 2 and w not in _NOT_NAMES]
    name_matches = sa.or_(*(Family.search_text.contains(w) for w in words)) if words else sa.false()
    left = Invoice.total - Invoice.paid - Invoice.written_off - Invoice.titled
    rows = db.session.scalars(
        sa.select(Invoice).join(Family, Family.id == Invoice.family_id)
        .where(Invoice.regie_id == regie.id, owing(), sa.or_(left == amount, name_matches))
        .order_by(left != amount, Invoice.issued_on).limit(limit))
    return list(rows)

