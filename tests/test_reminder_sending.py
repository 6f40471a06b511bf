"""How reminders go: by e-mail when the payer has an address (the Belgian delay counted from the day after), else
on paper (from the third working day after posting); the e-mails sent by the job runner in throttled groups, each
one's outcome kept, a second sending sending nothing twice; the letters as a ZIP or only those to post; the
account and the invoice saying how each reminder went."""

import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from webapp.errors import DomainError
from webapp.families.models import Guardian
from webapp.formatting import today
from webapp.jobs.models import Job, JobStatus
from webapp.jobs.queue import huey
from webapp.jobs.services import export_folder, perform, restart
from webapp.organisations.models import Country
from webapp import mail, pdf as html_to
from webapp.families.services import add_child
from webapp.reminders import documents, runs, sending
from webapp.reminders.models import ReminderChannel, ReminderEmail, ReminderEmailStatus

from tests.counter_world import attend, bill
from tests.test_bank import be  # noqa: F401
from tests.test_notifications import Inbox, smtp  # noqa: F401
from tests.test_reminders import chase

D = Decimal


class PickyInbox(Inbox):
    """Refuses the addresses that start with « inconnu »."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook)
        if address.startswith("inconnu"):
            return "550 5.1.1 Adresse inconnue"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def inbox():
    return PickyInbox()


@pytest.fixture
def mixed(world, make_family):
    """March unpaid by four families: Bernard, Claude and Dora have an address (Dora's is refused), Arnaud none."""
    world.family.payer.email = "bernard@example.org"
    world.claude = make_family(world.org, last_name="Claude", email="claude@example.org")
    world.dora = make_family(world.org, last_name="Dora", email="inconnu@example.org")
    children = [world.child, world.other_child] + [
        add_child(family, {"last_name": family.label, "first_name": "Enfant"}) for family in (world.claude, world.dora)]
    for child in children:
        attend(child, world.canteen, 3, 2, 3)
    world.march = bill(world, 3)
    chase(world.regie, D("0"), D("10.00"))
    world.run = runs.open_run(world.regie, {"reference_date": date(2026, 6, 30), "threshold": None})
    world.sent = {r.family_id: r for r in runs.validate(world.run)}
    return world


def send(app, run, kind=sending.KIND):
    with app.app_context():
        return perform(sending.start(run, kind).id)


def test_each_reminder_goes_by_email_when_the_payer_has_an_address_and_the_belgian_delay_follows(be):  # noqa: F811
    be.family.payer.email = "bernard@example.org"
    chase(be.regie, D("0"))
    sent = {r.family_id: r for r in runs.validate(runs.open_run(be.regie, {"reference_date": date(2026, 6, 30)}))}
    by_email, by_post = sent[be.family.id], sent[be.other.id]
    assert (by_email.channel, by_post.channel) == (ReminderChannel.EMAIL, ReminderChannel.PAPER)
    assert by_email.pay_by == today() + timedelta(days=15)  # from the day after the e-mail, + 14
    assert by_post.pay_by == runs.pay_by(Country.BE, today()) > by_email.pay_by - timedelta(days=1)
    assert (by_email.email.email, by_email.email.status) == ("bernard@example.org", ReminderEmailStatus.WAITING)
    assert by_post.email is None
    assert runs.pay_by(Country.BE, date(2026, 12, 4), ReminderChannel.EMAIL) == date(2026, 12, 19)
    assert runs.pay_by(Country.BE, date(2026, 12, 4), ReminderChannel.PAPER) == date(2026, 12, 23)
    assert runs.pay_by(Country.FR, date(2026, 12, 4), ReminderChannel.EMAIL) == runs.pay_by(
        Country.FR, date(2026, 12, 4)) == date(2026, 12, 18)


def test_the_job_emails_each_letter_in_groups_keeps_each_outcome_and_never_sends_twice(app, smtp, mixed, session):  # noqa: F811
    level = mixed.sent[mixed.family.id].level
    level.email_text = "Merci de régulariser rapidement."
    job = send(app, mixed.run)
    assert job.status is JobStatus.DONE and (job.done, job.total) == (3, 3)  # two groups of two at most
    assert job.message == "2 relance(s) envoyée(s) par e-mail, 1 échec(s), 1 courrier(s) à poster."
    assert sorted(m["To"] for m in smtp.messages) == ["bernard@example.org", "claude@example.org"]
    bernard = mixed.sent[mixed.family.id]
    message = next(m for m in smtp.messages if m["To"] == "bernard@example.org")
    assert message["Subject"] == f"Rappel n° 1 · {bernard.number} · {mixed.regie.name}"
    body, attachment = [part for part in message.walk() if not part.is_multipart()]
    text = body.get_content()
    for expected in ("Merci de régulariser rapidement.", "8,00", bernard.payment_reference, f"{bernard.pay_by:%d/%m/%Y}",
                     mixed.march[mixed.family.id].number):
        assert expected in text, expected
    assert attachment.get_filename() == documents.letter_filename(bernard) == (
        f"relance-{bernard.number.lower()}-bernard-helene.pdf")
    assert attachment.get_payload(decode=True).startswith(b"%PDF")
    statuses = {row.reminder.family_id: row for row in session.scalars(sa.select(ReminderEmail))}
    assert statuses[mixed.family.id].status is ReminderEmailStatus.SENT and statuses[mixed.family.id].at
    refused = statuses[mixed.dora.id]
    assert refused.status is ReminderEmailStatus.FAILED
    assert refused.error == "adresse inconnu@example.org refusée par le serveur : 550 5.1.1 Adresse inconnue"
    # The address corrected, sending again sends only Dora's.
    session.execute(sa.update(Guardian).where(Guardian.family_id == mixed.dora.id).values(email="dora@example.org"))
    again = send(app, mixed.run)
    assert (again.total, again.message) == (1, "1 relance(s) envoyée(s) par e-mail, 0 échec(s), 1 courrier(s) à poster.")
    assert sorted(m["To"] for m in smtp.messages) == ["bernard@example.org", "claude@example.org", "dora@example.org"]
    assert session.get(ReminderEmail, refused.id, populate_existing=True).status is ReminderEmailStatus.SENT
    with pytest.raises(DomainError, match="déjà parties"):
        sending.start(mixed.run, sending.KIND)


def test_a_sending_cut_short_goes_on_where_it_stopped(app, smtp, mixed, monkeypatch):  # noqa: F811
    connect, calls = mail.connect, []

    def down_for_the_second_group():
        calls.append(1)
        if len(calls) == 2:
            raise OSError("Connexion refusée")
        return connect()

    monkeypatch.setattr(mail, "connect", down_for_the_second_group)
    job = send(app, mixed.run)
    assert (job.status, job.done, len(smtp.messages)) == (JobStatus.FAILED, 2, 2)  # Bernard and Claude left
    with app.app_context():
        again = perform(restart(job).id)
    assert (again.status, again.total, len(smtp.messages)) == (JobStatus.DONE, 1, 2)  # Dora's only, refused
    assert again.message == "0 relance(s) envoyée(s) par e-mail, 1 échec(s), 1 courrier(s) à poster."


def test_one_sending_at_a_time_and_a_draft_is_not_sent(app, mixed, session):
    with app.app_context():
        first = sending.start(mixed.run, sending.KIND)
        with pytest.raises(DomainError, match="déjà en cours"):
            sending.start(mixed.run, sending.KIND)
        sending.start(mixed.run, sending.ZIP_KIND)  # another kind of job on the run
        draft = runs.open_run(mixed.regie, {"reference_date": date(2026, 7, 30), "threshold": None})
        with pytest.raises(DomainError, match="Validez"):
            sending.start(draft, sending.ZIP_KIND)
    assert first.source == f"reminder_run:{mixed.run.id}"
    huey.flush()


def test_letters_as_a_zip_and_only_those_to_post(app, mixed, monkeypatch):
    job = send(app, mixed.run, sending.ZIP_KIND)
    assert (job.status, job.done, job.message) == (JobStatus.DONE, 4, "4 courrier(s) prêts à télécharger.")
    with app.test_request_context():
        archive = zipfile.ZipFile(export_folder() / job.result)
        reminders = sorted(mixed.sent.values(), key=lambda r: r.sequence)
        assert archive.namelist() == [documents.letter_filename(r) for r in reminders]
        assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())
        rendered = []
        monkeypatch.setattr(documents, "html_to_pdf", lambda html: rendered.append(html) or html_to.html_to_pdf(html))
        assert documents.letters_pdf(mixed.run, ReminderChannel.PAPER).startswith(b"%PDF")
    (html,) = rendered
    assert mixed.sent[mixed.other.id].number in html and mixed.sent[mixed.family.id].number not in html
    assert "Contact pour toute question ou contestation" in html and mixed.regie.name in html


