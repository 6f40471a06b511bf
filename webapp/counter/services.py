"""The counter's business actions: take a payment, pay a refund, cancel either, write an invoice off.

Each one locks the family's account first (see `ledger.open_account`), checks everything, then writes the
payment and its entries, settles the invoices (`settlement`) and writes the audit entry; the caller commits
once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from webapp import db, numbering
from webapp.audit.services import actor_id, declare, record, record_creation, record_creations
from webapp.counter import closings, ledger, settlement
from webapp.counter.amounts import ZERO, checked_amount, refuse_cash_above_ceiling
from webapp.counter.models import (
    Account,
    AccountEntry,
    Allocation,
    Cancellation,
    EntryKind,
    Payment,
    PaymentKind,
    PaymentMode,
    SlipStatus,
    WriteOff,
    WriteOffKind,
)
from webapp.counter.school_years import school_year_of
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.db import utcnow
from webapp.formatting import money, today
from webapp.invoicing.models import Invoice, InvoiceKind, InvoiceStatus
from webapp.numbering import NumberKind
from webapp.organisations.models import Regie

declare({"payment": "Règlement", "refund": "Remboursement", "write_off": "Non-valeur",
         "deposit_slip": "Bordereau de remise", "cash_closing": "Clôture de caisse",
         "cash_reopening": "Réouverture de caisse",
         "school_year": "Année scolaire", "account": "Compte famille"}, {
    "mode": "mode", "amount": "montant", "received_on": "date", "school_year": "année scolaire", "bank": "banque",
    "holder": "titulaire", "cheque_number": "n° de chèque", "comment": "commentaire", "reason": "raison",
    "kind": "type", "written_on": "date", "day": "jour", "expected_cash": "espèces attendues",
    "counted_cash": "espèces comptées", "difference": "écart",
}, {"mode": PaymentMode, "kind": WriteOffKind, "amount": money, "montant": money, "expected_cash": money,
    "counted_cash": money, "difference": money})

PAYMENT_FIELDS = ("mode", "amount", "received_on", "school_year", "bank", "holder", "cheque_number", "comment")


def _text(data: dict[str, Any], name: str) -> str:
    return (data.get(name) or "").strip()


def _mode(data: dict[str, Any]) -> PaymentMode:
    try:
        return PaymentMode(data.get("mode"))
    except ValueError:
        raise DomainError("Choisissez le mode de règlement.", "mode") from None


def _same_organisation(regie: Regie, family: Family) -> None:
    if family.organisation_id != regie.organisation_id:
        raise DomainError("Cette famille n'appartient pas à la collectivité de la régie.")


def _money_movement(regie: Regie, family: Family, data: dict[str, Any]) -> tuple[PaymentMode, Decimal, date, int]:
    """What a payment and a refund both state: the mode, the amount, an open day and its school year."""
    _same_organisation(regie, family)
    mode = _mode(data)
    amount = checked_amount(data.get("amount"), "amount")
    day = closings.refuse_closed_day(regie.id, data.get("received_on"), "received_on")
    return mode, amount, day, data.get("school_year") or school_year_of(day)


def _new_payment(account: Account, kind: PaymentKind, mode: PaymentMode, amount: Decimal, day: date,
                 school_year: int, data: dict[str, Any], **fields: Any) -> Payment:
    payment = Payment(organisation_id=account.organisation_id, regie_id=account.regie_id,
                      family_id=account.family_id, account_id=account.id, kind=kind, mode=mode, amount=amount,
                      received_on=day, school_year=school_year, holder=_text(data, "holder"),
                      comment=_text(data, "comment"), created_by_id=actor_id(), **fields)
    db.session.add(payment)
    return payment


def _cash_received(account: Account, day: date) -> Decimal:
    """The cash the family paid at the régie that day, less what was cancelled."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), ZERO)).where(
        Payment.account_id == account.id, Payment.kind == PaymentKind.PAYMENT, Payment.mode == PaymentMode.CASH,
        Payment.received_on == day, ~sa.exists().where(Cancellation.payment_id == Payment.id)))


