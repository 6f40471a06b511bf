"""The billing screens: tariffs, the attendance grid through htmx, a period, compute, number, export."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from webapp.attendance.models import Attendance, Presence
from webapp.attendance.services import set_attendance
from webapp.auth.models import Role
from webapp.families.services import add_child
from webapp.invoicing import documents
from webapp.invoicing.models import Batch, BatchStatus, Invoice
from webapp.invoicing.services import compute_batch, create_period, export_batch, number_batch
from webapp.jobs.models import Job
from webapp.jobs.queue import huey
from webapp.jobs.services import perform
from webapp.tariffs.models import Tariff


def test_tariff_conflict_is_refused_naming_the_other_tariff(login, make_user, make_org, make_regie, make_activity,
                                                           make_tariff, session):
    org = make_org()
    activity = make_activity(make_regie(org), name="Cantine")
    make_tariff(activity, label="Repas tous QF", price=Decimal("3.00"))
    client = login(make_user(org, Role.REGISSEUR))
    response = client.post_form(f"/o/{org.id}/activites/{activity.id}/tarifs/nouveau", {
        "label": "Repas QF bas", "valid_from": "2026-03-01", "qf_max": "500", "mode": "unitaire", "price": "1,50"})
    assert response.status_code == 422
    assert "« Repas tous QF » (du 01/01/2026)" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Tariff)) == 1


def test_a_new_school_year_price_ends_the_old_tariff_the_day_before(login, make_user, make_org, make_regie,
                                                                    make_activity, make_tariff, session):
    org = make_org()
    activity = make_activity(make_regie(org))
    old = make_tariff(activity, label="Repas", price=Decimal("3.00"))
    client = login(make_user(org))
    response = client.post_form(f"/o/{org.id}/activites/{activity.id}/tarifs/{old.id}/nouveau-prix",
                                {"starts_on": "2026-09-01", "price": "3,10"})
    assert response.status_code == 303, response.get_data(as_text=True)
    tariffs = session.scalars(sa.select(Tariff).order_by(Tariff.valid_from)).all()
    assert [(t.valid_from, t.valid_to, t.price) for t in tariffs] == [
        (date(2026, 1, 1), date(2026, 8, 31), Decimal("3.00")), (date(2026, 9, 1), None, Decimal("3.10"))]


def test_the_grid_saves_a_row_through_htmx(login, make_user, make_org, make_regie, make_activity, make_family,
                                           session):
    org = make_org()
    activity = make_activity(make_regie(org), name="Cantine")
    child = add_child(make_family(org), {"last_name": "Dupont", "first_name": "Léo", "school": "École du Bourg",
                                         "school_class": "CP"})
    client = login(make_user(org, Role.AGENT))
    page = client.get(f"/o/{org.id}/pointage/?activity_id={activity.id}&day=2026-03-02&school_class=CP")
    assert "DUPONT Léo" in page.get_data(as_text=True)
    response = client.post(f"/o/{org.id}/pointage/?activity_id={activity.id}&day=2026-03-02",
                           data={f"presence-{child.id}": "present"},
                           headers={"HX-Request": "true", "X-CSRFToken": client.csrf_token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.startswith(f'<tr id="row-{child.id}"') and "Enregistré" in html
    attendance = session.scalar(sa.select(Attendance))
    assert (attendance.day, attendance.presence) == (date(2026, 3, 2), Presence.PRESENT)


def test_the_whole_billing_cycle_through_the_screens(login, make_user, make_org, make_regie, make_activity,
                                                     make_tariff, make_family, session):
    org = make_org()
    regie = make_regie(org, invoice_prefix="CANT")
    activity = make_activity(regie, name="Cantine")
    make_tariff(activity, label="Repas", price=Decimal("3.20"))
    child = add_child(make_family(org, last_name="Durand"), {"last_name": "Durand", "first_name": "Lina"})
    for day in (2, 3, 5):
        set_attendance(child, activity, date(2026, 3, day), Presence.PRESENT)
    client = login(make_user(org, Role.REGISSEUR))
    response = client.post_form(f"/o/{org.id}/facturation/periodes/nouvelle", {
        "label": "Mars 2026", "start_date": "2026-03-01", "end_date": "2026-03-31", "invoice_date": "2026-04-02",
        "due_date": "2026-04-30", "regies": [str(regie.id)]})
    assert response.status_code == 303, response.get_data(as_text=True)
    batch = session.scalar(sa.select(Batch))
    base = f"/o/{org.id}/facturation/lots/{batch.id}"
    assert client.post_form(f"{base}/calcul").status_code == 303
    page = client.get(base).get_data(as_text=True)
    assert "non numérotée" in page and "9,60" in page
    invoice = session.scalar(sa.select(Invoice))
    html = client.get(f"/o/{org.id}/facturation/factures/{invoice.id}").get_data(as_text=True)
    assert "Repas" in html and "02/03, 03/03, 05/03" in html and "non numérotée" in html
    assert client.post_form(f"{base}/numerotation").status_code == 303
    assert "CANT-2026-000001" in client.get(base).get_data(as_text=True)
    response = client.post_form(f"{base}/numerotation", follow_redirects=True)
    assert "déjà été numéroté" in response.get_data(as_text=True)
    assert client.post_form(f"{base}/export").status_code == 303
    assert session.get(Batch, batch.id).status is BatchStatus.EXPORTED


ACTIONS = ("Calculer le lot", "Recalculer le lot", "Numéroter les factures", "Envoyer les factures par e-mail",
           "Exporter le lot")


@pytest.fixture
def one_day_batch(make_org, make_regie, make_activity, make_tariff, make_family):
    """March's batch of a régie whose one child came once: the organisation and the batch id."""
    org = make_org()
    regie = make_regie(org)
    activity = make_activity(regie)
    make_tariff(activity, price=Decimal("2.00"))
    child = add_child(make_family(org), {"last_name": "Dupont", "first_name": "Léo"})
    set_attendance(child, activity, date(2026, 3, 2), Presence.PRESENT)
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 30)}, [regie], [])
    return org, period.batches[0].id


