"""The home page of an organisation: what waits for this user, by what their role lets them do.

It reads the areas' tables and changes nothing; one query a kind of work, so the page stays quick with
thousands of families.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import url_for

from webapp import db
from webapp.auth.access import can, requires, tenant_blueprint, visible_regie_ids
from webapp.counter.closings import live
from webapp.counter.models import CashClosing, DepositSlip, Payment, SlipStatus
from webapp.counter.slips import waiting_counts
from webapp.debits.mandates import lapsing as lapsing_mandates
from webapp.formatting import short_date, today
from webapp.htmx import render
from webapp.invoicing.models import Batch, BatchStatus
from webapp.jobs.models import Job, JobStatus

bp = tenant_blueprint("home", __name__, "")


@dataclass(frozen=True)
class Waiting:
    """One kind of work: how many, and the page where it is done."""

    label: str
    count: int
    url: str
    detail: str = ""


@bp.get("/")
@requires("families.view")
def index() -> Any:
    regie_ids = sorted(visible_regie_ids())
    return render("home/index.html", waiting=[*_billing(regie_ids), *_counter(regie_ids), *_debits(regie_ids)],
                  jobs=_jobs(regie_ids))


def _billing(regie_ids: list[int]) -> list[Waiting]:
    if not can("billing.run"):
        return []
    found = {status: (count, first) for status, count, first in db.session.execute(
        sa.select(Batch.status, sa.func.count(), sa.func.min(Batch.id))
        .where(Batch.regie_id.in_(regie_ids), Batch.status.in_((BatchStatus.NEW, BatchStatus.COMPUTED)))
        .group_by(Batch.status))}
    waiting = []
    for status, label in ((BatchStatus.NEW, "Lots à calculer"), (BatchStatus.COMPUTED, "Lots calculés à numéroter")):
        if status in found:
            count, first = found[status]
            # One lot: its page; several: the periods and their lots.
            url = url_for("invoicing.batch", batch_id=first) if count == 1 else url_for("invoicing.index")
            waiting.append(Waiting(label, count, url))
    return waiting


def _debits(regie_ids: list[int]) -> list[Waiting]:
    if not can("debits.mandates") or not (lapsing := lapsing_mandates(regie_ids)):
        return []
    return [Waiting("Mandats de prélèvement caducs ou qui le deviennent dans les 60 jours", len(lapsing),
                    url_for("debits.index"), "un nouveau mandat est à faire signer")]


def _counter(regie_ids: list[int]) -> list[Waiting]:
    waiting = []
    if can("counter.take") and (to_deposit := sum(waiting_counts(regie_ids).values())):
        waiting.append(Waiting("Règlements à remettre en banque (bordereau à préparer)", to_deposit,
                               url_for("counter.slip_list")))
    if not can("counter.manage"):
        return waiting
    provisional = db.session.scalar(sa.select(sa.func.count()).select_from(DepositSlip).where(
        DepositSlip.regie_id.in_(regie_ids), DepositSlip.status == SlipStatus.PROVISIONAL))
    if provisional:
        waiting.append(Waiting("Bordereaux provisoires à valider", provisional, url_for("counter.slip_list")))
    days, regie_id, first = _days_to_close(regie_ids)
    if days:
        waiting.append(Waiting("Journées de caisse à clôturer", days,
                               url_for("counter.day_journal", regie=regie_id, jour=first.isoformat()),
                               f"la plus ancienne : {short_date(first)}"))
    return waiting


def _days_to_close(regie_ids: list[int]) -> tuple[int, int | None, date | None]:
    """The days money moved on after each régie's last closed day, up to today: how many, and the oldest (with
    its régie) to start from."""
    closed = (sa.select(CashClosing.regie_id, sa.func.max(CashClosing.day).label("day"))
              .where(CashClosing.regie_id.in_(regie_ids), live()).group_by(CashClosing.regie_id).subquery())
    per_regie = db.session.execute(
        sa.select(Payment.regie_id, sa.func.count(sa.distinct(Payment.received_on)), sa.func.min(Payment.received_on))
        .outerjoin(closed, closed.c.regie_id == Payment.regie_id)
        .where(Payment.regie_id.in_(regie_ids), Payment.received_on <= today(),
               sa.or_(closed.c.day.is_(None), Payment.received_on > closed.c.day))
        .group_by(Payment.regie_id)).all()
    if not per_regie:
        return 0, None, None
    regie_id, _, first = min(per_regie, key=lambda row: row[2])
    return sum(count for _, count, _ in per_regie), regie_id, first


def _jobs(regie_ids: list[int]) -> list[Job]:
    """The work running in the background for these régies (lots computed, documents made, e-mails sent)."""
    if not can("billing.view"):
        return []
    return list(db.session.scalars(sa.select(Job).where(
        Job.regie_id.in_(regie_ids), Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))).order_by(Job.id)))
