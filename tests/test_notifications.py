"""Invoices e-mailed to families by the job runner, received by a real local SMTP server."""

import email
import email.policy
import socket
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.families.services import add_child
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.invoicing.models import InvoiceNotice
from webapp.jobs.models import Job, JobStatus
from webapp.jobs.queue import huey
from webapp.invoicing.jobs import start as start_job
from webapp.jobs.services import perform


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def inbox():
    """What the SMTP server accepts (a test may put a pickier one in its place)."""
    return Inbox()


@pytest.fixture
def smtp(app, inbox):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "NOTIFY_GROUP_SIZE", "NOTIFY_GROUP_PAUSE")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, NOTIFY_GROUP_SIZE=2, NOTIFY_GROUP_PAUSE=0.01)
    yield inbox
    app.config.update(saved)
    controller.stop()


@pytest.fixture
def numbered_batch(make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org()
    regie = make_regie(org, invoice_prefix="MAIL", name="Restauration scolaire")
    activity = make_activity(regie, name="Cantine")
    make_tariff(activity, label="Repas", price=Decimal("3.00"))
    for n, mail in enumerate(("anne@example.org", "paul@example.org", "lea@example.org", "")):
        child = add_child(make_family(org, last_name=f"Famille{n}", email=mail),
                          {"last_name": f"Famille{n}", "first_name": "Enfant"})
        set_attendance(child, activity, date(2026, 3, 2), Presence.PRESENT)
    period = create_period(org, {"label": "Mars 2026", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 2), "due_date": date(2026, 4, 30)}, [regie], [])
    batch = period.batches[0]
    compute_batch(batch)
    number_batch(batch)
    return batch


def test_each_family_receives_its_invoice_in_groups_and_the_paper_ones_are_listed(app, smtp, numbered_batch,
                                                                                 session):
    with app.app_context():
        job = start_job("notify", numbered_batch)
        perform(job.id)
    assert job.status is JobStatus.DONE and (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.message == "3 e-mail(s) envoyé(s), 0 échec(s), 1 famille(s) sans e-mail à imprimer."
    assert sorted(m["To"] for m in smtp.messages) == ["anne@example.org", "lea@example.org", "paul@example.org"]
    message = next(m for m in smtp.messages if m["To"] == "anne@example.org")
    assert message["Subject"] == "Votre facture MAIL-2026-000001 · Restauration scolaire"
    body, attachment = [part for part in message.walk() if not part.is_multipart()]
    assert "3,00" in body.get_content() and "30/04/2026" in body.get_content()
    assert attachment.get_filename() == "facture-mail-2026-000001.pdf"
    assert attachment.get_payload(decode=True).startswith(b"%PDF")
    notices = session.scalars(sa.select(InvoiceNotice)).all()
    assert len(notices) == 3 and all(n.sent for n in notices)
    # Sending again sends nothing twice.
    with app.app_context():
        again = perform(start_job("notify", numbered_batch).id)
    assert again.total == 0 and len(smtp.messages) == 3


def test_an_unreachable_mail_server_marks_the_job_failed(app, numbered_batch):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    try:
        with app.app_context():
            job = perform(start_job("notify", numbered_batch).id)
    finally:
        app.config.update(MAIL_SERVER="localhost", MAIL_PORT=25)
    assert job.status is JobStatus.FAILED and job.message.startswith("Échec")


def test_the_button_queues_the_job_and_the_page_shows_its_progress(login, make_user, numbered_batch, session):
    org_id = numbered_batch.period.organisation_id
    client = login(make_user(numbered_batch.period.organisation))
    before = huey.pending_count()
    response = client.post_form(f"/o/{org_id}/facturation/lots/{numbered_batch.id}/envoi", follow_redirects=True)
    assert "Envoi des factures lancé" in response.get_data(as_text=True)
    assert huey.pending_count() == before + 1
    job = session.scalar(sa.select(Job))
    fragment = client.get(f"/o/{org_id}/travaux/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<div id="job-{job.id}"') and 'hx-trigger="every 1s"' in fragment
    again = client.post_form(f"/o/{org_id}/facturation/lots/{numbered_batch.id}/envoi", follow_redirects=True)
    assert "déjà en cours" in again.get_data(as_text=True)
    huey.flush()