def record_payment(regie: Regie, family: Family, data: dict[str, Any],
                   shares: dict[int, Decimal] | None = None) -> Payment:
    """Money received: settles the family's open invoices oldest first (`first`, the ids the agent chose, before
    the others), or as the agent split it in `shares` (invoice id → amount); what is left becomes credit only if
    `keep_credit` says so. A form sends the account's `shown` stamp: figures that moved since it was shown refuse
    the payment."""
    mode, amount, received_on, school_year = _money_movement(regie, family, data)
    cheque_number, bank = _text(data, "cheque_number"), _text(data, "bank")
    if mode is PaymentMode.CHEQUE:
        if not cheque_number:
            raise DomainError("Un chèque s'enregistre avec son numéro.", "cheque_number")
        if not bank:
            raise DomainError("Indiquez la banque du chèque.", "bank")
    account = ledger.open_account(regie.organisation_id, regie.id, family.id)
    closings.refuse_closed_year(regie.id, school_year)
    invoices = settlement.open_invoices(account)
    if data.get("shown") and data["shown"] != settlement.stamp(invoices, account.balance):
        raise settlement.MovedSince(
            "Le compte de la famille a changé depuis l'affichage de ce formulaire (un autre règlement, une "
            "annulation…) : rien n'a été enregistré. Le formulaire montre maintenant ce qui est dû : vérifiez le "
            "montant, puis enregistrez.")
    if mode is PaymentMode.CASH:  # the account's lock makes the family's cash of the day final
        refuse_cash_above_ceiling(regie.organisation.country, amount, _cash_received(account, received_on))
    # An invoice whose lot went out in a roll is the Trésor public's to collect: the payment settles the others.
    rolled = settlement.rolled([invoice.id for invoice in invoices])
    here = [invoice for invoice in invoices if invoice.id not in rolled]
    first = data.get("first") or ()
    if first and not set(first) & {invoice.id for invoice in here}:
        settlement.refuse_titled(Invoice.id.in_(first))
        if found := next((i for i in invoices if i.id in first and i.id in rolled), None):
            raise DomainError(settlement.rolled_message(found.number, rolled[found.id]))
        raise DomainError("La facture choisie n'est plus à payer : rechargez le formulaire." if len(first) == 1 else
                          "Les factures de cette référence sont déjà réglées : rechargez le formulaire.")
    if shares and (found := next((i for i in invoices if shares.get(i.id) and i.id in rolled), None)):
        raise DomainError(settlement.rolled_message(found.number, rolled[found.id]), f"share-{found.id}")
    plan = settlement.plan(here, amount, shares, first)
    due = sum((i.outstanding for i in here), ZERO)
    # Owed without an invoice behind it (a cheque bounced after its overpayment was refunded): paying it
    # makes no credit.
    uninvoiced = max(account.balance - sum((i.outstanding for i in invoices), ZERO), ZERO)
    beyond = amount - sum((share for _, share in plan), ZERO) - uninvoiced
    if beyond > 0 and not data.get("keep_credit"):
        settlement.refuse_titled(Invoice.regie_id == regie.id, Invoice.family_id == family.id, field="amount")
        if rolled and not here:
            found = next(i for i in invoices if i.id in rolled)
            raise DomainError(settlement.rolled_message(found.number, rolled[found.id]), "amount")
        raise DomainError(
            f"Le montant dépasse de {money(beyond)} ce qui est dû ({money(due + uninvoiced)}) : corrigez-le, ou "
            "cochez « garder le trop-perçu en avoir ».", "amount")
    receipt = None
    if mode is PaymentMode.CASH:
        (receipt,) = numbering.take(NumberKind.RECEIPT, regie, received_on.year)
    payment = _new_payment(account, PaymentKind.PAYMENT, mode, amount, received_on, school_year, data, bank=bank,
                           cheque_number=cheque_number, receipt_number=receipt and receipt.text)
    db.session.flush()
    ledger.post(account, EntryKind.PAYMENT, -amount, received_on, school_year,
                f"Règlement {mode.label.lower()}" + (f" n° {cheque_number}" if cheque_number else ""),
                payment_id=payment.id)
    for invoice, share in plan:
        settlement.allocate(invoice, share, payment.id)
    audit = record_creation("payment", payment, PAYMENT_FIELDS, organisation_id=regie.organisation_id)
    audit.changes = {**audit.changes, "factures": [None, ", ".join(f"{i.number} : {share}" for i, share in plan)]}
    return payment


