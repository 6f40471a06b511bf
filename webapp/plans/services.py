"""Payment plans: which invoices may enter one, the instalments a plan is cut into, its creation (numbered, with
its own payment reference), what it has received and which instalments are late, its cancellation, and what a
payment to its reference settles.

Locks are taken in the order of every money action: the régie's row (shared), the family's account, then the
invoices; two agents proposing a plan over the same invoice at once therefore give one plan."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db, mail, numbering
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.counter.amounts import CENT, ZERO, checked_amount
from webapp.counter.closings import hold_regie
from webapp.counter.ledger import lock_accounts
from webapp.counter.settlement import payable
from webapp.db import utcnow
from webapp.debits.queries import invoices_on_runs
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.formatting import money, today
from webapp.invoicing.models import Invoice
from webapp.online.services import paying_online
from webapp.organisations.models import Regie
from webapp.plans.models import PaymentPlan, PlanFrequency, PlanInstalment, PlanInvoice, PlanStatus
from webapp.plans.queries import planned
from webapp.reminders.levels import disputed
from webapp.reminders.runs import chaseable
from webapp.treasury.queries import invoices_on_rolls

#: Three years of monthly instalments: a longer plan is no longer a plan.
MAX_INSTALMENTS = 36
PLAN_FIELDS = ("number", "payment_reference", "frequency", "total")

declare({"payment_plan": "Échéanciers"}, {
    "number": "numéro", "payment_reference": "référence de paiement", "frequency": "périodicité", "total": "total",
    "invoices": "factures", "instalments": "échéances", "status": "état", "cancel_reason": "motif d'annulation",
    "late": "retard notifié",
}, {"total": money, "late": money, "status": PlanStatus, "frequency": PlanFrequency})


def candidates(regie_id: int, family_id: int) -> list[Invoice]:
    """The family's invoices at the régie a plan may take, oldest first: those the reminders would chase
    (`reminders.runs.chaseable`), not titled, not in a plan already, not being paid online."""
    invoices = list(db.session.scalars(sa.select(Invoice).where(
        Invoice.regie_id == regie_id, Invoice.family_id == family_id, *chaseable(), Invoice.titled == 0,
        ~planned(Invoice.id)).order_by(Invoice.issued_on, Invoice.sequence, Invoice.id)
        .options(selectinload(Invoice.batch))))
    online = paying_online([invoice.id for invoice in invoices])
    return [invoice for invoice in invoices if invoice.id not in online]


def _why_not(invoice: Invoice) -> str:
    """Why an invoice chosen is not among the candidates, in the agent's words."""
    name = f"La facture {invoice.number}"
    if invoice.cancelled_by is not None:
        return f"{name} est annulée par un avoir."
    if invoice.titled > 0:
        return f"{name} est mise en titre : elle se paie au Trésor public."
    if invoice.outstanding <= 0:
        return f"{name} est déjà payée."
    if dispute := disputed(invoice.id):
        return f"{name} est contestée ({dispute.reason})."
    if run := invoices_on_runs([invoice.id]).get(invoice.id):
        return f"{name} est prélevée ({run})."
    if roll := invoices_on_rolls([invoice.id]).get(invoice.id):
        return f"{name} est partie au Trésor public ({roll})."
    if db.session.scalar(sa.select(planned(sa.literal(invoice.id)))):
        return f"{name} est déjà dans un échéancier en cours."
    return f"{name} est en cours de paiement en ligne."


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day (31 January → 28 or 29 February)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def schedule(total: Decimal, frequency: PlanFrequency, *, first_due_on: date | None = None,
             dates: list[date] | None = None, count: int | None = None,
             amount: Decimal | None = None) -> list[tuple[date, Decimal]]:
    """The instalments (due date, amount) of `total`: monthly from `first_due_on`, or on the chosen `dates`; as
    `count` equal instalments or instalments of `amount`. In both ways the last one takes the remainder, so the
    instalments add up to the total to the cent."""
    if amount is not None:
        amount = checked_amount(amount, "amount")
        if amount > total:
            raise DomainError(f"Le montant par échéance dépasse le total ({money(total)}).", "amount")
        needed = int((total / amount).to_integral_value(ROUND_CEILING))
        if count is not None and count != needed:
            raise DomainError(f"{money(total)} en échéances de {money(amount)} en font {needed}, pas {count} : "
                              "indiquez le nombre d'échéances ou le montant par échéance.", "amount")
        count = needed
    if frequency is PlanFrequency.DATES:
        dates = sorted(set(dates or ()))
        if not dates:
            raise DomainError("Indiquez les dates des échéances.", "dates")
        if count is not None and count != len(dates):
            raise DomainError(f"Il faut {count} échéance(s) de {money(amount)} : indiquez autant de dates "
                              f"({len(dates)} indiquée(s)).", "dates")
        count = len(dates)
    elif first_due_on is None:
        raise DomainError("Indiquez la date de la première échéance.", "first_due_on")
    if count is None:
        raise DomainError("Indiquez le nombre d'échéances ou le montant par échéance.", "count")
    if not 1 <= count <= MAX_INSTALMENTS:
        raise DomainError(f"Un échéancier compte de 1 à {MAX_INSTALMENTS} échéances.", "count")
    if total < CENT * count:  # an instalment of 0,00 € is no instalment (and the table refuses it)
        raise DomainError(f"Chaque échéance doit être d'au moins {money(CENT)} : {money(total)} se paie en "
                          f"{int(total / CENT)} échéance(s) au plus.",
                          "dates" if frequency is PlanFrequency.DATES else "count")
    if frequency is PlanFrequency.MONTHLY:
        dates = [_add_months(first_due_on, n) for n in range(count)]
    if dates[0] < today():
        raise DomainError("La première échéance ne peut pas être déjà passée.",
                          "dates" if frequency is PlanFrequency.DATES else "first_due_on")
    each = amount if amount is not None else (total / count).quantize(CENT, ROUND_DOWN)
    amounts = [each] * (count - 1) + [total - each * (count - 1)]
    return list(zip(dates, amounts, strict=True))


