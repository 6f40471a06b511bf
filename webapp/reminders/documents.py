"""The letters of a validated run, one PDF: what the law asks each letter to state (Belgium, livre XIX of the Code
de droit économique: the creditor and its enterprise number, the service and due date of each invoice, the
amount due, the fee the next level will claim, the delay to pay; on the last level, what comes next)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.invoicing.models import Invoice, InvoiceLine
from webapp.organisations.models import Country
from webapp.pdf import html_to_pdf
from webapp.reminders.models import RemindedInvoice, Reminder, ReminderRun, RunMode
from webapp.reminders.runs import by_child

#: What the last level announces when its letter text says nothing of it.
NEXT_STEP = {
    Country.BE: "À défaut de paiement dans ce délai, la commune poursuivra le recouvrement par une contrainte non "
                "fiscale (article L1124-40 du Code de la démocratie locale et de la décentralisation).",
    Country.FR: "À défaut de paiement dans ce délai, la somme sera mise en recouvrement par un titre de recettes "
                "exécutoire et payable auprès du Trésor public.",
}


def letters_pdf(run: ReminderRun) -> bytes:
    """By child, each letter lists the invoices under the children they bill, with the amounts the reminder said."""
    reminded = selectinload(Reminder.invoices).selectinload(RemindedInvoice.invoice)
    stmt = (sa.select(Reminder).where(Reminder.run_id == run.id).order_by(Reminder.sequence)
            .options(selectinload(Reminder.family), reminded.selectinload(Invoice.batch)))
    if run.mode is RunMode.CHILD:
        stmt = stmt.options(reminded.selectinload(Invoice.lines).selectinload(InvoiceLine.child))
    reminders = db.session.scalars(stmt).all()
    children = {r.id: by_child([(ri.invoice, ri.amount) for ri in r.invoices]) for r in reminders
                if run.mode is RunMode.CHILD}
    country = run.regie.organisation.country
    return html_to_pdf(render_template("reminders/pdf/letters.html", run=run, reminders=reminders, children=children,
                                       next_step=NEXT_STEP[country], belgian=country is Country.BE))