@dataclass(frozen=True)
class InvoicePayment:
    """Money that pays one invoice, booked in bulk: a transfer read on a bank statement, a direct debit."""

    invoice_id: int
    amount: Decimal
    received_on: date
    holder: str = ""
    comment: str = ""


def record_invoice_payments(regie: Regie, mode: PaymentMode, transfers: list[InvoicePayment]) -> list[int | str]:
    """Payments of `mode` that each pay one invoice, booked as `record_payment` books them one by one (an open day
    and school year, at most what the invoice still owes, the payment, its entry, its allocation, its audit entry)
    but in bulk, so that a bank statement of ten thousand movements, or a debit run, books in seconds. Locks the régie, then the
    accounts, then the invoices, each in id order. Returns, per transfer, its payment's id or why it was refused
    (the others are booked all the same)."""
    if not transfers:
        return []
    refused: dict[int, str] = {}
    for day in sorted({t.received_on for t in transfers}):
        try:
            closings.refuse_closed_day(regie.id, day, "received_on")
            closings.refuse_closed_year(regie.id, school_year_of(day))
        except DomainError as error:
            refused.update({n: error.message for n, t in enumerate(transfers) if t.received_on == day})
    wanted = sorted({t.invoice_id for n, t in enumerate(transfers) if n not in refused})
    invoices = Invoice.__table__.c
    families = {row.id: row.family_id for among in db.among(invoices.id, wanted) for row in db.session.execute(
        sa.select(invoices.id, invoices.family_id).where(among, invoices.regie_id == regie.id,
                                                         settlement.payable()))}
    accounts = ledger.lock_accounts(regie, set(families.values()))
    owed = {row.id: row for among in db.among(invoices.id, sorted(families)) for row in db.session.execute(
        sa.select(invoices.id, invoices.number, invoices.paid, invoices.titled,
                  (invoices.total - invoices.paid - invoices.written_off - invoices.titled).label("left"))
        .where(among, settlement.payable()).order_by(invoices.id).with_for_update())}
    left = {invoice_id: row.left for invoice_id, row in owed.items()}
    rolled = settlement.rolled(list(owed))
    accepted: list[tuple[int, InvoicePayment]] = []
    for n, transfer in enumerate(transfers):
        if n in refused:
            continue
        if transfer.invoice_id not in owed:
            refused[n] = "Cette facture n'est plus à payer."
        elif transfer.invoice_id in rolled:
            refused[n] = settlement.rolled_message(owed[transfer.invoice_id].number, rolled[transfer.invoice_id])
        elif owed[transfer.invoice_id].titled > 0:
            refused[n] = (f"La facture {owed[transfer.invoice_id].number} est mise en titre : elle se paie au Trésor "
                          "public.")
        elif not 0 < transfer.amount <= left[transfer.invoice_id]:
            refused[n] = (f"La facture {owed[transfer.invoice_id].number} ne doit plus que "
                          f"{money(max(left[transfer.invoice_id], ZERO))}.")
        else:
            left[transfer.invoice_id] -= transfer.amount  # the next transfer to this invoice sees what is left
            accepted.append((n, transfer))
    if accepted:
        payment_ids = _book_invoice_payments(regie, mode, accepted, families, accounts,
                                      {invoice_id: row.number for invoice_id, row in owed.items()})
        db.update_rows(Invoice.__table__, [{"id": invoice_id, "paid": row.paid + row.left - left[invoice_id]}
                                           for invoice_id, row in owed.items() if left[invoice_id] != row.left])
        for obj in list(db.session.identity_map.values()):  # the session's copies of those invoices are behind
            if isinstance(obj, Invoice) and obj.id in owed:
                db.session.expire(obj, ["paid"])
        refused.update(zip((n for n, _ in accepted), payment_ids, strict=True))
    return [refused[n] for n in range(len(transfers))]


