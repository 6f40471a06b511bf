"""What other areas ask of the treasury's rolls, in one query each."""

from __future__ import annotations

import sqlalchemy as sa

from webapp import db
from webapp.invoicing.models import Invoice
from webapp.treasury.models import RollExport, RollStatus


def live(stmt: sa.Select) -> sa.Select:
    """Rolls not deleted: exported, or acknowledged by the Trésor public."""
    return stmt.where(RollExport.status != RollStatus.DELETED)


def invoices_on_rolls(invoice_ids: list[int]) -> dict[int, str]:
    """Invoice id → the live roll its lot went out in: the Trésor public collects it, the régie no longer."""
    if not invoice_ids:
        return {}
    return {invoice_id: str(roll) for invoice_id, roll in db.session.execute(
        live(sa.select(Invoice.id, RollExport).join(RollExport, RollExport.batch_id == Invoice.batch_id)
              .where(Invoice.id.in_(invoice_ids))))}


def rolls_by_lot(regie_id: int) -> dict[int, str]:
    """The régie's lots that went out in a live roll → that roll."""
    return {roll.batch_id: str(roll) for roll in db.session.scalars(
        live(sa.select(RollExport).where(RollExport.regie_id == regie_id)))}


def rolled_lots() -> sa.Select:
    """The lots a live roll hands to the Trésor public: the régie neither reminds nor titles their invoices."""
    return live(sa.select(RollExport.batch_id))


def live_roll(batch_id: int) -> RollExport | None:
    return db.session.scalar(live(sa.select(RollExport).where(RollExport.batch_id == batch_id)))
