"""« Annuler les derniers prélèvements »: a validated run whose file was rejected whole or never taken. Each
mandate gets back its state before the run (the adapter's rollback), each payment is cancelled with the reason
(its invoice is due again). Previewed first; refused when a later run used the same mandates or when a
payment already left on a final slip."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from regie_sepa import Sequence, rules

from webapp import db
from webapp.audit.services import record
from webapp.counter import services as counter
from webapp.counter.closings import hold_regie
from webapp.counter.models import SlipStatus
from webapp.db import utcnow
from webapp.debits import records, runs
from webapp.debits.models import DebitRun, DebitRunItem, RunStatus
from webapp.errors import DomainError
from webapp.formatting import today


@dataclass
class Preview:
    """What a rollback would do, or why it is refused."""

    restored: list[str] = field(default_factory=list)
    cancelled: list[DebitRunItem] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


def _collections(run: DebitRun) -> set[tuple[Sequence, object]]:
    return {(Sequence(i.sequence), run.first_date if i.sequence == Sequence.FIRST.value else run.recurrent_date)
            for i in run.collected}


def preview(run: DebitRun) -> Preview:
    result = Preview()
    if run.status is not RunStatus.VALIDATED:
        result.refusals.append(f"{run} est « {run.status.label} » : seuls des prélèvements validés s'annulent ainsi.")
        return result
    mandate_ids = [i.mandate_id for i in run.collected]
    later = db.session.scalars(sa.select(DebitRun).join(DebitRunItem).where(
        DebitRun.regie_id == run.regie_id, DebitRun.id > run.id,
        DebitRun.status.in_((RunStatus.TRANSMITTED, RunStatus.VALIDATED)),
        DebitRunItem.mandate_id.in_(mandate_ids), DebitRunItem.excluded == "").distinct()).all()
    for other in later:
        result.refusals.append(f"{other} a prélevé depuis les mêmes mandats : annulez-le d'abord.")
    for item in run.collected:
        slip_item = item.payment.slip_item if item.payment else None
        if slip_item is not None and slip_item.slip.status is SlipStatus.FINAL:
            result.refusals.append(f"Le règlement de la facture {item.invoice.number} est sur le {slip_item.slip} "
                                   "(définitif).")
        if item.cancellation is None:
            result.cancelled.append(item)
    undone = rules.rollback([records.mandate(i.mandate) for i in run.collected], _collections(run))
    result.restored = list(undone.restored)
    return result


def roll_back(run: DebitRun, reason: str) -> Preview:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Indiquez pourquoi ces prélèvements sont annulés (fichier rejeté, jamais pris…).", "reason")
    hold_regie(run.regie_id, exclusive=True)
    db.session.refresh(run, with_for_update=True)
    runs.load_items(run)
    plan = preview(run)
    if plan.refusals:
        raise DomainError(" ".join(plan.refusals))
    undone = rules.rollback([records.mandate(i.mandate) for i in run.collected], _collections(run))
    for item, mandate in zip(run.collected, undone.mandates, strict=True):
        changes = records.store(item.mandate, mandate)
        if changes:
            record("rollback", "mandate", item.mandate, changes, organisation_id=run.organisation_id)
    for item in plan.cancelled:
        counter.cancel_payment(item.payment, f"Annulation des prélèvements ({run}) : {reason}", today())
    run.status, run.rolled_back_at, run.rollback_reason = RunStatus.ROLLED_BACK, utcnow(), reason
    record("rollback", "debit_run", run, {"état": [RunStatus.VALIDATED.label, run.status.label],
                                          "raison": [None, reason]}, organisation_id=run.organisation_id)
    return plan