def create_plan(regie: Regie, family: Family, data: dict[str, Any]) -> PaymentPlan:
    """A numbered plan over the chosen invoices, for what they still owe now."""
    chosen = sorted(set(data.get("invoice_ids") or ()))
    if not chosen:
        raise DomainError("Cochez au moins une facture.", "invoice_ids")
    hold_regie(regie.id)
    lock_accounts(regie, {family.id})
    invoices = list(db.session.scalars(
        sa.select(Invoice).where(Invoice.id.in_(chosen), Invoice.regie_id == regie.id,
                                 Invoice.family_id == family.id)
        .order_by(Invoice.issued_on, Invoice.sequence, Invoice.id)
        .with_for_update().execution_options(populate_existing=True)))
    if len(invoices) != len(chosen):
        raise DomainError("Une facture choisie n'est pas une facture de la famille à cette régie.", "invoice_ids")
    allowed = {invoice.id for invoice in candidates(regie.id, family.id)}
    if refused := [_why_not(invoice) for invoice in invoices if invoice.id not in allowed]:
        raise DomainError(" ".join(refused), "invoice_ids")
    total = sum((invoice.outstanding for invoice in invoices), ZERO)
    frequency = PlanFrequency(data.get("frequency") or PlanFrequency.MONTHLY)
    instalments = schedule(total, frequency, first_due_on=data.get("first_due_on"), dates=data.get("dates"),
                           count=data.get("count"), amount=data.get("amount"))
    agreed_on = today()
    (number,) = numbering.take(numbering.NumberKind.PLAN, regie, agreed_on.year)
    plan = PaymentPlan(
        organisation_id=regie.organisation_id, regie_id=regie.id, family_id=family.id, year=agreed_on.year,
        sequence=number.sequence, number=number.text, payment_reference=numbering.payment_reference(
            regie, number, agreed_on.year, numbering.PLAN_SERIES),
        frequency=frequency, total=total, created_by_id=actor_id(),
        invoices=[PlanInvoice(invoice_id=invoice.id, amount=invoice.outstanding) for invoice in invoices],
        instalments=[PlanInstalment(rank=rank, due_on=due_on, amount=amount)
                     for rank, (due_on, amount) in enumerate(instalments, 1)])
    db.session.add(plan)
    db.session.flush()
    entry = record_creation("payment_plan", plan, PLAN_FIELDS, organisation_id=regie.organisation_id)
    entry.changes = {**entry.changes,
                     "invoices": [None, ", ".join(f"{i.number} ({i.outstanding})" for i in invoices)],
                     "instalments": [None, ", ".join(f"{d:%d/%m/%Y} {a}" for d, a in instalments)]}
    return plan


@dataclass(frozen=True)
class InstalmentState:
    instalment: PlanInstalment
    covered: Decimal  # what the plan's receipts cover of it, instalments in order

    @property
    def settled(self) -> bool:
        return self.covered >= self.instalment.amount

    @property
    def late(self) -> bool:
        return not self.settled and self.instalment.due_on < today()


@dataclass(frozen=True)
class Progress:
    """A plan as the books say now."""

    plan: PaymentPlan
    received: Decimal
    owed: Decimal
    instalments: list[InstalmentState]

    @property
    def completed(self) -> bool:
        return self.plan.status is PlanStatus.IN_FORCE and self.owed <= 0

    @property
    def late(self) -> list[InstalmentState]:
        if self.plan.status is PlanStatus.CANCELLED or self.completed:
            return []
        return [state for state in self.instalments if state.late]

    @property
    def expected(self) -> Decimal:
        """What the instalments due by now add up to."""
        return sum((state.instalment.amount for state in self.instalments if state.instalment.due_on < today()),
                   ZERO)

    @property
    def due_now(self) -> Decimal:
        """What the late instalments still claim: the letter's amount due."""
        return sum((state.instalment.amount - state.covered for state in self.late), ZERO)

    @property
    def state(self) -> str:
        if self.plan.status is PlanStatus.CANCELLED:
            return PlanStatus.CANCELLED.label
        return "Soldé" if self.completed else "En retard" if self.late else PlanStatus.IN_FORCE.label


