"""Pending PayFiP operations are asked about again every quarter of an hour: a family that closed its browser on
PayFiP's page still gets its payment booked, and an abandoned operation ends as expired."""

from __future__ import annotations

from huey import crontab

from webapp import db
from webapp.errors import DomainError
from webapp.jobs.queue import huey
from webapp.online import services
from webapp.online.models import OnlinePayment


def sweep() -> int:
    """Each operation in its own transaction; how many ended."""
    ended = 0
    for operation_id in services.stale_pending():
        try:
            ended += services.resolve(db.session.get(OnlinePayment, operation_id)).status.final
            db.session.commit()
        except DomainError:
            db.session.rollback()
    return ended


@huey.periodic_task(crontab(minute="*/15"))
def sweep_pending() -> None:
    with db.as_writer():
        sweep()