def test_a_belgian_emailed_letter_counts_its_delay_from_the_day_after(be, app, monkeypatch):  # noqa: F811
    be.family.payer.email = "bernard@example.org"
    chase(be.regie, D("0"))
    run = runs.open_run(be.regie, {"reference_date": date(2026, 6, 30)})
    runs.validate(run)
    rendered = []
    monkeypatch.setattr(documents, "html_to_pdf", lambda html: rendered.append(html) or html_to.html_to_pdf(html))
    with app.test_request_context():
        documents.letters_pdf(run)
    (html,) = rendered
    assert "à compter du lendemain de l’envoi de ce rappel par e-mail" in html
    assert "à compter du troisième jour ouvrable suivant l’envoi de ce rappel" in html  # Arnaud's, posted


def test_the_screens_send_list_the_paper_ones_and_say_how_each_went(app, smtp, mixed, login, make_user,  # noqa: F811
                                                                     session):
    client = login(make_user(mixed.org))
    base = f"/o/{mixed.org.id}/relances/{mixed.run.id}"
    page = client.get(base).text
    assert "À poster : familles sans adresse e-mail (1)" in page and "ARNAUD" in page
    assert "Envoyer 3 relance(s) par e-mail" in page and "en attente" in page
    assert client.get(f"{base}/courriers-a-poster.pdf").data.startswith(b"%PDF")
    before = huey.pending_count()
    assert "ZIP des courriers lancé" in client.post_form(f"{base}/lettres.zip", follow_redirects=True).text
    assert huey.pending_count() == before + 1
    before = huey.pending_count()
    response = client.post_form(f"{base}/envoi", follow_redirects=True)
    assert "Envoi des e-mails lancé" in response.text and huey.pending_count() == before + 1
    job = session.scalars(sa.select(Job).where(Job.kind == sending.KIND)).one()
    assert f'id="job-{job.id}"' in response.text and "Envoyer 3 relance(s)" not in response.text
    huey.flush()
    with app.app_context():
        perform(job.id)
    page = client.get(base).text
    assert "envoyé le" in page and "échec (" in page and "Envoyer 1 relance(s) par e-mail" in page
    account = client.get(f"/o/{mixed.org.id}/caisse/familles/{mixed.family.id}/regies/{mixed.regie.id}/compte").text
    assert "E-mail :" in account and "envoyé le" in account and "bernard@example.org" in account
    invoice = client.get(f"/o/{mixed.org.id}/facturation/factures/{mixed.march[mixed.other.id].id}").text
    assert "Relances envoyées" in invoice and "<td>Courrier</td>" in invoice


