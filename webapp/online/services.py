"""Online payment of an invoice through PayFiP: start an operation for what is still due, then book it once PayFiP
itself says it was paid. The notification PayFiP sends, the family's return and the job that sweeps pending
operations all end in `resolve`, which asks PayFiP and books at most once per idOp."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from eopayment import common

from webapp import db
from webapp.audit.services import declare, record, record_creation
from webapp.counter import closings
from webapp.counter.models import PaymentMode
from webapp.counter.services import record_payment
from webapp.counter.settlement import rolled
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.formatting import money, today
from webapp.invoicing.models import Invoice, InvoiceKind, InvoiceStatus
from webapp.online import payfip
from webapp.online.models import OnlinePayment, OnlineStatus
from webapp.organisations.models import Country, PayfipMode, Regie

FIELDS = ("invoice_id", "idop", "refdet", "amount", "mode", "status")
declare({"online_payment": "Paiement en ligne"}, {"idop": "idOp", "refdet": "référence", "amount": "montant",
                                                   "status": "état", "result": "code PayFiP"}, {"status": OnlineStatus})

STATUS_OF = {common.DENIED: OnlineStatus.REFUSED, common.CANCELLED: OnlineStatus.CANCELLED,
             common.EXPIRED: OnlineStatus.EXPIRED}
# PayFiP's « P » is a card, « V » a one-off direct debit.
MODE_OF = {"P": PaymentMode.ONLINE_CARD, "V": PaymentMode.ONLINE_DEBIT}


def offers_online_payment(regie: Regie) -> bool:
    """PayFiP's test mode takes no money: its links are offered only where the server says so (the demo, tests),
    never to real families."""
    return (regie.payfip_enabled and bool(regie.payfip_client) and regie.organisation.country is Country.FR
            and (regie.payfip_mode is not PayfipMode.TEST or current_app.config["PAYFIP_OFFER_TEST_MODE"]))


def why_not_payable(invoice: Invoice) -> str | None:
    """Why the family cannot pay this invoice online now, in words for the family; None when it can."""
    if invoice.kind is not InvoiceKind.INVOICE or invoice.status is not InvoiceStatus.NUMBERED:
        return "Ce document n'est pas une facture à payer."
    if invoice.cancelled_by is not None:
        return "Cette facture a été annulée : elle n'est plus à payer."
    if invoice.titled > 0:
        return "Cette facture a été transmise au Trésor public : payez-la auprès de lui, comme l'indique son titre."
    if rolled([invoice.id]):
        return "Cette facture a été transmise au Trésor public : payez-la auprès de lui, comme l'indique son avis."
    if invoice.written_off > 0:
        return "Cette facture n'est plus payable en ligne : adressez-vous à la régie."
    if invoice.outstanding <= 0:
        return "Cette facture est déjà réglée. Merci !"
    return None


def _refdet(invoice: Invoice) -> str:
    """1–30 letters and digits, unique per operation: the invoice number's, then a random tail."""
    return re.sub(r"[^A-Za-z0-9]", "", invoice.number or "")[:18] + secrets.token_hex(6).upper()


def paying_online(invoice_ids: list[int]) -> set[int]:
    """The invoices a family is paying online right now."""
    return set(db.session.scalars(sa.select(OnlinePayment.invoice_id).where(
        OnlinePayment.invoice_id.in_(invoice_ids), OnlinePayment.status == OnlineStatus.PENDING))) if invoice_ids else set()


def pending(invoice: Invoice) -> OnlinePayment | None:
    return db.session.scalar(sa.select(OnlinePayment).where(
        OnlinePayment.invoice_id == invoice.id, OnlinePayment.status == OnlineStatus.PENDING)
        .order_by(OnlinePayment.id.desc()).limit(1))