def progress_of(plans: list[PaymentPlan]) -> list[Progress]:
    """What each plan received: what its invoices owed when it started minus what they owe now (a cancelled
    invoice owes nothing), whoever took the money; the receipts cover the instalments in order."""
    invoice_ids = [pi.invoice_id for plan in plans for pi in plan.invoices]
    live = set(db.session.scalars(sa.select(Invoice.id).where(Invoice.id.in_(invoice_ids), payable()))) \
        if invoice_ids else set()
    found = []
    for plan in plans:
        owed = sum((pi.invoice.outstanding if pi.invoice_id in live else ZERO for pi in plan.invoices), ZERO)
        received = sum((max(pi.amount - (pi.invoice.outstanding if pi.invoice_id in live else ZERO), ZERO)
                        for pi in plan.invoices), ZERO)
        left, states = received, []
        for instalment in plan.instalments:
            covered = min(instalment.amount, left)
            states.append(InstalmentState(instalment, covered))
            left -= covered
        found.append(Progress(plan, received, owed, states))
    return found


def _loaded() -> sa.Select:
    return sa.select(PaymentPlan).options(
        selectinload(PaymentPlan.invoices).selectinload(PlanInvoice.invoice).selectinload(Invoice.batch),
        selectinload(PaymentPlan.instalments), selectinload(PaymentPlan.family))


def progress(plan: PaymentPlan) -> Progress:
    (found,) = progress_of([plan])
    return found


def of_regie(regie_id: int) -> list[Progress]:
    """The régie's plans, newest first, late ones included: the list page."""
    plans = db.session.scalars(_loaded().where(PaymentPlan.regie_id == regie_id)
                               .order_by(PaymentPlan.created_at.desc(), PaymentPlan.id.desc())).all()
    return progress_of(list(plans))


def of_family(family_id: int, regie_id: int) -> list[PaymentPlan]:
    return list(db.session.scalars(sa.select(PaymentPlan).where(
        PaymentPlan.family_id == family_id, PaymentPlan.regie_id == regie_id).order_by(PaymentPlan.id.desc())))


def of_invoice(invoice_id: int) -> list[PaymentPlan]:
    return list(db.session.scalars(sa.select(PaymentPlan).join(PlanInvoice)
                                   .where(PlanInvoice.invoice_id == invoice_id).order_by(PaymentPlan.id.desc())))


def cancel_plan(plan: PaymentPlan, reason: str) -> PaymentPlan:
    """A broken plan ends with its reason. Its invoices go back to the reminders at the level they had reached:
    the reminders' history was never touched."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Indiquez le motif de l'annulation.", "reason")
    hold_regie(plan.regie_id)
    db.session.refresh(plan, with_for_update=True)
    if plan.status is PlanStatus.CANCELLED:
        raise DomainError(f"Cet échéancier est déjà annulé ({plan.cancel_reason}).", "reason")
    if progress(plan).completed:
        raise DomainError("Cet échéancier est soldé : il n'y a plus rien à annuler.", "reason")
    plan.status, plan.cancel_reason = PlanStatus.CANCELLED, reason
    plan.cancelled_at, plan.cancelled_by_id = utcnow(), actor_id()
    record("cancel", "payment_plan", plan, {"status": [PlanStatus.IN_FORCE.value, PlanStatus.CANCELLED.value],
                                            "cancel_reason": [None, reason]}, organisation_id=plan.organisation_id)
    return plan


def notify_late(plan: PaymentPlan, letter: bytes) -> str:
    """The « notification de retard » by e-mail, its letter attached, sent once the request commits. Returns the
    address; a family without one gets the letter by post."""
    found = progress(plan)
    if not found.late:
        raise DomainError("Aucune échéance de cet échéancier n'est en retard.")
    payer = plan.family.payer
    if payer is None or not payer.email:
        raise DomainError("La famille n'a pas d'adresse e-mail : la notification est à envoyer par courrier.")
    message = mail.compose(payer.email, f"Retard de paiement · échéancier {plan.number} · {plan.regie.name}",
                           "plans/late_email.txt", plan=plan, progress=found)
    message.add_attachment(letter, maintype="application", subtype="pdf", filename=f"retard-{plan.number}.pdf")
    mail.send_after_commit(message)
    record("notify", "payment_plan", plan, {"late": [None, str(found.due_now)]}, organisation_id=plan.organisation_id)
    return payer.email
