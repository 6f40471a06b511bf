"""How each reminder goes: by e-mail when the family's payer has an address, else on paper. The e-mails leave
through the job runner in throttled groups, each with its letter attached; each one's outcome is kept, and a
sending started again sends only what has not left."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import selectinload

from webapp import db, mail
from webapp.audit.services import record
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.formatting import today
from webapp.invoicing.notices import address
from webapp.jobs import services as jobs
from webapp.jobs.models import Job
from webapp.pdf import file_name
from webapp.reminders import documents, runs
from webapp.reminders.levels import email_text
from webapp.reminders.models import (
    Reminder, ReminderChannel, ReminderEmail, ReminderEmailStatus, ReminderRun, ReminderRunStatus,
)

KIND = "reminder_emails"
ZIP_KIND = "reminder_letters_zip"
SOURCE = "reminder_run:"


def route(reminders: list[Reminder], posted_on: date) -> None:
    """At validation, before the reminders are written (they never change after): each one's channel, the delay to
    pay that follows from it (counted from `posted_on`), and its e-mail waiting to leave."""
    for reminder in reminders:
        to = address(db.session.get(Family, reminder.family_id))
        reminder.channel = ReminderChannel.EMAIL if to else ReminderChannel.PAPER
        reminder.pay_by = runs.pay_by(reminder.run.regie.organisation.country, posted_on, reminder.channel)
        if to:
            reminder.email = ReminderEmail(email=to)


def send_when_due(run: ReminderRun, sent: list[Reminder]) -> list[Reminder]:
    """The e-mails of letters dated today leave as soon as their run is validated: the delay they give starts the
    day after. Those of a run dated later wait for the agent's click on that day."""
    if (run.reminder_date or today()) <= today() and any(r.channel is ReminderChannel.EMAIL for r in sent):
        start(run, KIND)
    return sent


def unsent(run_id: int) -> list[ReminderEmail]:
    """The run's e-mails still to send (waiting, or failed before), with what their message reads."""
    return list(db.session.scalars(
        sa.select(ReminderEmail).join(Reminder)
        .where(Reminder.run_id == run_id, ReminderEmail.status != ReminderEmailStatus.SENT)
        .order_by(Reminder.sequence)
        .options(selectinload(ReminderEmail.reminder).selectinload(Reminder.family).selectinload(Family.guardians),
                 selectinload(ReminderEmail.reminder).selectinload(Reminder.level))))


def jobs_of(run: ReminderRun) -> list[Job]:
    """The run's latest jobs (its e-mails, its ZIPs), newest first: its page shows their progress."""
    return list(db.session.scalars(sa.select(Job).where(
        Job.kind.in_([KIND, ZIP_KIND]), Job.source == f"{SOURCE}{run.id}", Job.organisation_id == run.organisation_id)
        .order_by(Job.id.desc()).limit(4)))


def start(run: ReminderRun, kind: str) -> Job:
    """Queue the sending of the run's e-mails, or the writing of its ZIP (one of a kind at a time per run: a unique
    index on the jobs says so)."""
    if run.status is not ReminderRunStatus.VALIDATED:
        raise DomainError("Validez les relances avant de les envoyer.")
    if kind == KIND and run.reminders and run.reminders[0].sent_on > today():
        raise DomainError(f"Les relances sont datées du {run.reminders[0].sent_on:%d/%m/%Y} : leurs e-mails partent "
                          "ce jour-là, pas avant (le délai de paiement en part).")
    if kind == KIND and not unsent(run.id):
        raise DomainError("Toutes les relances par e-mail sont déjà parties.")
    return jobs.start_job(kind, organisation_id=run.organisation_id, regie_id=run.regie_id,
                          source=f"{SOURCE}{run.id}")


def _run_of(job: Job) -> ReminderRun:
    return db.session.get(ReminderRun, int(job.source.removeprefix(SOURCE)))


def _run_page(job: Job) -> str:
    return url_for("reminders.run", org_id=job.organisation_id, reminder_run_id=int(job.source.removeprefix(SOURCE)))


def _message(run: ReminderRun, row: ReminderEmail) -> EmailMessage:
    reminder = row.reminder
    to = address(reminder.family)
    if not to:
        raise ValueError("La famille n'a plus d'adresse e-mail : postez son courrier.")
    row.email = to  # the family's address of today: a corrected one is used when sending again
    title = "Dernier rappel" if reminder.last else "Rappel"
    message = mail.compose(to, f"{title} n° {reminder.rank} · {reminder.number} · {run.regie.name}",
                           "reminders/email.txt", reminder=reminder, regie=run.regie, title=title,
                           text=email_text(reminder.level))
    message.add_attachment(documents.render_letters(run, [reminder]), maintype="application", subtype="pdf",
                           filename=documents.letter_filename(reminder))
    return message


@jobs.register(KIND, "Envoi des relances par e-mail", "counter.manage", _run_page)
def send_emails(job: Job) -> str:
    """E-mail each reminder of the run that has not left, its letter attached."""
    run = _run_of(job)
    waiting = unsent(run.id)
    job.total = len(waiting)
    db.session.commit()

    def keep(row: ReminderEmail, error: str) -> None:
        row.job_id, row.error, row.at = job.id, error, utcnow()
        row.status = ReminderEmailStatus.FAILED if error else ReminderEmailStatus.SENT

    sent, failed = mail.send_in_groups(job, waiting, lambda row: _message(run, row), keep)
    paper = db.session.scalar(sa.select(sa.func.count()).where(Reminder.run_id == run.id,
                                                               Reminder.channel == ReminderChannel.PAPER))
    summary = f"{sent} relance(s) envoyée(s) par e-mail, {failed} échec(s), {paper} courrier(s) à poster."
    record("notify", "reminder_run", run, {"envoi": [None, summary]}, organisation_id=job.organisation_id)
    return summary


@jobs.register(ZIP_KIND, "ZIP des courriers de relance", "counter.view", _run_page)
def zip_letters(job: Job) -> str:
    run = _run_of(job)
    job.total = db.session.scalar(sa.select(sa.func.count()).where(Reminder.run_id == run.id))
    db.session.commit()
    jobs.write_result(job, file_name("relances", run.reference_date.isoformat(), run.regie.name, str(run.id),
                                     extension="zip"),
                      lambda path, progress: documents.write_letters_zip(run, path, progress))
    return f"{job.total} courrier(s) prêts à télécharger."
