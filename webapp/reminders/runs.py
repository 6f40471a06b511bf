"""A reminder run: from the books at the reference date, the unpaid invoices that reached a level (its delay after
the due date or after the previous reminder passed), optionally only those issued within a period, grouped as the
run's mode says, above the level's minimum and the run's threshold. The draft is recomputed at every look;
validating it (under the régie's exclusive lock, so two agents give one run) numbers one reminder per row of the
draft, each with its own payment reference, never edited after.

- « par solde »: one reminder per family, for all its invoices, at the highest level they reached;
- « par enfant »: the same reminder per family, its invoices shown under the children they bill (`by_child`);
- « par facture »: one reminder per invoice, at the level of that invoice's own history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db, numbering
from webapp.audit.services import actor_id, declare, record, record_creation, snapshot
from webapp.counter.amounts import ZERO, checked_amount
from webapp.counter.closings import hold_regie
from webapp.counter.settlement import owing
from webapp.db import utcnow
from webapp.debits.queries import on_a_run
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.formatting import money, today
from webapp.invoicing.models import Invoice, InvoiceLine
from webapp.organisations.models import Country, Regie
from webapp.plans.queries import families_in_plans
from webapp.reminders import fees as reminder_fees, sending
from webapp.reminders.bailiff import families_at_bailiff
from webapp.reminders.children import ChildShare, by_child
from webapp.reminders.levels import level_sets, setting
from webapp.reminders.models import (
    InvoiceDispute, RemindedInvoice, Reminder, ReminderChannel, ReminderLevel, ReminderRun, ReminderRunStatus,
    RunMode,
)
from webapp.treasury.queries import rolled_lots

RUN_FIELDS = ("mode", "reference_date", "reminder_date", "issued_from", "issued_to", "threshold")

declare({"reminder_run": "Relances"}, {
    "mode": "mode", "reference_date": "date arrêtée", "reminder_date": "date des relances",
    "issued_from": "factures émises à partir du", "issued_to": "factures émises jusqu'au", "threshold": "seuil",
    "excluded": "décochées (familles, ou factures par facture)", "status": "état", "reminders": "relances",
    "total": "total", "fees": "dont frais",
}, {"threshold": money, "total": money, "fees": money, "status": ReminderRunStatus, "mode": RunMode})

@dataclass
class FamilyDue:
    """One reminder of the draft: the invoices it is reminded of (a family's, or one invoice in a run by invoice),
    the level reached, and why it is left out. `key` is what unticking names: the family, or the invoice."""

    family: Family
    level: ReminderLevel
    invoices: list[Invoice]
    key: int
    excluded: bool = False
    reason: str = ""
    children: list[ChildShare] = field(default_factory=list)
    # What the reminder bills as its own fee invoice, why it is below the level's, and what the next level would
    # bill (`reminders.fees.price`).
    fee: Decimal = ZERO
    fee_reason: str = ""
    next_fee: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        return sum((invoice.outstanding for invoice in self.invoices), ZERO)

    @property
    def kept(self) -> bool:
        return not self.excluded and not self.reason


@dataclass
class Draft:
    run: ReminderRun
    families: list[FamilyDue] = field(default_factory=list)

    @property
    def kept(self) -> list[FamilyDue]:
        return [due for due in self.families if due.kept]

    @property
    def total(self) -> Decimal:
        return sum((due.amount for due in self.kept), ZERO)

    @property
    def fees(self) -> Decimal:
        return sum((due.fee for due in self.kept), ZERO)


def _optional_date(data: dict[str, Any], name: str) -> date | None:
    value = data.get(name)
    if value is not None and not isinstance(value, date):
        raise DomainError("Date invalide.", name)
    return value


def open_run(regie: Regie, data: dict[str, Any]) -> ReminderRun:
    reference_date = data.get("reference_date")
    if not isinstance(reference_date, date):
        raise DomainError("Indiquez la date arrêtée.", "reference_date")
    if not level_sets(regie.id):
        raise DomainError("Configurez d'abord les niveaux de relance de la régie.", "reference_date")
    try:
        mode = RunMode(data.get("mode") or RunMode.BALANCE)
    except ValueError:
        raise DomainError("Choisissez le mode : par solde, par enfant ou par facture.", "mode") from None
    # Empty: today, or the reference date when the run is prepared ahead of it.
    reminder_date = _optional_date(data, "reminder_date") or max(today(), reference_date)
    if reminder_date < reference_date:
        raise DomainError("Les relances ne peuvent pas être datées d'avant la date arrêtée.", "reminder_date")
    issued_from, issued_to = _optional_date(data, "issued_from"), _optional_date(data, "issued_to")
    if issued_from and issued_to and issued_from > issued_to:
        raise DomainError("La période des factures finit avant de commencer.", "issued_to")
    threshold = checked_amount(data["threshold"] if data.get("threshold") is not None else ZERO, "threshold",
                               zero=True)
    run = ReminderRun(organisation_id=regie.organisation_id, regie_id=regie.id, regie=regie, mode=mode,
                      reference_date=reference_date, reminder_date=reminder_date, issued_from=issued_from,
                      issued_to=issued_to, threshold=threshold, excluded=[], created_by_id=actor_id())
    db.session.add(run)
    db.session.flush()
    record_creation("reminder_run", run, RUN_FIELDS, organisation_id=regie.organisation_id)
    return run


def refuse_validated(run: ReminderRun) -> None:
    if run.status is ReminderRunStatus.VALIDATED:
        raise DomainError(f"Ces relances ont été validées le {run.validated_at:%d/%m/%Y} : elles ne changent plus.")


def _history(invoice_ids: list[int]) -> dict[int, tuple[int, date, date]]:
    """Per invoice: the highest level it was reminded at, the day of its last reminder, and the last day to pay
    it gave."""
    if not invoice_ids:
        return {}
    rows = db.session.execute(
        sa.select(RemindedInvoice.invoice_id, sa.func.max(Reminder.rank), sa.func.max(Reminder.sent_on),
                  sa.func.max(Reminder.pay_by))
        .join(Reminder).where(RemindedInvoice.invoice_id.in_(invoice_ids)).group_by(RemindedInvoice.invoice_id))
    return {invoice_id: (rank, sent_on, pay_by) for invoice_id, rank, sent_on, pay_by in rows}


def chaseable() -> list[sa.ColumnElement[bool]]:
    """Invoices the régie still chases itself: unpaid, undisputed, neither being debited nor in a lot a roll handed
    to the Trésor public. A payment plan takes its invoices among them too."""
    return [owing(), ~sa.exists().where(InvoiceDispute.invoice_id == Invoice.id), ~on_a_run(Invoice.id),
            ~Invoice.batch_id.in_(rolled_lots())]


def _reached(run: ReminderRun) -> list[tuple[Invoice, ReminderLevel]]:
    """Each invoice the régie chases (issued within the run's period) due before the reference date, with the level
    its own history reached by then, in the set of levels that chases it."""
    sets = level_sets(run.regie_id)
    stmt = (sa.select(Invoice).where(Invoice.regie_id == run.regie_id, *chaseable(), Invoice.due_on < run.reference_date)
            .order_by(Invoice.family_id, Invoice.issued_on, Invoice.id)
            .options(selectinload(Invoice.family).selectinload(Family.guardians)))
    if run.issued_from is not None:
        stmt = stmt.where(Invoice.issued_on >= run.issued_from)
    if run.issued_to is not None:
        stmt = stmt.where(Invoice.issued_on <= run.issued_to)
    if run.mode is RunMode.CHILD or len(sets) > 1:
        stmt = stmt.options(selectinload(Invoice.lines).selectinload(InvoiceLine.child))
    invoices = list(db.session.scalars(stmt))
    history = _history([invoice.id for invoice in invoices])
    reached = []
    for invoice in invoices:
        rank, last_sent, last_day = history.get(invoice.id, (0, None, None))
        level = level_set(invoice, sets).get(rank + 1)
        if level is None:  # past the last level: the treasury or the contrainte takes over
            continue
        if last_day is not None and last_day >= run.reference_date:  # the family may still pay the last letter
            continue
        start = last_sent if level.after_previous and last_sent is not None else invoice.due_on
        if start + timedelta(days=level.delay_days) <= run.reference_date:
            reached.append((invoice, level))
    return reached


def level_set(invoice: Invoice, sets: dict[int | None, dict[int, ReminderLevel]]) -> dict[int, ReminderLevel]:
    """The levels that chase an invoice: its activity's, when all its lines bill that one activity and it has
    levels of its own; else the régie's. An invoice of several activities follows the régie's levels."""
    if len(sets) > 1:
        activities = {line.activity_id for line in invoice.lines if line.activity_id is not None}
        if len(activities) == 1 and (own := sets.get(activities.pop())):
            return own
    return sets.get(None, {})


def _group(run: ReminderRun, reached: list[tuple[Invoice, ReminderLevel]]) -> list[FamilyDue]:
    """The draft's rows as the run's mode groups them: one per invoice, or one per family at the highest level
    its invoices reached (by child, with its children's shares)."""
    if run.mode is RunMode.INVOICE:
        return [FamilyDue(invoice.family, level, [invoice], key=invoice.id) for invoice, level in reached]
    by_family: dict[int, list[tuple[Invoice, ReminderLevel]]] = defaultdict(list)
    for invoice, level in reached:
        by_family[invoice.family_id].append((invoice, level))
    dues = []
    for chosen in by_family.values():
        invoices = [invoice for invoice, _ in chosen]
        due = FamilyDue(invoices[0].family, max((level for _, level in chosen), key=lambda level: level.rank),
                        invoices, key=invoices[0].family_id)
        if run.mode is RunMode.CHILD:
            due.children = by_child([(invoice, invoice.outstanding) for invoice in invoices])
        dues.append(due)
    return dues


def _set_apart(run: ReminderRun, dues: list[FamilyDue]) -> None:
    """Why a row is not reminded: its family pays by a plan or is at the bailiff, the agent unticked it, or it
    owes too little."""
    excluded = set(run.excluded or ())
    at_bailiff, planned = families_at_bailiff(run.regie_id), families_in_plans(run.regie_id)
    for due in dues:
        floor = max(due.level.minimum_amount, run.threshold)
        if due.family.id in planned:
            due.reason = "Échéancier en cours"
        elif due.family.id in at_bailiff:
            due.reason = "Chez l'huissier"
        elif due.key in excluded:
            due.excluded, due.reason = True, "Décochée"
        elif due.amount < floor:
            due.reason = f"Sous le minimum de {money(floor)}"


def select(run: ReminderRun) -> Draft:
    """The draft as the books say now."""
    dues = _group(run, _reached(run))
    _set_apart(run, dues)
    dues.sort(key=lambda due: (due.family.label.casefold(), due.family.id, due.invoices[0].issued_on, due.key))
    draft = Draft(run, dues)
    reminder_fees.price(run.regie, draft.kept, (run.reminder_date or today()).year)
    return draft


def choose_families(run: ReminderRun, excluded: set[int]) -> ReminderRun:
    refuse_validated(run)
    before, after = sorted(run.excluded or ()), sorted(excluded)
    if before != after:
        run.excluded = after
        record("update", "reminder_run", run, {"excluded": [before, after]}, organisation_id=run.organisation_id)
    return run


def delete_run(run: ReminderRun) -> None:
    """A draft goes; a validated run stays, as the letters sent."""
    db.session.refresh(run, with_for_update=True)
    refuse_validated(run)
    record("delete", "reminder_run", run, {name: [value, None] for name, value in snapshot(run, RUN_FIELDS).items()
                                           if value not in (None, "")}, organisation_id=run.organisation_id)
    db.session.delete(run)
    db.session.flush()


def pay_by(country: Country, sent_on: date, channel: ReminderChannel = ReminderChannel.PAPER) -> date:
    """The last day to pay. Belgium: 14 days counted from the third working day after the letter is posted, or
    from the day after the e-mail."""
    days = setting("BE_REMINDER_DAYS_TO_PAY")
    start, working = sent_on, 0
    if country is Country.BE and channel is ReminderChannel.EMAIL:
        start += timedelta(days=1)
    else:
        while country is Country.BE and working < 3:
            start += timedelta(days=1)
            working += start.weekday() < 5
    return start + timedelta(days=days)


def reference(regie: Regie, number: numbering.Number, year: int) -> str:
    return numbering.payment_reference(regie, number, year, numbering.REMINDER_SERIES)


def validate(run: ReminderRun) -> list[Reminder]:
    """One numbered reminder per kept row of the draft, dated the run's reminder date (or the validation day, when
    later). The régie's exclusive lock makes a second agent wait, then be refused: the run is validated once."""
    hold_regie(run.regie_id, exclusive=True)
    db.session.refresh(run, with_for_update=True)
    refuse_validated(run)
    kept = select(run).kept
    if not kept:
        raise DomainError("Aucune relance à envoyer dans ce brouillon.")
    # A letter is not posted before its run is validated: a draft validated after its date is dated that day, and
    # the delay to pay never starts before. The fees are due with the latest delay (a letter's).
    sent_on = max(run.reminder_date or today(), today())
    regie = run.regie
    numbers = numbering.take(numbering.NumberKind.REMINDER, regie, sent_on.year, len(kept))
    fee_invoices = reminder_fees.bill(run, list(zip(numbers, kept, strict=True)), sent_on,
                                      pay_by(regie.organisation.country, sent_on))
    reminders = []
    for number, due in zip(numbers, kept, strict=True):
        chased = [RemindedInvoice(invoice_id=i.id, amount=i.outstanding) for i in due.invoices]
        fee_invoice = fee_invoices[due.family.id] if due.fee else None
        if fee_invoice is not None:  # issued on the reminder's date, after every invoice it chases: paid last
            chased.append(RemindedInvoice(invoice_id=fee_invoice.id, amount=due.fee))
        reminder = Reminder(run=run, regie_id=run.regie_id, family_id=due.family.id, level_id=due.level.id,
                            rank=due.level.rank, year=sent_on.year, sequence=number.sequence, number=number.text,
                            payment_reference=reference(regie, number, sent_on.year), amount=due.amount + due.fee,
                            sent_on=sent_on, last=due.level.last, letter_text=due.level.letter_text,
                            next_fee=due.next_fee, fee=due.fee, fee_invoice=fee_invoice, invoices=chased)
        db.session.add(reminder)
        reminders.append(reminder)
    sending.route(reminders, sent_on)
    run.status = ReminderRunStatus.VALIDATED
    run.validated_at, run.validated_by_id = utcnow(), actor_id()
    db.session.flush()
    record("validate", "reminder_run", run, {
        "status": [ReminderRunStatus.DRAFT.value, ReminderRunStatus.VALIDATED.value],
        "reminders": [None, f"{reminders[0].number} … {reminders[-1].number} ({len(reminders)})"],
        "total": [None, str(sum((r.amount for r in reminders), ZERO))],
        "fees": [None, str(sum((r.fee for r in reminders), ZERO))]}, organisation_id=run.organisation_id)
    return reminders


def of_family(family_id: int, regie_ids: list[int] | None = None) -> list[Reminder]:
    """The reminders sent to a family, newest first: its account and invoices show them."""
    stmt = (sa.select(Reminder).where(Reminder.family_id == family_id)
            .options(selectinload(Reminder.level), selectinload(Reminder.invoices))
            .order_by(Reminder.sent_on.desc(), Reminder.id.desc()))
    if regie_ids is not None:
        stmt = stmt.where(Reminder.regie_id.in_(regie_ids))
    return list(db.session.scalars(stmt))


def of_invoice(invoice_id: int) -> list[Reminder]:
    return list(db.session.scalars(sa.select(Reminder).join(RemindedInvoice)
                                   .where(RemindedInvoice.invoice_id == invoice_id).order_by(Reminder.sent_on)))
