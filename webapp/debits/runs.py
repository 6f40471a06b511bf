"""The debit run of a numbered lot: prepared (who is collected, for how much, in which sequence, on which day),
its files built by `regie-sepa`, transmitted, then validated, which books one direct-debit payment per invoice
through the counter and advances the mandates. Before validation a run is cancelled whole."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from regie_sepa import (Batch, LeadTime, SepaError, Sequence, Transaction, Version, build_files,
                        earliest_collection_date, is_business_day, read, rules)
from regie_sepa.dates import PRENOTIFICATION_DAYS
from sqlalchemy.orm import selectinload

from webapp.treasury.queries import live_roll
from webapp import db
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.counter import services as counter, slips
from webapp.counter.amounts import ZERO
from webapp.counter.closings import hold_regie
from webapp.counter.models import Payment, PaymentMode
from webapp.db import utcnow
from webapp.debits import records
from webapp.debits.models import DebitFile, DebitRun, DebitRunItem, Mandate, MandateState, RunStatus
from webapp.errors import DomainError
from webapp.formatting import money, today
from webapp.invoicing.models import Batch as Lot, Invoice, InvoiceKind, InvoiceStatus
from webapp.plans.queries import planned

declare({"debit_run": "Prélèvements"}, {
    "first_date": "date FIRST", "recurrent_date": "date RCUR", "reason": "motif", "status": "état",
}, {"status": RunStatus})

LIVE = (RunStatus.PREPARED, RunStatus.BUILT, RunStatus.TRANSMITTED, RunStatus.VALIDATED)


def _lead(regie: Any) -> LeadTime:
    return LeadTime(first=regie.debit_lead_first, recurrent=regie.debit_lead_recurrent)


def proposed_dates(lot: Lot, on: date | None = None) -> dict[Sequence, date]:
    """Per sequence: the period's debit date, or the earliest the régie's lead time allows when that is sooner
    (or a TARGET2 closing day)."""
    on = on or today()
    wanted = lot.period.debit_date or on
    result = {}
    for sequence in (Sequence.FIRST, Sequence.RCUR):
        earliest = earliest_collection_date(on, sequence, _lead(lot.regie))
        day = max(wanted, earliest)
        while not is_business_day(day):
            day = date.fromordinal(day.toordinal() + 1)
        result[sequence] = day
    return result


def live_run(lot: Lot) -> DebitRun | None:
    return db.session.scalar(sa.select(DebitRun).where(DebitRun.batch_id == lot.id, DebitRun.status.in_(LIVE)))


def _chosen(day: Any, proposed: date, field: str, label: str) -> date:
    if day is None:
        return proposed
    if not isinstance(day, date):
        raise DomainError("Saisissez une date.", field)
    if day < proposed:
        raise DomainError(f"La date {label} ne peut pas être avant le {proposed:%d/%m/%Y} (délai de la banque).",
                          field)
    if not is_business_day(day):
        raise DomainError(f"Le {day:%d/%m/%Y} est un jour de fermeture TARGET2 (week-end ou jour férié bancaire).",
                          field)
    return day


def prepare_run(lot: Lot, data: dict[str, Any]) -> DebitRun:
    """One run per lot: every invoice of a family with a mandate at the régie, collected or left out with its
    reason (a credit note, nothing due, a held invoice, a mandate lapsed on the collection date)."""
    if not lot.status.numbered:
        raise DomainError("Les prélèvements se préparent sur un lot numéroté.")
    if lot.period.fees_only:
        raise DomainError("Un lot de frais de relance ne se prélève pas : les frais se paient avec la relance.")
    hold_regie(lot.regie_id, exclusive=True)  # two agents preparing the same lot take turns
    if (existing := live_run(lot)) is not None:
        raise DomainError(f"Ce lot a déjà ses prélèvements ({existing}).")
    if (roll := live_roll(lot.id)) is not None:
        raise DomainError(f"Ce lot est parti en rôle ({roll}) : le Trésor public le recouvre, il n'est pas prélevé.")
    proposed = proposed_dates(lot)
    first = _chosen(data.get("first_date"), proposed[Sequence.FIRST], "first_date", "des premiers prélèvements")
    recurrent = _chosen(data.get("recurrent_date"), proposed[Sequence.RCUR], "recurrent_date",
                        "des prélèvements récurrents")
    reason = (data.get("reason") or "").strip() or f"Factures {lot.period.label}"
    run = DebitRun(organisation_id=lot.period.organisation_id, regie_id=lot.regie_id, batch_id=lot.id,
                   first_date=first, recurrent_date=recurrent, reason=reason[:140], created_by_id=actor_id())
    db.session.add(run)
    db.session.flush()
    run.message_id = f"PRLV-{lot.regie_id}-{run.id}"
    mandates = {m.family_id: m for m in db.session.scalars(
        sa.select(Mandate).where(Mandate.regie_id == lot.regie_id, Mandate.state == MandateState.ACTIVE)
        .options(selectinload(Mandate.account)))}
    invoices = db.session.scalars(sa.select(Invoice).where(
        Invoice.batch_id == lot.id, Invoice.family_id.in_(list(mandates))).order_by(Invoice.id)).all()
    in_plans = set(db.session.scalars(sa.select(Invoice.id).where(Invoice.batch_id == lot.id, planned(Invoice.id))))
    rows = []
    for invoice in invoices:
        mandate = mandates[invoice.family_id]
        record_ = records.mandate(mandate)
        sequence = rules.next_sequence(record_)
        day = first if sequence is Sequence.FIRST else recurrent
        excluded = _excluded(invoice, record_, day, invoice.id in in_plans)
        rows.append({"run_id": run.id, "invoice_id": invoice.id, "family_id": invoice.family_id,
                     "mandate_id": mandate.id, "amount": max(invoice.outstanding, ZERO),
                     "sequence": "" if excluded else sequence.value,
                     "end_to_end_id": "" if excluded else invoice.number, "excluded": excluded})
    if rows:
        db.session.execute(sa.insert(DebitRunItem), rows)
    db.session.expire(run, ["items"])
    if not run.collected:
        raise DomainError("Aucune facture de ce lot n'est à prélever (aucune famille avec un mandat actif et une "
                          "somme due).")
    record_creation("debit_run", run, ("first_date", "recurrent_date", "reason"), organisation_id=run.organisation_id)
    return run


def _excluded(invoice: Invoice, mandate: Any, day: date, in_plan: bool) -> str:
    if invoice.kind is InvoiceKind.CREDIT_NOTE:
        return "Avoir : rien à prélever"
    if invoice.status is InvoiceStatus.HELD:
        return f"Facture en attente{' : ' + invoice.hold_reason if invoice.hold_reason else ''}"
    if invoice.status is not InvoiceStatus.NUMBERED:
        return "Facture non émise"
    if invoice.cancelled_by is not None:
        return f"Facture annulée par l'avoir {invoice.cancelled_by.number}"
    if invoice.outstanding <= 0:
        return "Rien à prélever : facture à zéro ou déjà réglée"
    if in_plan:  # the family pays it by the plan's instalments
        return "Échéancier en cours"
    status = rules.status_on(mandate, day)
    if status != "active":
        return f"Mandat {mandate.reference} {rules.STATUS_LABELS[status]} au {day:%d/%m/%Y} : un nouveau mandat est nécessaire"
    return ""


@dataclass(frozen=True)
class SequenceTotal:
    sequence: str
    day: date
    count: int
    total: Decimal


def totals(run: DebitRun) -> list[SequenceTotal]:
    """Counts and totals per sequence, as the list and the files show them."""
    result = []
    for sequence, day in ((Sequence.FIRST, run.first_date), (Sequence.RCUR, run.recurrent_date)):
        items = [i for i in run.collected if i.sequence == sequence.value]
        if items:
            result.append(SequenceTotal(sequence.name, day, len(items), sum((i.amount for i in items), ZERO)))
    return result


def short_notice(run: DebitRun) -> list[Invoice]:
    """Invoices issued less than 14 days before their debit: the family may not have been told in time."""
    return [item.invoice for item in run.collected
            if ((run.first_date if item.sequence == Sequence.FIRST.value else run.recurrent_date)
                - item.invoice.issued_on).days < PRENOTIFICATION_DAYS]


def _transactions(run: DebitRun) -> tuple[Transaction, ...]:
    return tuple(Transaction(
        end_to_end_id=item.end_to_end_id, amount=item.amount,
        collection_date=run.first_date if item.sequence == Sequence.FIRST.value else run.recurrent_date,
        sequence=Sequence(item.sequence), mandate=rules.mandate_info(records.mandate(item.mandate)),
        debtor=records.debtor(item.mandate.account), remittance=f"{run.reason} - facture {item.invoice.number}")
        for item in run.collected)


def sepa_batch(run: DebitRun) -> Batch:
    regie = run.regie
    return Batch(message_id=run.message_id, created_at=datetime.combine(today(), time(hour=8)),
                 initiating_party=records.initiating_party(regie), creditor=records.creditor(regie),
                 transactions=_transactions(run), ultimate_creditor=records.ultimate_creditor(regie))


def _refuse_status(run: DebitRun, *allowed: RunStatus) -> None:
    db.session.refresh(run, with_for_update=True)
    if run.status not in allowed:
        raise DomainError(f"{run} est « {run.status.label} » : ce n'est plus possible.")


def load_items(run: DebitRun) -> None:
    """The run's items with what each one needs (family, invoice, mandate and account, payment), in a few
    queries instead of some per item; loaded onto `run.items`, which keeps them in the session."""
    items = selectinload(DebitRun.items)
    payment = items.selectinload(DebitRunItem.payment)
    db.session.scalars(sa.select(DebitRun).where(DebitRun.id == run.id).options(
        items.selectinload(DebitRunItem.family), items.selectinload(DebitRunItem.invoice),
        items.selectinload(DebitRunItem.mandate).selectinload(Mandate.account),
        payment.selectinload(Payment.cancellation), payment.selectinload(Payment.slip_item),
    ).execution_options(populate_existing=True)).one()


def build(run: DebitRun) -> list[DebitFile]:
    """The files, built and checked by the adapter (dates, lead time, caducity, schema), then read back: what is
    stored is what will be sent, with its SHA-256. Building again replaces files never transmitted."""
    _refuse_status(run, RunStatus.PREPARED, RunStatus.BUILT)
    load_items(run)
    regie = run.regie
    batch = sepa_batch(run)
    try:
        built = build_files(batch, version=Version.parse(regie.sepa_version), single_file=regie.debit_single_file,
                            today=today(), lead=_lead(regie),
                            last_collections={i.mandate.reference: i.mandate.last_collection_date
                                              for i in run.collected})
        checked = {name: read(data) for name, data in built.items()}
    except SepaError as e:
        raise DomainError(f"Les fichiers ne peuvent pas être construits : {e}") from e
    for old in list(run.files):
        run.files.remove(old)
    db.session.flush()
    for name, data in built.items():
        back = checked[name]
        run.files.append(DebitFile(name=name, message_id=back.message_id, content=data,
                                   sha256=hashlib.sha256(data).hexdigest(), transactions=len(back.transactions),
                                   total=sum((tx.amount for tx in back.transactions), ZERO)))
    run.status, run.built_at = RunStatus.BUILT, utcnow()
    record("build", "debit_run", run, {"fichiers": [None, ", ".join(
        f"{f.name} ({f.transactions}, {money(f.total)}, sha256 {f.sha256[:12]}…)" for f in run.files)]},
        organisation_id=run.organisation_id)
    return run.files


def transmit(run: DebitRun) -> DebitRun:
    """« Transmis »: the files left for the bank (or the treasury); who and when are kept."""
    _refuse_status(run, RunStatus.BUILT)
    run.status, run.transmitted_at, run.transmitted_by_id = RunStatus.TRANSMITTED, utcnow(), actor_id()
    record("transmit", "debit_run", run, {"état": [RunStatus.BUILT.label, run.status.label]},
           organisation_id=run.organisation_id)
    return run


def validate(run: DebitRun) -> DebitRun:
    """The bank took the files: one direct-debit payment per invoice (booked like any payment, what was paid
    meanwhile staying as credit), the mandates advanced, the payments on a deposit slip of mode prélèvement.

    The régie's row is held exclusively, then the run's: a second validation waits and finds it validated."""
    hold_regie(run.regie_id, exclusive=True)
    _refuse_status(run, RunStatus.TRANSMITTED)
    load_items(run)
    regie, day = run.regie, today()
    collected = run.collected
    # In bulk, each debit paying its invoice; one the invoice no longer owes in full (paid meanwhile) is booked
    # alone, its surplus settling the family's other invoices or kept as credit.
    booked = counter.record_invoice_payments(regie, PaymentMode.DIRECT_DEBIT, [
        counter.InvoicePayment(item.invoice_id, item.amount, day, item.mandate.account.holder, _comment(run, item))
        for item in collected])
    for item, outcome in zip(collected, booked, strict=True):
        if isinstance(outcome, int):
            item.payment_id = outcome
            continue
        share = min(item.amount, item.invoice.outstanding)
        data = {"mode": PaymentMode.DIRECT_DEBIT.value, "amount": item.amount, "received_on": day,
                "keep_credit": True, "holder": item.mandate.account.holder[:120], "comment": _comment(run, item)}
        item.payment = counter.record_payment(regie, item.family, data,
                                              {item.invoice_id: share} if share > 0 else None)
    db.session.flush()
    found = {payment.id: payment for payment in db.session.scalars(
        sa.select(Payment).where(Payment.id.in_([item.payment_id or item.payment.id for item in collected])))}
    for item in collected:
        item.payment = found[item.payment_id or item.payment.id]
    payments = [item.payment for item in collected]
    advanced = rules.mark_transmitted([records.mandate(i.mandate) for i in run.collected], _transactions(run))
    for item, mandate in zip(run.collected, advanced, strict=True):
        changes = records.store(item.mandate, mandate)
        record("collect", "mandate", item.mandate, changes, organisation_id=run.organisation_id)
    slips.direct_debit_slip(regie, payments)
    run.status, run.validated_at, run.validated_by_id = RunStatus.VALIDATED, utcnow(), actor_id()
    record("validate", "debit_run", run, {"état": [RunStatus.TRANSMITTED.label, run.status.label],
                                          "règlements": [None, f"{len(payments)} ({money(sum((p.amount for p in payments), ZERO))})"]},
           organisation_id=run.organisation_id)
    return run


def _comment(run: DebitRun, item: DebitRunItem) -> str:
    return f"{run} · {item.sequence} · mandat {item.mandate.reference}"


def cancel(run: DebitRun) -> None:
    """Before validation nothing was booked: the run, its items and files go, and the audit keeps the trace."""
    _refuse_status(run, *(s for s in RunStatus if s.cancellable))
    record("delete", "debit_run", run, {"état": [run.status.label, None], "factures": [len(run.collected), None]},
           organisation_id=run.organisation_id)
    db.session.delete(run)
