"""What other areas ask of direct debits, in one query each."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from webapp import db
from webapp.counter.models import Cancellation
from webapp.debits.models import DebitRun, DebitRunItem, Mandate, MandateState, RunStatus


def invoices_on_runs(invoice_ids: Iterable[int]) -> dict[int, str]:
    """Invoice id → a French label of the run holding it, for runs not cancelled whose payment is not cancelled
    or rejected: such an invoice is being (or was) collected and must not be cancelled under the run."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(DebitRunItem.invoice_id, DebitRun.id, DebitRun.status)
        .join(DebitRun, DebitRun.id == DebitRunItem.run_id)
        .where(DebitRunItem.invoice_id.in_(ids), DebitRunItem.excluded == "",
               DebitRun.status != RunStatus.ROLLED_BACK,
               sa.or_(DebitRunItem.payment_id.is_(None),
                      ~sa.exists().where(Cancellation.payment_id == DebitRunItem.payment_id))))
    return {invoice_id: f"Prélèvements n° {run_id} ({status.label.lower()})" for invoice_id, run_id, status in rows}


def has_active_mandate(regie_id: int, family_id: int) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        Mandate.regie_id == regie_id, Mandate.family_id == family_id, Mandate.state == MandateState.ACTIVE)))