def test_the_batch_page_offers_what_its_status_allows(login, make_user, one_day_batch, session):
    org, batch_id = one_day_batch
    client = login(make_user(org, Role.REGISSEUR))

    def offered() -> list[str]:
        page = client.get(f"/o/{org.id}/facturation/lots/{batch_id}").get_data(as_text=True)
        return [action for action in ACTIONS if f"{action}</button>" in page]

    assert offered() == ["Calculer le lot"]
    assert 'class="tag warn">Nouveau' in client.get(f"/o/{org.id}/facturation/").get_data(as_text=True)
    for action, then in ((compute_batch, ["Recalculer le lot", "Numéroter les factures"]),
                         (number_batch, ["Envoyer les factures par e-mail", "Exporter le lot"]),
                         (export_batch, ["Envoyer les factures par e-mail"])):
        action(session.get(Batch, batch_id))
        assert offered() == then


def test_an_agent_enters_attendance_but_does_not_number(login, make_user, make_org, make_regie):
    org = make_org()
    make_regie(org)
    client = login(make_user(org, Role.AGENT))
    assert client.get(f"/o/{org.id}/pointage/").status_code == 200
    assert client.get(f"/o/{org.id}/facturation/periodes/nouvelle").status_code == 403


def test_a_large_batch_is_computed_in_the_background(app, login, make_user, one_day_batch, session):
    org, batch_id = one_day_batch
    client = login(make_user(org, Role.REGISSEUR))
    app.config["COMPUTE_INLINE_LIMIT"] = 0
    try:
        response = client.post_form(f"/o/{org.id}/facturation/lots/{batch_id}/calcul",
                                    follow_redirects=True)
    finally:
        app.config["COMPUTE_INLINE_LIMIT"] = 20_000
    assert "Calcul lancé en arrière-plan" in response.get_data(as_text=True)
    job = session.scalar(sa.select(Job).where(Job.kind == "compute"))
    with app.app_context():
        perform(job.id)
    assert job.message == "1 facture(s) calculée(s)."
    assert session.get(Batch, batch_id).status is BatchStatus.COMPUTED
    huey.flush()


