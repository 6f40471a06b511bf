"""Outgoing mail: one SMTP setting for the web server and the job runner, and messages that leave only once the
transaction that decided them has committed (an invitation rolled back is never sent)."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Sequence
from typing import TypeVar
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP

from flask import current_app, render_template

from webapp import db
from webapp.jobs.models import Job
from webapp.jobs.queue import huey
from webapp.jobs.services import beat

T = TypeVar("T")


def link(endpoint: str, **values: object) -> str:
    """An address for an e-mail: the configured BASE_URL, whatever host the request that sends it claims."""
    # Bound by hand: a job (an invoice's PDF) has no request to build the path from.
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def compose(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(render_template(template, **context))
    return message


def send_after_commit(message: EmailMessage) -> None:
    """Handed to the job runner when the session commits: the request never waits for the mail server, and
    whether a message leaves (an account exists or not) takes no visible time."""
    data = message.as_bytes(policy=SMTP)
    db.after_commit(lambda: deliver_later(data))


def connect() -> smtplib.SMTP:
    config = current_app.config
    connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
    if config["MAIL_USE_TLS"]:
        connection.starttls()
    if config["MAIL_USERNAME"]:
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return connection


def deliver(data: bytes) -> None:
    with connect() as connection:
        connection.send_message(message_from_bytes(data, policy=SMTP))


@huey.task(retries=5, retry_delay=60)  # a mail server down for a few minutes loses nothing
def deliver_later(data: bytes) -> None:
    """The job runner's side: one message, as queued."""
    deliver(data)


def reason(problem: Exception) -> str:
    """Why a message did not leave, as an agent reads it: the server's answer rather than Python's repr."""
    def text(answer: bytes | str) -> str:
        return answer.decode(errors="replace") if isinstance(answer, bytes) else answer

    if isinstance(problem, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"adresse {to} refusée par le serveur : {code} {text(answer)}"
                         for to, (code, answer) in problem.recipients.items())
    if isinstance(problem, smtplib.SMTPResponseException):
        return f"refusé par le serveur : {problem.smtp_code} {text(problem.smtp_error)}"
    return str(problem)


def send_in_groups(job: Job, items: Sequence[T], message: Callable[[T], EmailMessage],
                      outcome: Callable[[T, str], None]) -> tuple[int, int]:
    """A job's e-mails, one per item, in groups of NOTIFY_GROUP_SIZE over one connection, NOTIFY_GROUP_PAUSE
    seconds apart (mail servers throttle). `outcome` hears each item's error ("" when it left) and records it;
    each group ends with the progress committed, so a restarted job goes on after it. Returns (sent, failed)."""
    size, pause = current_app.config["NOTIFY_GROUP_SIZE"], current_app.config["NOTIFY_GROUP_PAUSE"]
    sent = failed = 0
    for start in range(0, len(items), size):
        if start:
            time.sleep(pause)
        with connect() as connection:
            for item in items[start:start + size]:
                error = ""
                try:
                    connection.send_message(message(item))
                except (smtplib.SMTPException, OSError, ValueError) as problem:  # this address, not the others
                    error = reason(problem)
                outcome(item, error)
                sent, failed = sent + (not error), failed + bool(error)
                job.done += 1
        beat(job)
    return sent, failed
