"""A reminder run « par solde »: from the books at the reference date, each family whose unpaid invoices reached a
level (its delay after the due date or after the previous reminder passed), above the level's minimum and the
run's threshold. The draft is recomputed at every look; validating it (under the régie's exclusive lock, so two
agents give one run) numbers one reminder per family with its own payment reference, never edited after."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp.debits.queries import on_a_run
from webapp.treasury.queries import rolled_lots
from webapp import db, numbering
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.counter.amounts import ZERO, checked_amount
from webapp.counter.closings import hold_regie
from webapp.counter.settlement import owing
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.formatting import money, today
from webapp.invoicing.models import Invoice
from webapp.organisations.models import Country, Regie
from webapp.plans.queries import families_in_plans
from webapp.reminders import sending
from webapp.reminders.levels import levels_of, setting
from webapp.reminders.models import (
    InvoiceDispute, RemindedInvoice, Reminder, ReminderChannel, ReminderLevel, ReminderRun, ReminderRunStatus,
)

RUN_FIELDS = ("reference_date", "threshold")

declare({"reminder_run": "Relances"}, {
    "reference_date": "date arrêtée", "threshold": "seuil", "excluded": "familles décochées", "status": "état",
    "reminders": "relances", "total": "total",
}, {"threshold": money, "total": money, "status": ReminderRunStatus})


@dataclass
class FamilyDue:
    """One family of the draft: the invoices it is reminded of, the level reached, and why it is left out."""

    family: Family
    level: ReminderLevel
    invoices: list[Invoice]
    excluded: bool = False
    reason: str = ""

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


def open_run(regie: Regie, data: dict[str, Any]) -> ReminderRun:
    reference_date = data.get("reference_date")
    if not isinstance(reference_date, date):
        raise DomainError("Indiquez la date arrêtée.", "reference_date")
    if not levels_of(regie.id):
        raise DomainError("Configurez d'abord les niveaux de relance de la régie.", "reference_date")
    threshold = checked_amount(data["threshold"] if data.get("threshold") is not None else ZERO, "threshold",
                               zero=True)
    run = ReminderRun(organisation_id=regie.organisation_id, regie_id=regie.id, regie=regie,
                      reference_date=reference_date, threshold=threshold, excluded=[], created_by_id=actor_id())
    db.session.add(run)
    db.session.flush()
    record_creation("reminder_run", run, RUN_FIELDS, organisation_id=regie.organisation_id)
    return run


def refuse_validated(run: ReminderRun) -> None:
    if run.status is ReminderRunStatus.VALIDATED:
        raise DomainError(f"Ces relances ont été validées le {run.validated_at:%d/%m/%Y} : elles ne changent plus.")


def _history(invoice_ids: list[int]) -> dict[int, tuple[int, date]]:
    """Per invoice: the highest level it was reminded at, and the day of its last reminder."""
    if not invoice_ids:
        return {}
    rows = db.session.execute(
        sa.select(RemindedInvoice.invoice_id, sa.func.max(Reminder.rank), sa.func.max(Reminder.sent_on))
        .join(Reminder).where(RemindedInvoice.invoice_id.in_(invoice_ids)).group_by(RemindedInvoice.invoice_id))
    return {invoice_id: (rank, sent_on) for invoice_id, rank, sent_on in rows}


def chaseable() -> list[sa.ColumnElement[bool]]:
    """Invoices the régie still chases itself: unpaid, undisputed, neither being debited nor in a lot a roll handed
    to the Trésor public. A payment plan takes its invoices among them too."""
    return [owing(), ~sa.exists().where(InvoiceDispute.invoice_id == Invoice.id), ~on_a_run(Invoice.id),
            ~Invoice.batch_id.in_(rolled_lots())]


def select(run: ReminderRun) -> Draft:
    """The draft as the books say now: unpaid, undisputed invoices of the régie due before the reference date."""
    levels = {level.rank: level for level in levels_of(run.regie_id)}
    invoices = list(db.session.scalars(
        sa.select(Invoice).where(Invoice.regie_id == run.regie_id, *chaseable(), Invoice.due_on < run.reference_date)
        .order_by(Invoice.family_id, Invoice.issued_on, Invoice.id)
        .options(selectinload(Invoice.family).selectinload(Family.guardians))))
    history = _history([invoice.id for invoice in invoices])
    by_family: dict[int, list[tuple[Invoice, ReminderLevel]]] = defaultdict(list)
    for invoice in invoices:
        reached, last_sent = history.get(invoice.id, (0, None))
        level = levels.get(reached + 1)
        if level is None:  # past the last level: the treasury or the contrainte takes over
            continue
        start = last_sent if level.after_previous and last_sent is not None else invoice.due_on
        if start + timedelta(days=level.delay_days) <= run.reference_date:
            by_family[invoice.family_id].append((invoice, level))
    excluded, planned = set(run.excluded or ()), families_in_plans(run.regie_id)
    families = []
    for chosen in by_family.values():
        level = max((level for _, level in chosen), key=lambda level: level.rank)
        due = FamilyDue(chosen[0][0].family, level, [invoice for invoice, _ in chosen])
        floor = max(level.minimum_amount, run.threshold)
        if due.family.id in planned:
            due.reason = "Échéancier en cours"
        elif due.family.id in excluded:
            due.excluded, due.reason = True, "Décochée"
        elif due.amount < floor:
            due.reason = f"Sous le minimum de {money(floor)}"
        families.append(due)
    families.sort(key=lambda due: (due.family.label.casefold(), due.family.id))
    return Draft(run, families)


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
    record("delete", "reminder_run", run, {"reference_date": [run.reference_date.isoformat(), None],
                                           "threshold": [str(run.threshold), None]},
           organisation_id=run.organisation_id)
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
    """One numbered reminder per kept family. The régie's exclusive lock makes a second agent wait, then be
    refused: the run is validated once."""
    hold_regie(run.regie_id, exclusive=True)
    db.session.refresh(run, with_for_update=True)
    refuse_validated(run)
    kept = select(run).kept
    if not kept:
        raise DomainError("Aucune famille à relancer dans ce brouillon.")
    sent_on = today()
    regie = run.regie
    fees = {level.rank: level.fee for level in levels_of(run.regie_id)}
    numbers = numbering.take(numbering.NumberKind.REMINDER, regie, sent_on.year, len(kept))
    last_day = pay_by(regie.organisation.country, sent_on)
    reminders = []
    for number, due in zip(numbers, kept, strict=True):
        reminder = Reminder(run=run, regie_id=run.regie_id, family_id=due.family.id, level_id=due.level.id,
                            rank=due.level.rank, year=sent_on.year, sequence=number.sequence, number=number.text,
                            payment_reference=reference(regie, number, sent_on.year), amount=due.amount,
                            sent_on=sent_on, pay_by=last_day, last=due.level.last,
                            letter_text=due.level.letter_text, next_fee=fees.get(due.level.rank + 1),
                            invoices=[RemindedInvoice(invoice_id=i.id, amount=i.outstanding) for i in due.invoices])
        db.session.add(reminder)
        reminders.append(reminder)
    sending.route(reminders)
    run.status = ReminderRunStatus.VALIDATED
    run.validated_at, run.validated_by_id = utcnow(), actor_id()
    db.session.flush()
    record("validate", "reminder_run", run, {
        "status": [ReminderRunStatus.DRAFT.value, ReminderRunStatus.VALIDATED.value],
        "reminders": [None, f"{reminders[0].number} … {reminders[-1].number} ({len(reminders)})"],
        "total": [None, str(sum((r.amount for r in reminders), ZERO))]}, organisation_id=run.organisation_id)
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
