"""What each country asks an invoice to say, read back from the PDF, and the EPC QR code decoded from its image."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import zxingcpp
from pypdf import PdfReader

from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.families.services import add_child
from webapp.invoicing.models import Invoice
from webapp.invoicing.services import compute_batch, create_period, number_batch


def _invoice(org, regie, make_activity, make_tariff, make_family) -> Invoice:
    """Two canteen meals at 4.50 in March 2026, numbered."""
    canteen = make_activity(regie, name="Cantine", place="École des Tilleuls")
    make_tariff(canteen, price=Decimal("4.50"))
    family = make_family(org)
    child = add_child(family, {"last_name": "Dupont", "first_name": "Léo"})
    for day in (2, 3):
        set_attendance(child, canteen, date(2026, 3, day), Presence.PRESENT)
    period = create_period(org, {"label": "Mars 2026", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 2), "due_date": date(2026, 4, 30)}, [regie], [])
    compute_batch(period.batches[0])
    (invoice,) = number_batch(period.batches[0])
    return invoice


def _pdf(client, org, invoice) -> PdfReader:
    response = client.get(f"/o/{org.id}/facturation/factures/{invoice.id}.pdf")
    assert response.status_code == 200
    return PdfReader(io.BytesIO(response.data))


def _text(pdf: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text() for page in pdf.pages).split()).replace("’", "'")


def _qr_codes(pdf: PdfReader) -> list[list[str]]:
    return [result.text.split("\n") for page in pdf.pages for image in page.images
            for result in zxingcpp.read_barcodes(image.image)]


def test_a_french_invoice_says_who_where_what_and_how_to_pay(login, make_user, make_org, make_regie, make_activity,
                                                            make_tariff, make_family):
    org = make_org()
    regie = make_regie(org, regisseur="Claire Martin")
    invoice = _invoice(org, regie, make_activity, make_tariff, make_family)
    pdf = _pdf(login(make_user(org)), org, invoice)
    text = _text(pdf)
    for mention in (org.name, regie.name, "Régisseur Claire Martin", "Date 02/04/2026", "Lieu École des Tilleuls",
                    "Cantine", "4,50", "9,00", "Échéance 30/04/2026", "SIRET",
                    "Moyens de paiement acceptés : espèces, chèque à l'ordre du Trésor public",
                    "Où payer : au guichet de la régie"):
        assert mention in text, mention
    assert _qr_codes(pdf) == []  # a French régie prints the transfer's QR code only when it asks


def test_a_french_regie_that_takes_transfers_prints_their_qr_code(login, make_user, make_org, make_regie,
                                                                  make_activity, make_tariff, make_family):
    org = make_org()
    regie = make_regie(org, transfer_qr="y", payment_terms="Virement ou chèque, à la mairie.")
    invoice = _invoice(org, regie, make_activity, make_tariff, make_family)
    pdf = _pdf(login(make_user(org)), org, invoice)
    assert "Virement ou chèque, à la mairie." in _text(pdf)
    ((service, version, _charset, kind, bic, name, iban, amount, purpose, reference, text),) = _qr_codes(pdf)
    assert (service, version, kind, bic, iban, amount) == ("BCD", "002", "SCT", "BDFEFRPPCCT",
                                                           "FR7630006000011234567890189", "EUR9")  # segno writes the shortest amount
    assert name == regie.name and (purpose, reference) == ("", "") and text == invoice.number


def test_a_belgian_invoice_carries_the_bce_the_regulation_the_complaint_and_a_qr_code(
        login, make_user, make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org("BE")
    regie = make_regie(org, regulation="Règlement-redevance du 12 mars 2024 relatif aux accueils extrascolaires")
    invoice = _invoice(org, regie, make_activity, make_tariff, make_family)
    pdf = _pdf(login(make_user(org)), org, invoice)
    text = _text(pdf)
    for mention in ("N° d'entreprise 0216754319", "Règlement-redevance du 12 mars 2024",
                    "Toute réclamation est adressée par écrit au Collège communal", invoice.payment_reference):
        assert mention in text, mention
    ((service, version, _charset, kind, bic, name, iban, amount, _purpose, reference, *_),) = _qr_codes(pdf)
    assert (service, version, kind, bic, iban, amount) == ("BCD", "002", "SCT", "GKCCBEBB", "BE09091012234557",
                                                           "EUR9")  # segno writes the shortest amount
    assert name == regie.name
    assert reference == "".join(c for c in invoice.payment_reference if c.isdigit()) and len(reference) == 12


def test_a_paid_invoice_has_no_qr_code(login, make_user, make_org, make_regie, make_activity, make_tariff,
                                       make_family):
    from webapp.counter.services import record_payment
    org = make_org("BE")
    regie = make_regie(org)
    invoice = _invoice(org, regie, make_activity, make_tariff, make_family)
    record_payment(regie, invoice.family, {"mode": "virement", "amount": Decimal("9.00"),
                                           "received_on": date(2026, 4, 10)})
    db.session.flush()
    assert _qr_codes(_pdf(login(make_user(org)), org, invoice)) == []