def _book_invoice_payments(regie: Regie, mode: PaymentMode, accepted: list[tuple[int, InvoicePayment]],
                           families: dict[int, int], accounts: dict[int, int], numbers: dict[int, str]) -> list[int]:
    """The payments, entries, allocations, balances and audit entries of `record_invoice_payments`, in bulk."""
    user = actor_id()
    rows = [(t, accounts[families[t.invoice_id]], school_year_of(t.received_on)) for _, t in accepted]
    now = utcnow()
    payment_ids = db.insert_rows(Payment.__table__, [
        {"organisation_id": regie.organisation_id, "regie_id": regie.id, "family_id": families[t.invoice_id],
         "account_id": account_id, "kind": PaymentKind.PAYMENT, "mode": mode, "amount": t.amount,
         "received_on": t.received_on, "school_year": year, "holder": t.holder[:120], "comment": t.comment,
         "bank": "", "cheque_number": "", "reason": "", "created_at": now, "created_by_id": user}
        for t, account_id, year in rows])
    label = f"Règlement {mode.label.lower()}"
    db.insert_rows(AccountEntry.__table__, [
        {"account_id": account_id, "kind": EntryKind.PAYMENT, "amount": -t.amount, "booked_on": t.received_on,
         "school_year": year, "label": label, "payment_id": payment_id, "created_at": now}
        for payment_id, (t, account_id, year) in zip(payment_ids, rows, strict=True)])
    db.insert_rows(Allocation.__table__, [
        {"invoice_id": t.invoice_id, "payment_id": payment_id, "amount": t.amount, "created_at": now}
        for payment_id, (t, _, _) in zip(payment_ids, rows, strict=True)])
    moved: dict[int, Decimal] = {}
    for t, account_id, _ in rows:
        moved[account_id] = moved.get(account_id, ZERO) + t.amount
    ledger.move_balances({account_id: -amount for account_id, amount in moved.items()})
    record_creations("payment", [
        (payment_id, f"Règlement n° {payment_id} du {t.received_on:%d/%m/%Y}",
         {"mode": mode, "amount": t.amount, "received_on": t.received_on, "school_year": year,
          "holder": t.holder, "comment": t.comment,
          "factures": f"{numbers[t.invoice_id]} : {t.amount}"})
        for payment_id, (t, _, year) in zip(payment_ids, rows, strict=True)], organisation_id=regie.organisation_id)
    return payment_ids


def refund(regie: Regie, family: Family, data: dict[str, Any]) -> Payment:
    """Pay back part or all of the family's credit, for a stated reason."""
    mode, amount, paid_on, school_year = _money_movement(regie, family, data)
    reason = _text(data, "reason")
    if not reason:
        raise DomainError("Indiquez la raison du remboursement.", "reason")
    account = ledger.open_account(regie.organisation_id, regie.id, family.id)
    closings.refuse_closed_year(regie.id, school_year)
    available = settlement.credit(account)
    if amount > available:
        raise DomainError(f"La famille n'a que {money(available)} d'avoir à cette régie.", "amount")
    payment = _new_payment(account, PaymentKind.REFUND, mode, amount, paid_on, school_year, data, reason=reason)
    db.session.flush()
    ledger.post(account, EntryKind.REFUND, amount, paid_on, school_year, f"Remboursement : {reason}",
                payment_id=payment.id)
    record_creation("refund", payment, (*PAYMENT_FIELDS, "reason"), organisation_id=regie.organisation_id)
    return payment


