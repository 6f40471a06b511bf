"""Every PDF of the app, filled to the widths its data reaches (long names, long numbers, six-digit amounts),
read back glyph by glyph: no glyph lies over another, none leaves the page, every long value is printed whole."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pdfplumber
import pytest

from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.auth.models import Role
from webapp.counter import closings, services, slips
from webapp.counter.models import PaymentMode
from webapp.families.services import add_child
from webapp.formatting import today
from webapp.invoicing.services import compute_batch, create_period, number_batch

D = Decimal
LAST_NAME = "de La Tour d'Auvergne-Lauraguais-Montmorency"  # with the first name, a 60-character family label
FIRST_NAME = "Marie-Éléonore"
CHEQUE = "12345678901234567890"  # the longest cheque number the form takes
BANK = "Caisse régionale de Crédit Agricole mutuel Sud Rhône-Alpes"
HOLDER = "M. et Mme de La Tour d'Auvergne-Lauraguais-Montmorency"
BIG = D("123456.78")


@pytest.fixture
def wide(make_org, make_regie, make_activity, make_tariff, make_family, make_user):
    """A régie whose every printed value is as long as it gets: a 10-letter prefix, a 60-character family,
    six-digit amounts, a cheque with the longest number, a cancelled cash payment and a closed day."""
    org = make_org(name="Syndicat intercommunal à vocation scolaire de la vallée du Grésivaudan")
    regie = make_regie(org, invoice_prefix="RESTAURATI",
                       name="Régie de recettes de la restauration scolaire et des accueils périscolaires",
                       address_line="Hôtel de la communauté de communes, 390 rue Henri-Fabre", city="Crolles",
                       postcode="38920")
    canteen = make_activity(regie, name="Accueil périscolaire du mercredi après-midi (centre de loisirs)")
    make_tariff(canteen, label="Journée complète avec repas, goûter et sortie", price=D("6172.84"))
    family = make_family(org, last_name=LAST_NAME, first_name=FIRST_NAME, number="2026-00012345",
                         address_line1="Résidence « Les Jardins de la Vallée », bâtiment C, escalier 4",
                         address_line2="1234 avenue du Maréchal-de-Lattre-de-Tassigny", postcode="38190",
                         city="Saint-Martin-d'Uriage-les-Bains")
    child = add_child(family, {"last_name": LAST_NAME, "first_name": "Jean-Baptiste-Alexandre"})
    for day in [d for d in range(2, 28) if date(2026, 3, d).weekday() < 5]:  # twenty open days
        set_attendance(child, canteen, date(2026, 3, day), Presence.PRESENT)
    period = create_period(org, {"label": "Mars 2026 — restauration et accueils périscolaires",
                                 "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 2), "due_date": date(2026, 4, 30)}, [regie], [])
    batch = period.batches[0]
    compute_batch(batch)
    (invoice,) = number_batch(batch)
    day = today()
    cheque = services.record_payment(regie, family, {"mode": "cheque", "amount": BIG, "received_on": day,
                                                     "cheque_number": CHEQUE, "bank": BANK, "holder": HOLDER})
    cash = services.record_payment(regie, family, {"mode": "especes", "amount": D("200.00"), "received_on": day,
                                                   "keep_credit": True})
    cancelled = services.record_payment(regie, family, {"mode": "especes", "amount": D("100.00"), "received_on": day,
                                                        "keep_credit": True})
    services.cancel_payment(cancelled, "Erreur de saisie : la famille avait déjà réglé par virement la veille "
                                       "au guichet de la mairie annexe", day)
    transfer = services.record_payment(regie, family, {"mode": "virement", "amount": D("99999.99"),
                                                       "received_on": day, "keep_credit": True})
    slip = slips.create_slip(regie, PaymentMode.CHEQUE)
    final = slips.finalize(slips.create_slip(regie, PaymentMode.CASH))
    closings.close_day(regie, day, D("123.45"), "Écart constaté au comptage : pièces de monnaie étrangères refusées")
    return SimpleNamespace(org=org, regie=regie, family=family, invoice=invoice, batch=batch, cheque=cheque,
                           cash=cash, cancelled=cancelled, transfer=transfer, slip=slip, final=final, day=day,
                           user=make_user(org, Role.ADMIN))


@dataclass(frozen=True)
class Glyph:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def _glyphs(pdf: bytes) -> list[tuple[float, float, list[Glyph]]]:
    """Each page's size and its visible glyphs (spaces are not drawn)."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            glyphs = [Glyph(c["text"], c["x0"], c["x1"], c["top"], c["bottom"]) for c in page.chars
                      if c["text"].strip()]
            pages.append((page.width, page.height, glyphs))
    return pages