def test_another_organisation_gets_404(mixed, login, make_user, make_org):
    stranger = make_org()
    client = login(make_user(stranger))
    for org_id in (stranger.id, mixed.org.id):
        base = f"/o/{org_id}/relances/{mixed.run.id}"
        assert client.get(f"{base}/courriers-a-poster.pdf").status_code == 404
        for tail in ("lettres.zip", "envoi"):
            assert client.post_form(f"{base}/{tail}").status_code == 404, tail


def test_a_draft_has_no_letters_yet(mixed, login, make_user):
    draft = runs.open_run(mixed.regie, {"reference_date": date(2026, 7, 30), "threshold": None})
    client = login(make_user(mixed.org))
    base = f"/o/{mixed.org.id}/relances/{draft.id}"
    assert client.get(f"{base}/courriers-a-poster.pdf").status_code == 404
    for tail in ("lettres.zip", "envoi"):
        assert client.post_form(f"{base}/{tail}").status_code == 404


def test_a_levels_email_text_is_edited_in_its_form(mixed, login, make_user, session):
    level = mixed.sent[mixed.family.id].level
    client = login(make_user(mixed.org))
    url = f"/o/{mixed.org.id}/relances/niveaux/{level.id}"
    assert "Sauf erreur de notre part" in client.get(url).text  # the default, shown greyed
    assert client.post_form(url, {"rank": "1", "delay_days": "10", "after_previous": "", "minimum_amount": "5,00",
                                  "fee": "0", "email_text": "Merci de régulariser."}).status_code in (302, 303)
    assert session.get(type(level), level.id, populate_existing=True).email_text == "Merci de régulariser."


def test_validating_on_the_page_sends_the_emails_of_letters_dated_today(world, login, make_user, session):
    world.family.payer.email = "bernard@example.org"
    attend(world.child, world.canteen, 3, 2, 3)
    bill(world, 3)
    chase(world.regie, D("0"))
    today_run = runs.open_run(world.regie, {"reference_date": date(2026, 6, 30)})
    session.commit()
    client = login(make_user(world.org))
    before = huey.pending_count()
    client.post_form(f"/o/{world.org.id}/relances/{today_run.id}/validation")
    job = session.scalars(sa.select(Job).where(Job.kind == sending.KIND)).one()
    assert job.source == f"reminder_run:{today_run.id}" and huey.pending_count() == before + 1
    huey.flush()


def test_the_emails_of_letters_dated_later_wait_for_their_day(world, session):
    world.family.payer.email = "bernard@example.org"
    attend(world.child, world.canteen, 3, 2, 3)
    bill(world, 3)
    chase(world.regie, D("0"))
    later = today() + timedelta(days=3)
    run = runs.open_run(world.regie, {"reference_date": date(2026, 6, 30), "reminder_date": later})
    (sent,) = [r for r in sending.send_when_due(run, runs.validate(run)) if r.family_id == world.family.id]
    assert sent.sent_on == later and session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
    with pytest.raises(DomainError, match=f"datées du {later:%d/%m/%Y}"):
        sending.start(run, sending.KIND)
