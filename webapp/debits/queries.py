"""What other areas ask of direct debits, in one query each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from regie_sepa import rules

from webapp import db
from webapp.counter.models import Cancellation
from webapp.debits import records
from webapp.debits.models import DebitRun, DebitRunItem, Mandate, MandateState, RunStatus


def _collecting() -> list[sa.ColumnElement[bool]]:
    """An item of a run not rolled back, collected, whose payment (if booked) was neither cancelled nor rejected."""
    return [DebitRunItem.excluded == "", DebitRun.status != RunStatus.ROLLED_BACK,
            sa.or_(DebitRunItem.payment_id.is_(None),
                   ~sa.exists().where(Cancellation.payment_id == DebitRunItem.payment_id))]


def on_a_run(invoice_id: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """The invoice is being (or was) collected by a run: neither cancelled nor titled under it."""
    return sa.exists().where(DebitRunItem.invoice_id == invoice_id, DebitRun.id == DebitRunItem.run_id,
                             *_collecting())


def invoices_on_runs(invoice_ids: Iterable[int]) -> dict[int, str]:
    """Invoice id → a French label of the run holding it (see `on_a_run`)."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(DebitRunItem.invoice_id, DebitRun.id, DebitRun.status)
        .join(DebitRun, DebitRun.id == DebitRunItem.run_id)
        .where(DebitRunItem.invoice_id.in_(ids), *_collecting()))
    return {invoice_id: f"Prélèvements n° {run_id} ({status.label.lower()})" for invoice_id, run_id, status in rows}


def collectable_on(regie_id: int, family_id: int, day: date) -> bool:
    """The family has a mandate at the régie that may be debited that day (active, not lapsed by then)."""
    mandate = db.session.scalar(sa.select(Mandate).where(
        Mandate.regie_id == regie_id, Mandate.family_id == family_id, Mandate.state == MandateState.ACTIVE))
    return mandate is not None and rules.status_on(records.mandate(mandate), day) == "active"
