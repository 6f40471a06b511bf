"""The invoice PDF: its text read back with pypdf, and its numbers adding up."""

import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from pypdf import PdfReader

from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.families.models import Family
from webapp.families.services import add_child
from webapp.invoicing.models import Batch, Invoice
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.jobs.models import Job
from webapp.jobs.queue import huey
from webapp.invoicing import notices
from webapp.invoicing.jobs import start as start_job
from webapp.jobs.services import perform

MONEY = re.compile(r"(-?\d[\d\u00a0\u202f ]*,\d\d)\s*€")


def _amount(text: str) -> Decimal:
    return Decimal(text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", "."))


def _billed_batch(org, regie, activity, make_family):
    for n, first_name in enumerate(("Léo", "Zoé")):
        family = make_family(org, last_name=f"Famille{n}", address_line1="1 rue des Écoles", postcode="38190",
                             city="Froges")
        child = add_child(family, {"last_name": f"Famille{n}", "first_name": first_name})
        for day in (2, 3, 5, 6)[: 2 + n * 2]:
            set_attendance(child, activity, date(2026, 3, day), Presence.PRESENT)
    period = create_period(org, {"label": "Mars 2026", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 2), "due_date": date(2026, 4, 30)}, [regie], [])
    compute_batch(period.batches[0])
    return period.batches[0]


def test_the_pdf_says_what_the_invoice_says_and_adds_up(login, make_user, make_org, make_regie, make_activity,
                                                        make_tariff, make_family, session):
    org = make_org()
    regie = make_regie(org, invoice_prefix="CANT", name="Restauration scolaire")
    activity = make_activity(regie, name="Cantine")
    make_tariff(activity, label="Repas", price=Decimal("1234.56"))  # a price with a thousands separator
    batch = _billed_batch(org, regie, activity, make_family)
    (first, second) = number_batch(batch)
    client = login(make_user(org))
    response = client.get(f"/o/{org.id}/facturation/factures/{second.id}.pdf?detail=1")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert second.number in text and "Restauration scolaire" in text and "Famille n°" in text
    assert "Exercice" in text and "2026" in text and "30/04/2026" in text and "Mars 2026" in text
    assert "02/03, 03/03, 05/03, 06/03" in text
    amounts = [_amount(m) for m in MONEY.findall(text)]
    # unit price, line amount, total: the line is price × quantity and the total is the sum of the lines.
    assert amounts[:3] == [Decimal("1234.56"), Decimal("4938.24"), Decimal("4938.24")]
    assert amounts[1] == amounts[0] * 4 and second.total == amounts[2]


def test_a_whole_batch_as_one_pdf_or_a_zip_prepared_in_the_background(app, login, make_user, make_org, make_regie,
                                                                     make_activity, make_tariff, make_family, session):
    org = make_org()
    regie = make_regie(org)
    activity = make_activity(regie)
    make_tariff(activity, price=Decimal("3.00"))
    batch = _billed_batch(org, regie, activity, make_family)
    client = login(make_user(org))
    response = client.post_form(f"/o/{org.id}/facturation/lots/{batch.id}/documents/pdf", follow_redirects=True)
    assert "Préparation lancée" in response.get_data(as_text=True)
    job = session.scalar(sa.select(Job).where(Job.kind == "pdf"))
    with app.app_context():
        perform(job.id)
        zip_job = perform(start_job("zip", batch).id)
    html = client.get(f"/o/{org.id}/facturation/lots/{batch.id}").get_data(as_text=True)
    assert "Télécharger" in html and (job.done, job.total) == (2, 2)
    with client.get(f"/o/{org.id}/travaux/{job.id}/fichier") as response:  # a streamed file: close it
        pdf = response.data
        disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=factures-brouillons-mars-2026-regie-{regie.name.split()[-1]}.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert text.count("NON NUMÉROTÉE") == 2 and text.index("FAMILLE0") < text.index("FAMILLE1")
    with client.get(f"/o/{org.id}/travaux/{zip_job.id}/fichier") as response:
        archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    families = session.scalars(sa.select(Family).order_by(Family.label)).all()
    assert names == [f"facture-brouillon-mars-2026-famille{n}-helene-{f.number}.pdf" for n, f in enumerate(families)]
    assert session.scalar(sa.select(sa.func.count()).select_from(Batch)) == 1
    huey.flush()


def test_no_invoice_promises_a_direct_debit_while_none_can_be_made(app, login, make_user, make_org, make_regie,
                                                                  make_activity, make_tariff, make_family, session):
    """A family that asked to pay by direct debit has no mandate yet: its invoice and e-mail ask for a payment."""
    org = make_org()
    regie = make_regie(org)
    activity = make_activity(regie)
    make_tariff(activity, price=Decimal("3.00"))
    family = make_family(org, direct_debit=True, email="famille@example.org")
    set_attendance(add_child(family, {"last_name": "Dupont", "first_name": "Léo"}), activity, date(2026, 3, 2),
                   Presence.PRESENT)
    period = create_period(org, {"label": "Mars 2026", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 2), "due_date": date(2026, 4, 30),
                                 "debit_date": date(2026, 4, 10)}, [regie], [])
    compute_batch(period.batches[0])
    (invoice,) = number_batch(period.batches[0])
    client = login(make_user(org))
    pdf = client.get(f"/o/{org.id}/facturation/factures/{invoice.id}.pdf").data
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "À régler avant le 30/04/2026." in " ".join(text.split()) and "prélev" not in text
    invoice = session.get(Invoice, invoice.id)  # the request closed the session it was loaded in
    with app.test_request_context():
        body = notices._message(invoice).get_body(("plain",)).get_content()
    assert "prélev" not in body and invoice.payment_reference in body