def overlaps(pdf: bytes, *, tolerance: float = 0.5) -> list[str]:
    """Glyphs drawn over one another, or over the page's edge: a column too narrow for its text."""
    found = []
    for number, (width, height, glyphs) in enumerate(_glyphs(pdf), start=1):
        for g in glyphs:
            if g.x0 < 0 or g.x1 > width or g.top < 0 or g.bottom > height:
                found.append(f"page {number}: « {g.text} » hors de la page")
        # A sweep down the page: only glyphs whose lines meet can collide.
        glyphs.sort(key=lambda g: g.top)
        for i, a in enumerate(glyphs):
            for b in glyphs[i + 1:]:
                if b.top >= a.bottom - tolerance:
                    break
                if min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance:
                    found.append(f"page {number}: « {a.text} » ({a.x0:.0f}, {a.top:.0f}) "
                                 f"sur « {b.text} » ({b.x0:.0f}, {b.top:.0f})")
    return found


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return " ".join(" ".join((page.extract_text() or "").split()) for page in document.pages)


def _documents(wide, client) -> dict[str, bytes]:
    base = f"/o/{wide.org.id}"
    urls = {
        "facture": f"{base}/facturation/factures/{wide.invoice.id}.pdf",
        "facture détaillée": f"{base}/facturation/factures/{wide.invoice.id}.pdf?detail=1",
        "reçu": f"{base}/caisse/reglements/{wide.cash.id}/recu.pdf",
        "relevé": f"{base}/caisse/familles/{wide.family.id}/regies/{wide.regie.id}/releve.pdf",
        "journal": f"{base}/caisse/journal.pdf?regie={wide.regie.id}&jour={wide.day.isoformat()}",
        "bordereau provisoire": f"{base}/caisse/bordereaux/{wide.slip.id}.pdf",
        "bordereau définitif": f"{base}/caisse/bordereaux/{wide.final.id}.pdf",
    }
    documents = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", name
        documents[name] = response.data
    return documents


def test_every_pdf_prints_its_widest_values_whole_and_apart(wide, login, session):
    client = login(wide.user)
    documents = _documents(wide, client)
    for name, pdf in documents.items():
        assert overlaps(pdf) == [], name
    wanted = {
        "facture": [wide.invoice.number, "123 456,80 €", "Jean-Baptiste-Alexandre"],
        "reçu": [wide.cash.receipt_number, "200,00 €"],
        "relevé": ["123 456,78 €", "99 999,99 €", "123 556,80 €", "223 756,77 €", "100 199,97 €"],
        "journal": [wide.cash.receipt_number, CHEQUE, "123 456,78 €", "99 999,99 €"],
        "bordereau provisoire": [CHEQUE, "123 456,78 €"],
        "bordereau définitif": [wide.final.number, wide.cash.receipt_number],
    }
    for name, values in wanted.items():
        text = _text(documents[name]).replace("\xa0", " ")
        for value in values:
            assert value in text, (name, value)


def test_the_journal_numbers_its_lines_with_receipt_numbers_only(wide, login, session):
    """Cash has a receipt number; a cheque or a transfer has none, and its internal id is not one."""
    client = login(wide.user)
    pdf = client.get(f"/o/{wide.org.id}/caisse/journal.pdf?regie={wide.regie.id}&jour={wide.day.isoformat()}").data
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        words = document.pages[0].extract_words()
    header = next(w for w in words if w["text"] == "Reçu")
    family = next(w for w in words if w["text"] == "Famille" and abs(w["top"] - header["top"]) < 1)
    totals = next(w for w in words if w["text"] == "Total")
    column = [w["text"] for w in words if header["bottom"] < w["top"] < totals["top"] and w["x1"] <= family["x0"]]
    # The cash payment, the cancelled one and its cancellation; nothing for the cheque and the transfer.
    assert column == [wide.cash.receipt_number, wide.cancelled.receipt_number, wide.cancelled.receipt_number]