def start(invoice: Invoice, email: str, return_url: str, notify_url: str) -> tuple[OnlinePayment, str]:
    """A PayFiP operation for what the invoice still owes; (the operation, where to send the family)."""
    regie = invoice.regie
    closings.hold_regie(regie.id)
    db.session.refresh(invoice, with_for_update=True)  # two tabs at once: the second waits, then sees the first
    if reason := why_not_payable(invoice):
        raise DomainError(reason)
    if (earlier := pending(invoice)) is not None and resolve(earlier).status is OnlineStatus.PENDING:
        raise DomainError("Un paiement en ligne de cette facture est déjà en cours : attendez sa fin (quelques "
                          "minutes) avant d'en commencer un autre.")
    if (reason := why_not_payable(invoice)) is not None:  # the earlier operation may just have paid it
        raise DomainError(reason)
    refdet = _refdet(invoice)
    idop, address = payfip.create_operation(
        regie, amount=invoice.outstanding, email=email, refdet=refdet, fiscal_year=invoice.fiscal_year,
        subject=f"Facture {invoice.number} {regie.name}", return_url=return_url, notify_url=notify_url)
    operation = OnlinePayment(organisation_id=regie.organisation_id, regie_id=regie.id, invoice_id=invoice.id,
                              idop=idop, refdet=refdet, amount=invoice.outstanding, mode=regie.payfip_mode)
    db.session.add(operation)
    db.session.flush()
    record_creation("online_payment", operation, FIELDS, organisation_id=regie.organisation_id)
    return operation, address


def resolve(operation: OnlinePayment) -> OnlinePayment:
    """Ask PayFiP what became of the operation and book it if paid: once, whoever asks first (the notification,
    the family's return, the job), the others waiting on the row then seeing it settled."""
    closings.hold_regie(operation.regie_id)
    db.session.refresh(operation, with_for_update=True)
    if operation.status.final:
        return operation
    answer = payfip.ask(operation.invoice.regie, operation.idop, operation.created_at)
    if answer.result == common.PAID:
        if answer.amount != operation.amount or answer.refdet != operation.refdet:
            operation.result = answer.code
            raise DomainError(f"PayFiP annonce {money(answer.amount)} pour {answer.refdet or '?'} au lieu de "
                              f"{money(operation.amount)} pour {operation.refdet} : rien n'est enregistré.")
        if (closings.last_closed_day(operation.regie_id) or today() - timedelta(days=1)) >= today():
            operation.result = answer.code  # the till is closed for today: booked tomorrow by the job
            return operation
        _book(operation, MODE_OF.get(answer.code, PaymentMode.ONLINE_CARD))
        _finish(operation, OnlineStatus.PAID, answer.code)
    elif answer.result in STATUS_OF:
        _finish(operation, STATUS_OF[answer.result], answer.code)
    else:  # still waiting, or PayFiP unreachable: asked again later
        operation.result = answer.code
    return operation


def _book(operation: OnlinePayment, mode: PaymentMode) -> None:
    invoice = operation.invoice
    data = {"mode": mode.value, "amount": operation.amount, "received_on": today(), "keep_credit": True,
            "comment": f"PayFiP, référence {operation.refdet}, idOp {operation.idop}"}
    if invoice.settlement.due:  # else paid or cancelled meanwhile: the money settles what is due, or is credit
        data["first"] = (invoice.id,)
    operation.payment = record_payment(invoice.regie, invoice.family, data)


def _finish(operation: OnlinePayment, status: OnlineStatus, code: str) -> None:
    before = operation.status
    operation.status, operation.result, operation.resolved_at = status, code, utcnow()
    record("update", "online_payment", operation, {"status": [before, status], "result": [None, code]},
           organisation_id=operation.organisation_id)


def stale_pending(older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Operations nobody resolved (the family closed the page, the notification was lost)."""
    return list(db.session.scalars(sa.select(OnlinePayment.id).where(
        OnlinePayment.status == OnlineStatus.PENDING, OnlinePayment.created_at <= utcnow() - older_than)))
