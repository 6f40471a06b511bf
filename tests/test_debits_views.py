"""The direct-debit pages: a mandate typed on the family's page, the run of a numbered lot prepared, built,
transmitted and validated once, a pain.002 read, and the invoice due again."""

import io
from datetime import date, timedelta

import sqlalchemy as sa
from regie_sepa.rules import add_months

from tests.counter_world import attend, bill, count
from tests.test_debits import IBAN, _pain002
from webapp.auth.models import Role
from webapp.counter.models import Payment
from webapp.debits.models import DebitRun, Mandate, RunStatus
from webapp.invoicing.models import Invoice, Settlement


def test_whole_path_through_the_pages(world, login, make_user, session):
    client = login(make_user(world.org, Role.REGISSEUR))
    base = f"/o/{world.org.id}/prelevements"
    page = client.get(f"/o/{world.org.id}/familles/{world.family.id}").get_data(as_text=True)
    assert "Nouveau mandat" in page
    response = client.post_form(f"{base}/familles/{world.family.id}/regies/{world.regie.id}/mandat", {
        "holder": "Mme Bernard", "iban": IBAN, "signed_on": "2026-09-01", "signed_at": "Marville",
        "town": "Marville", "country": "FR"})
    assert response.status_code == 303, response.get_data(as_text=True)
    mandate = session.scalar(sa.select(Mandate))
    assert mandate.reference == "RUM-000000001"
    attend(world.child, world.canteen, 10, 1, 2)
    invoice = bill(world, 10)[world.family.id]
    batch_page = client.get(f"/o/{world.org.id}/facturation/lots/{invoice.batch_id}").get_data(as_text=True)
    assert "préparer les prélèvements" in batch_page
    form = client.get(f"{base}/lots/{invoice.batch_id}/preparer").get_data(as_text=True)
    assert "FIRST" in form
    response = client.post_form(f"{base}/lots/{invoice.batch_id}/preparer", {"reason": "Cantine octobre"})
    assert response.status_code == 303, response.get_data(as_text=True)
    run = session.scalar(sa.select(DebitRun))
    url = f"{base}/{run.id}"
    assert client.post_form(f"{url}/fichiers").status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "PRELEV_FIRST.XML" in page and "1 prélèvement(s)" in page
    run = session.get(DebitRun, run.id)
    file_id, message_id = run.files[0].id, run.files[0].message_id
    assert client.get(f"{base}/fichiers/{file_id}").data.startswith(b"<?xml")
    assert client.post_form(f"{url}/transmis").status_code == 303
    once = client.once()
    assert client.post_form(f"{url}/valider", {"once": once}).status_code == 303
    assert client.post_form(f"{url}/valider", {"once": once}).status_code == 303  # the same form twice
    run, invoice = session.get(DebitRun, run.id), session.get(Invoice, invoice.id)
    assert run.status is RunStatus.VALIDATED and count(session, Payment) == 1
    assert invoice.settlement is Settlement.PAID
    report = _pain002(message_id, invoice.number, "AM04")
    response = client.post(f"{url}/rejets", data={"csrf_token": client.csrf_token, "once": client.once(),
                                                  "file": (io.BytesIO(report), "pain002.xml")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Invoice, invoice.id).settlement is Settlement.UNPAID
    assert "Provision insuffisante" in client.get(url).get_data(as_text=True)


def test_an_agent_sees_but_does_not_run(world, login, make_user):
    client = login(make_user(world.org, Role.AGENT))
    attend(world.child, world.canteen, 10, 1)
    invoice = bill(world, 10)[world.family.id]
    assert client.get(f"/o/{world.org.id}/prelevements/").status_code == 200
    assert client.get(f"/o/{world.org.id}/prelevements/lots/{invoice.batch_id}/preparer").status_code == 403


def test_mandate_form_errors_name_the_field(world, login, make_user, session):
    client = login(make_user(world.org, Role.REGISSEUR))
    response = client.post_form(f"/o/{world.org.id}/prelevements/familles/{world.family.id}/regies/{world.regie.id}"
                                "/mandat", {"holder": "X", "iban": "FR76 0000", "signed_on": date.today().isoformat()})
    assert response.status_code == 422 and "IBAN invalide" in response.get_data(as_text=True)


def test_documents_are_pdfs(world, login, make_user, session):
    from tests.test_debits import ready, sign
    from pypdf import PdfReader

    client = login(make_user(world.org, Role.REGISSEUR))
    mandate = sign(world)
    attend(world.child, world.canteen, 10, 1, 2)
    run = ready(bill(world, 10)[world.family.id].batch, session)
    base = f"/o/{world.org.id}/prelevements"
    texts = {}
    for name, url in (("mandate", f"{base}/mandats/{mandate.id}/pdf"), ("list", f"{base}/{run.id}/liste.pdf"),
                      ("slip", f"{base}/fichiers/{run.files[0].id}/bordereau.pdf")):
        response = client.get(url)
        assert response.mimetype == "application/pdf", name
        texts[name] = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "RUM-000000001" in texts["mandate"] and "8 semaines" in texts["mandate"]
    assert "FR72ZZZ123456" in texts["mandate"] or "ICS" in texts["mandate"]
    assert "8,00" in texts["list"] and "8,00" in texts["slip"] and run.files[0].sha256 in "".join(texts["slip"].split())


def test_home_counts_lapsing_mandates(world, login, make_user):
    from tests.test_debits import sign

    sign(world, signed_on=add_months(date.today(), -36) + timedelta(days=20))  # never used: lapses in 20 days
    page = login(make_user(world.org, Role.AGENT)).get(f"/o/{world.org.id}/").get_data(as_text=True)
    assert "Mandats de prélèvement caducs" in page


def test_rollback_is_previewed_then_confirmed_with_its_reason(world, login, make_user, session):
    from tests.test_debits import ready, sign

    client = login(make_user(world.org, Role.REGISSEUR))
    sign(world)
    attend(world.child, world.canteen, 10, 1, 2)
    invoice = bill(world, 10)[world.family.id]
    run = ready(invoice.batch, session)
    url = f"/o/{world.org.id}/prelevements/{run.id}/annulation"
    assert "seuls des prélèvements validés" in client.get(url).get_data(as_text=True)
    assert client.post_form(f"/o/{world.org.id}/prelevements/{run.id}/valider").status_code == 303
    preview = client.get(url).get_data(as_text=True)
    assert "RUM-000000001" in preview and invoice.number in preview
    response = client.post_form(url, {"reason": ""})
    assert response.status_code == 422 and "Indiquez la raison" in response.get_data(as_text=True)
    assert client.post_form(url, {"reason": "Fichier jamais pris par la banque"}).status_code == 303
    assert session.get(Invoice, invoice.id).settlement is Settlement.UNPAID
    assert session.get(DebitRun, run.id).status is RunStatus.ROLLED_BACK
    assert session.get(Mandate, session.get(DebitRun, run.id).collected[0].mandate_id).last_collection_date is None