def cancel_payment(payment: Payment, reason: str, cancelled_on: date) -> Cancellation:
    """Undo a payment (its invoices re-open) or a refund (the credit comes back); the payment stays."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Indiquez la raison de l'annulation (chèque impayé, erreur de saisie…).", "reason")
    closings.refuse_closed_day(payment.regie_id, cancelled_on, "cancelled_on")
    if cancelled_on < payment.received_on:
        raise DomainError(f"Le règlement date du {payment.received_on:%d/%m/%Y} : il ne s'annule pas avant.",
                          "cancelled_on")
    school_year = school_year_of(cancelled_on)
    account = ledger.open_account(payment.organisation_id, payment.regie_id, payment.family_id)
    closings.refuse_closed_year(payment.regie_id, school_year)
    db.session.refresh(payment)
    if payment.cancellation is not None:
        raise DomainError(f"Ce règlement a déjà été annulé le {payment.cancellation.cancelled_on:%d/%m/%Y}.")
    # Through the relationship, so the payment reads as cancelled in this session too.
    cancellation = Cancellation(payment=payment, reason=reason, cancelled_on=cancelled_on, created_by_id=actor_id())
    db.session.add(cancellation)
    ledger.post(account, EntryKind.CANCELLATION, -payment.signed_amount, cancelled_on, school_year,
                f"Annulation du {str(payment).lower()} : {reason}", payment_id=payment.id)
    settlement.reverse_payment(payment.id)
    settlement.take_back_spent_credit(account)
    settlement.apply_credit(account)  # the invoices it re-opens take the family's credit first
    item = payment.slip_item
    if item is not None:
        # Locked like `slips.finalize` locks it: a slip being made final keeps the payment it counted.
        db.session.refresh(item.slip, with_for_update=True)
        if item.slip.status is SlipStatus.PROVISIONAL:
            db.session.delete(item)  # not yet carried to the bank: it leaves the provisional slip
    record("cancel", "payment", payment, {"montant": [str(payment.amount), None], "raison": [None, reason]},
           organisation_id=payment.organisation_id)
    return cancellation


def write_off(invoice: Invoice, data: dict[str, Any]) -> WriteOff:
    """Give up all or part of what an invoice still owes, with a type and a reason."""
    if invoice.status is not InvoiceStatus.NUMBERED or invoice.kind is not InvoiceKind.INVOICE:
        raise DomainError("Seule une facture numérotée peut être admise en non-valeur.")
    try:
        kind = WriteOffKind(data.get("kind"))
    except ValueError:
        raise DomainError("Choisissez le type de non-valeur.", "kind") from None
    amount = checked_amount(data.get("amount"), "amount")
    written_on = data.get("written_on") or today()
    if written_on > today():
        raise DomainError(f"Le {written_on:%d/%m/%Y} est dans le futur : datez la non-valeur du jour de la décision.",
                          "written_on")
    school_year = school_year_of(written_on)
    reason = _text(data, "reason")
    if not reason:
        raise DomainError("Indiquez le motif (décision, jugement, courrier…).", "reason")
    account = ledger.open_account(invoice.regie.organisation_id, invoice.regie_id, invoice.family_id)
    closings.refuse_closed_year(invoice.regie_id, school_year)
    db.session.refresh(invoice, with_for_update=True)
    settlement.write_off(invoice, amount)
    entry = WriteOff(invoice_id=invoice.id, account_id=account.id, kind=kind, amount=amount, reason=reason,
                     written_on=written_on, school_year=school_year, created_by_id=actor_id())
    db.session.add(entry)
    db.session.flush()
    ledger.post(account, EntryKind.WRITE_OFF, -amount, written_on, school_year,
                f"Non-valeur sur la facture {invoice.number} : {reason}", invoice_id=invoice.id, write_off_id=entry.id)
    record_creation("write_off", entry, ("kind", "amount", "reason", "written_on"),
                    organisation_id=invoice.regie.organisation_id)
    return entry