def test_numbering_says_which_families_are_held_and_why(login, make_user, make_org, make_regie, make_activity,
                                                        make_tariff, make_family, session):
    org = make_org()
    regie = make_regie(org)
    canteen = make_activity(regie, name="Cantine")
    make_tariff(canteen, price=Decimal("2.00"))
    care = make_activity(regie, name="Garderie")  # no tariff: whoever came is held
    billed = add_child(make_family(org, last_name="Arnaud"), {"last_name": "Arnaud", "first_name": "Léo"})
    held = add_child(make_family(org, last_name="Bernard"), {"last_name": "Bernard", "first_name": "Zoé"})
    set_attendance(billed, canteen, date(2026, 3, 2), Presence.PRESENT)
    set_attendance(held, care, date(2026, 3, 2), Presence.PRESENT)
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 30)}, [regie], [])
    compute_batch(period.batches[0])
    client = login(make_user(org, Role.REGISSEUR))
    base = f"/o/{org.id}/facturation/lots/{period.batches[0].id}"
    confirm = re.search(r'hx-confirm="(Numéroter[^"]*)"', client.get(base).get_data(as_text=True)).group(1)
    assert "Numéroter 1 facture(s) ? 1 famille(s) en attente" in confirm
    assert "BERNARD Hélène (Aucun tarif « Garderie » pour Zoé BERNARD le 02/03/2026" in html.unescape(confirm)
    done = client.post_form(f"{base}/numerotation", follow_redirects=True).get_data(as_text=True)
    assert "Factures numérotées. 1 famille(s) en attente" in done and "Aucun tarif « Garderie »" in done


def test_a_batch_lists_its_drafts_by_family_and_names_its_documents_after_them(login, make_user, make_org, make_regie,
                                                                               make_activity, make_tariff, make_family,
                                                                               session):
    org = make_org()
    regie = make_regie(org, name="Restauration", invoice_prefix="CANT")
    activity = make_activity(regie)
    make_tariff(activity, price=Decimal("2.00"))
    for last_name in ("Zola", "Arnaud", "Müller"):  # created out of order
        child = add_child(make_family(org, last_name=last_name), {"last_name": last_name, "first_name": "Léo"})
        set_attendance(child, activity, date(2026, 11, 2), Presence.PRESENT)
    period = create_period(org, {"label": "Novembre 2026", "start_date": date(2026, 11, 1),
                                 "end_date": date(2026, 11, 30), "invoice_date": date(2026, 12, 1),
                                 "due_date": date(2026, 12, 31)}, [regie], [])
    batch = period.batches[0]
    (first, *_) = compute_batch(batch)
    draft_name = f"facture-brouillon-novembre-2026-{first.family.label.split()[0].lower()}-helene-{first.family.number}"
    client = login(make_user(org))
    page = client.get(f"/o/{org.id}/facturation/lots/{batch.id}").get_data(as_text=True)
    assert page.index("ARNAUD") < page.index("MÜLLER") < page.index("ZOLA")
    draft = client.get(f"/o/{org.id}/facturation/factures/{first.id}.pdf")
    assert draft.headers["Content-Disposition"] == f"inline; filename={draft_name}.pdf"
    batch = session.get(Batch, batch.id)  # each request ends with its own session
    numbered = {i.family.label: i for i in number_batch(batch)}
    response = client.get(f"/o/{org.id}/facturation/factures/{numbered['MÜLLER Hélène'].id}.pdf")
    assert response.headers["Content-Disposition"] == "inline; filename=facture-cant-2026-000002.pdf"
    assert documents.batch_filename(batch, "pdf", False) == "factures-novembre-2026-restauration.pdf"
    assert documents.batch_filename(batch, "zip", True) == "factures-detaillees-novembre-2026-restauration.zip"
