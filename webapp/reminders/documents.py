"""The letters of a validated run: what the law asks each letter to state (Belgium, livre XIX of the Code de droit
économique: the creditor, its enterprise number and whom to contact, the service and due date of each invoice, the
amount due, the fee the next level will claim, the delay to pay; on the last level, what comes next). All in one
PDF, only those to post, one for an e-mail, or a ZIP of one PDF per reminder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.families.models import Family
from webapp.invoicing.models import Batch, Invoice, InvoiceLine
from webapp.online.qr import offers_qr
from webapp.online.services import offers_online_payment
from webapp.organisations.models import Country
from webapp.pdf import file_name, html_to_pdf, write_merged, write_zip
from webapp.reminders.models import RemindedInvoice, Reminder, ReminderChannel, ReminderRun, RunMode
from webapp.reminders.children import by_child

#: What the last level announces when its letter text says nothing of it.
NEXT_STEP = {
    Country.BE: "À défaut de paiement dans ce délai, la commune poursuivra le recouvrement par une contrainte non "
                "fiscale (article L1124-40 du Code de la démocratie locale et de la décentralisation).",
    Country.FR: "À défaut de paiement dans ce délai, la somme sera mise en recouvrement par un titre de recettes "
                "exécutoire et payable auprès du Trésor public.",
}


def printable(run: ReminderRun, channel: ReminderChannel | None = None) -> list[Reminder]:
    """The run's reminders (those going by `channel`, if given), with what their letters read."""
    reminded = selectinload(Reminder.invoices).selectinload(RemindedInvoice.invoice)
    stmt = (sa.select(Reminder).where(Reminder.run_id == run.id, *([Reminder.channel == channel] if channel else []))
            .order_by(Reminder.sequence)
            .options(selectinload(Reminder.family).selectinload(Family.guardians), selectinload(Reminder.fee_invoice),
                     reminded.selectinload(Invoice.batch).selectinload(Batch.period),
                     reminded.selectinload(Invoice.cancelled_by)))  # what the online link reads of the settlement
    if run.mode is RunMode.CHILD:
        stmt = stmt.options(reminded.selectinload(Invoice.lines).selectinload(InvoiceLine.child))
    return list(db.session.scalars(stmt))


def _html(run: ReminderRun, reminders: Sequence[Reminder]) -> str:
    """By child, each letter lists the invoices under the children they bill, with the amounts the reminder said."""
    children = {r.id: by_child([(ri.invoice, ri.amount) for ri in r.invoices]) for r in reminders
                if run.mode is RunMode.CHILD}
    regie = run.regie
    country = regie.organisation.country
    return render_template("reminders/pdf/letters.html", run=run, reminders=reminders, children=children,
                           next_step=NEXT_STEP[country], belgian=country is Country.BE, qr=offers_qr(regie),
                           online=offers_online_payment(regie))


def render_letters(run: ReminderRun, reminders: Sequence[Reminder]) -> bytes:
    return html_to_pdf(_html(run, reminders))


def letters_pdf(run: ReminderRun, channel: ReminderChannel | None = None) -> bytes:
    return render_letters(run, printable(run, channel))


def write_letters(run: ReminderRun, path: Path, progress: Callable[[int], None] = lambda done: None,
                  chunk: int = 100) -> None:
    """Every letter of a large run into one file, rendered in chunks by every core (`pdf.write_merged`);
    `progress` hears how many letters are done."""
    reminders = printable(run)
    write_merged((_html(run, reminders[start:start + chunk]) for start in range(0, len(reminders), chunk)), path,
                 lambda done: progress(min(done * chunk, len(reminders))))


def letter_filename(reminder: Reminder) -> str:
    """« relance-rel-cant-2026-00001-bernard-helene.pdf »: its number, then the family it goes to."""
    return file_name("relance", reminder.number, reminder.family.label)


def write_letters_zip(run: ReminderRun, path: Path, progress: Callable[[int], None] = lambda done: None) -> None:
    """One PDF per reminder in a ZIP, rendered by every core (`pdf.write_zip`): memory holds letters, not the run."""
    write_zip(((letter_filename(r), _html(run, [r])) for r in printable(run)), path, progress)
