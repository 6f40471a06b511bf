"""What other areas ask of reminders, in one query each."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from webapp.reminders.models import RemindedInvoice, Reminder


def past_last_level(invoice_id: sa.ColumnElement[int], day: date) -> sa.ColumnElement[bool]:
    """The invoice was reminded at a last level whose pay-by day passed before `day`: the régie's chase is over,
    the treasury (or the contrainte) takes over."""
    return sa.exists().where(RemindedInvoice.invoice_id == invoice_id, Reminder.id == RemindedInvoice.reminder_id,
                             Reminder.last.is_(True), Reminder.pay_by < day)
