"""Bank statements: CODA and OFX imports, matching, booking once, rejected movements and their correction."""

import io
import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from regie_coda import Movement, Statement, TransactionCode, ogm, write
from regie_coda import read as read_coda

from webapp.audit.models import AuditEntry
from webapp.auth.models import Role
from webapp import demo
from webapp.bank import matching, ofx, reading, services
from webapp.bank.matching import NO_REFERENCE, NOTHING_MATCHES
from webapp.bank.models import BankMovement, BankStatement, MovementStatus
from webapp.counter import ledger
from webapp.counter.closings import close_day
from webapp.counter.journal import day_journal
from webapp.counter.models import Payment, PaymentMode
from webapp.counter.services import InvoicePayment, record_invoice_payments
from webapp.errors import DomainError
from webapp.formatting import money
from webapp.imports.services import preview_folder, stored_path
from webapp.organisations.models import Regie
from webapp.jobs.models import Job, JobStatus
from webapp.jobs.services import perform
from webapp.families.services import add_child
from tests.counter_world import attend, bill, count

D = Decimal
SAMPLES = Path(__file__).parent / "bank"
DAY = date(2026, 11, 20)


def coda_movement(sequence, amount, reference=None, text="", name="DUPONT MARIE", day=DAY, code="00150000"):
    """A CODA movement paying with a structured communication (`reference`, 12 digits) or with free text."""
    return Movement(sequence=sequence, detail=0, amount=D(amount), value_date=day, entry_date=day,
                    transaction_code=TransactionCode.parse(code), communication_type="101" if reference else None,
                    communication=reference or text, counterparty_name=name,
                    counterparty_account="BE71096123456769")


def coda_file(regie, movements, number=1, old_balance="0.00", day=DAY, account=None) -> bytes:
    total = sum((m.amount for m in movements), D("0"))
    return write([Statement(account=account or regie.iban, currency="EUR", number=number,
                            old_balance=D(old_balance), old_balance_date=day, new_balance=D(old_balance) + total,
                            new_balance_date=day, movements=tuple(movements), holder="COMMUNE",
                            creation_date=day, bank_id="725", bic="GKCCBEBB")])


def digits(invoice) -> str:
    return ogm.validate(invoice.payment_reference)


@pytest.fixture
def be(make_org, make_regie, make_activity, make_tariff, make_family):
    """A Belgian régie: Bernard's March canteen (3 meals, 12.00) and Arnaud's (2 meals, 8.00), numbered."""
    org = make_org("BE")
    regie = make_regie(org, invoice_prefix="CANT")
    canteen = make_activity(regie, name="Cantine", unit="repas", accounting_code="7067")
    make_tariff(canteen, label="Repas", price=D("4.00"))
    family, other = make_family(org, last_name="Bernard"), make_family(org, last_name="Arnaud")
    w = SimpleNamespace(org=org, regie=regie, canteen=canteen, family=family, other=other,
                        child=add_child(family, {"last_name": "Bernard", "first_name": "Léo"}),
                        other_child=add_child(other, {"last_name": "Arnaud", "first_name": "Zoé"}))
    attend(w.child, canteen, 3, 2, 3, 5)
    attend(w.other_child, canteen, 3, 2, 3)
    march = bill(w, 3)
    w.invoice, w.other_invoice = march[family.id], march[other.id]
    return w


def run(regie, data, filename="extrait.cod"):
    return services.import_file(regie, filename, data)


def fresh(session, obj):
    """The row as the requests left it (they ran in sessions of their own)."""
    return session.get(type(obj), obj.id, populate_existing=True)


def movements(session, *where):
    return session.scalars(sa.select(BankMovement).where(*where).order_by(BankMovement.id)).all()


def test_belgian_statement_pays_by_structured_communication(be, session):
    data = coda_file(be.regie, [
        coda_movement(1, "12.00", digits(be.invoice)),  # exact
        coda_movement(2, "3.00", digits(be.other_invoice)),  # partial
        coda_movement(3, "9.00", digits(be.other_invoice)),  # too much once the partial is counted
        coda_movement(4, "5.00", ogm.generate(1234567890)),  # nothing carries it
        coda_movement(5, "1.00", digits(be.invoice)),  # already paid by the first
        coda_movement(6, "-4.00", text="RETOUR DOMICILIATION IMPAYEE", code="00050000"),
    ])
    preview = services.plan(be.regie, data)
    assert [r.decision.status for r in preview.rows] == [
        MovementStatus.ACCEPTED, MovementStatus.ACCEPTED, MovementStatus.REJECTED, MovementStatus.REJECTED,
        MovementStatus.REJECTED, MovementStatus.DEBIT]
    assert preview.accepted_total == D("15.00") and preview.rejected_total == D("15.00")
    assert count(session, Payment) == 0  # a preview books nothing

    result = run(be.regie, data)
    assert (result.booked, result.rejected) == (2, 3)
    rows = movements(session)
    assert rows[2].reason == f"Le montant ({money(D(9))}) dépasse ce qui reste dû sur la facture " \
        f"{be.other_invoice.number} ({money(D(5))})."
    assert rows[3].reason == NOTHING_MATCHES
    assert rows[4].reason == f"La facture {be.invoice.number} est déjà payée."
    assert rows[5].status is MovementStatus.DEBIT and "prélèvement" in rows[5].reason
    assert be.invoice.outstanding == 0 and be.other_invoice.outstanding == D("5.00")
    payment = rows[0].payment
    assert payment.mode is PaymentMode.TRANSFER and payment.received_on == DAY and payment.amount == D("12.00")
    assert [a.invoice_id for a in payment.allocations] == [be.invoice.id]
    assert "Extrait 1" in payment.comment
    assert ledger.find_account(be.regie.id, be.family.id).balance == 0
    assert ledger.check_books() == []  # the bulk booking wrote what record_payment writes
    assert {m.payment for m in day_journal(be.regie, DAY).movements} == {rows[0].payment, rows[1].payment}
    audited = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "payment")).all()
    assert {a.entity_id for a in audited} == {rows[0].payment_id, rows[1].payment_id}
    assert audited[0].changes["factures"] == [None, f"{be.invoice.number} : 12.00"]


def test_a_file_imported_twice_books_nothing_twice(be, session):
    first = coda_file(be.regie, [coda_movement(1, "12.00", digits(be.invoice))])
    run(be.regie, first)
    again = services.plan(be.regie, first)
    assert (again.known, again.new) == (1, 0)
    result = run(be.regie, first)
    assert result.booked == 0 and count(session, Payment) == 1 and count(session, BankMovement) == 1
    assert result.statements == []  # nothing new: no second copy of the statement
    # An overlapping statement: the known movement is skipped, the new one booked.
    overlapping = coda_file(be.regie, [coda_movement(1, "12.00", digits(be.invoice)),
                                       coda_movement(2, "8.00", digits(be.other_invoice))])
    overlap = run(be.regie, overlapping)
    assert overlap.booked == 1 and count(session, Payment) == 2
    assert (overlap.statements[0].movement_count, overlap.statements[0].known_count) == (2, 1)


def test_another_account_is_refused_naming_both(be, session):
    data = coda_file(be.regie, [coda_movement(1, "12.00", digits(be.invoice))], account="BE68539007547034")
    with pytest.raises(DomainError) as error:
        services.plan(be.regie, data)
    assert "BE68539007547034" in error.value.message and be.regie.iban in error.value.message
    assert count(session, BankStatement) == 0


def test_a_gap_between_statements_is_shown(be):
    run(be.regie, coda_file(be.regie, [coda_movement(1, "12.00", digits(be.invoice))], number=1))
    follows = coda_file(be.regie, [coda_movement(1, "8.00", digits(be.other_invoice))], number=2,
                        old_balance="12.00")
    assert services.plan(be.regie, follows).notices == []
    gap = coda_file(be.regie, [coda_movement(1, "8.00", digits(be.other_invoice))], number=3, old_balance="50.00")
    (notice,) = services.plan(be.regie, gap).notices
    assert "n° 3" in notice and "50,00" in notice and "12,00" in notice


def test_a_transfer_of_a_day_closed_since_is_booked_on_the_next_open_day(be, session):
    close_day(be.regie, DAY, D("0.00"), "")
    run(be.regie, coda_file(be.regie, [coda_movement(1, "12.00", digits(be.invoice))]))
    (movement,) = movements(session)
    assert movement.status is MovementStatus.ACCEPTED and movement.booked_on == DAY
    (payment,) = session.scalars(sa.select(Payment)).all()
    assert payment.received_on == DAY + timedelta(days=1)


def test_correct_then_dismiss(be, session):
    run(be.regie, coda_file(be.regie, [coda_movement(1, "10.00", text="cantine de Léo", name="BERNARD PAUL"),
                                       coda_movement(2, "7.00", text="don")]))
    first, second = movements(session)
    assert first.reason == NO_REFERENCE
    payment = services.correct(be.regie, first, be.family, {be.invoice.id: D("10.00")})
    assert first.status is MovementStatus.CORRECTED and first.payment_id == payment.id
    assert be.invoice.outstanding == D("2.00")
    with pytest.raises(DomainError, match="déjà été traité"):
        services.correct(be.regie, first, be.family, {be.invoice.id: D("2.00")})
    with pytest.raises(DomainError) as error:
        services.dismiss(be.regie, second, " ")
    assert error.value.field == "reason"
    services.dismiss(be.regie, second, "Don au CPAS")
    assert second.status is MovementStatus.NOT_FOR_REGIE
    assert services.rejected([be.regie.id]) == []


def test_french_transfers_match_the_invoice_number_in_the_text(world, session):
    attend(world.child, world.canteen, 3, 2, 3)
    invoice = bill(world, 3)[world.family.id]
    number = invoice.number  # CANT-2026-000001
    spaced = number.replace("-", " ").lower()
    world.regie.iban = "FR7630002005500000157841Z14"
    data = (SAMPLES / "french.ofx").read_bytes().replace(b"CANT 2026 000001", spaced.encode())
    preview = services.plan(world.regie, data)
    assert preview.rows[0].decision.invoice.id == invoice.id


def read_ofx(name):
    (statement,) = ofx.read((SAMPLES / name).read_bytes())
    assert statement.currency == "EUR" and statement.account == "30002005500000157841Z"
    return statement.transactions


@pytest.mark.parametrize("name", ["charset_iso_8859_1.ofx", "charset_none.ofx", "encoding_iso_8859_1.ofx",
                                  "utf8_labelled_1252.ofx", "xml_utf8.ofx"])
def test_ofx_headers_that_lie_or_that_ofxparse_does_not_know(name):
    """ISO-8859-1 and NONE charsets, an ISO-8859-1 encoding line, UTF-8 under a 1252 header, OFX 2 XML in UTF-8
    (with a raw `&`, and a time zone that must not move the date to the day before)."""
    (movement,) = read_ofx(name)
    assert movement.name.startswith("VIR MME DUPRÉ") and movement.booked_on == date(2026, 11, 10)
    assert movement.amount == D("30.00") and movement.fitid == "A1"


def test_a_french_sgml_export():
    """cp1252, decimal commas, unclosed tags, a raw `&`, a date with its time zone, a date without time, an
    empty booking date taken from the operation date, an empty memo."""
    first, second, fee = read_ofx("french.ofx")
    assert first.text == "VIR M & MME BERNARD FACTURE CANT 2026 000001" and first.booked_on == date(2026, 11, 2)
    assert second.name == "VIR ARNAUD ZOÉ" and second.booked_on == date(2026, 11, 3) and second.user_date is None
    assert fee.booked_on == date(2026, 11, 4) and fee.amount == D("-3.50") and fee.text == "FRAIS"


def test_repeated_and_missing_fitids_fall_back_on_the_content():
    twin, other_twin, without = read_ofx("repeated_fitid.ofx")
    assert len({twin.identity, other_twin.identity, without.identity}) == 3
    assert [t.identity for t in read_ofx("repeated_fitid.ofx")] == [twin.identity, other_twin.identity,
                                                                   without.identity]


def test_a_movement_without_any_date_is_refused():
    data = (SAMPLES / "french.ofx").read_bytes().replace(b"<DTUSER>20261104", b"<DTUSER>")
    with pytest.raises(DomainError, match="F3 n'a pas de date"):
        ofx.read(data)


def test_an_ofx_file_imported_twice_books_nothing_twice(world, session):
    attend(world.child, world.canteen, 3, 2, 3, 5)
    invoice = bill(world, 3)[world.family.id]
    world.regie.iban = "FR7630002005500000157841Z14"
    data = (SAMPLES / "french.ofx").read_bytes()
    result = run(world.regie, data, "releve.ofx")
    assert result.booked == 1 and invoice.outstanding == 0
    first, second, fee = movements(session)
    assert second.reason == NO_REFERENCE and fee.status is MovementStatus.DEBIT
    assert run(world.regie, data, "releve.ofx").booked == 0 and count(session, BankMovement) == 3


def _bank_url(org, path=""):
    return f"/o/{org.id}/banque/{path}"


def test_upload_preview_import_and_correct_through_the_screens(be, login, make_user, session):
    client = login(make_user(be.org, Role.AGENT))
    data = coda_file(be.regie, [coda_movement(1, "12.00", digits(be.invoice)),
                                coda_movement(2, "8.00", text="cantine Zoé", name="ARNAUD")])
    preview = client.post_form(_bank_url(be.org), {"regie_id": str(be.regie.id),
                                                   "file": (io.BytesIO(data), "extrait.cod")})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Importer 2 mouvement(s)" in page and NO_REFERENCE in page
    assert count(session, Payment) == 0
    content_hash = re.search(r'name="content_hash" type="hidden" value="([0-9a-f]+)"', page).group(1)
    form = {"regie_id": str(be.regie.id), "content_hash": content_hash, "filename": "extrait.cod"}
    done = client.post_form(_bank_url(be.org, "confirmation"), form)
    assert done.status_code == 303 and count(session, Payment) == 1
    statement_page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Paiements acceptés (1" in statement_page and "Corriger" in statement_page

    rejected = client.get(_bank_url(be.org, "rejets")).get_data(as_text=True)
    assert "cantine Zoé" in rejected and money(D(8)) in rejected
    (movement,) = services.rejected([be.regie.id])
    url = _bank_url(be.org, f"mouvements/{movement.id}/corriger")
    chosen = client.get(f"{url}?famille={be.other.id}").get_data(as_text=True)
    assert be.other_invoice.number in chosen and "Affecter à" in chosen and f"share-{be.other_invoice.id}" in chosen
    booked = client.post_form(f"{url}?famille={be.other.id}", {f"share-{be.other_invoice.id}": "8,00"})
    assert booked.status_code == 303
    assert fresh(session, be.other_invoice).outstanding == 0
    movement = fresh(session, movement)
    assert movement.status is MovementStatus.CORRECTED and count(session, Payment) == 2
    # The same file again: nothing new to import.
    again = client.post_form(_bank_url(be.org), {"regie_id": str(be.regie.id),
                                                 "file": (io.BytesIO(data), "extrait.cod")})
    assert "Rien de nouveau dans ce fichier" in again.get_data(as_text=True)


def test_a_refused_file_says_why_in_french(be, login, make_user, session):
    client = login(make_user(be.org, Role.AGENT))
    response = client.post_form(_bank_url(be.org), {"regie_id": str(be.regie.id),
                                                    "file": (io.BytesIO(b"0garbage\r\n"), "x.cod")})
    assert response.status_code == 422 and "Relevé CODA illisible" in response.get_data(as_text=True)


def test_dismiss_through_the_screen(be, login, make_user, session):
    run(be.regie, coda_file(be.regie, [coda_movement(1, "7.00", text="subside")]))
    (movement,) = services.rejected([be.regie.id])
    client = login(make_user(be.org, Role.AGENT))
    url = _bank_url(be.org, f"mouvements/{movement.id}/hors-regie")
    assert client.post_form(url, {"reason": ""}).status_code == 303
    assert fresh(session, movement).status is MovementStatus.REJECTED
    assert client.post_form(url, {"reason": "Subside régional"}).status_code == 303
    assert fresh(session, movement).status is MovementStatus.NOT_FOR_REGIE


def test_a_big_file_is_imported_by_a_job_with_its_progress(be, app, login, make_user, session, monkeypatch):
    monkeypatch.setitem(app.config, "BANK_JOB_MOVEMENTS", 2)
    client = login(make_user(be.org, Role.AGENT))
    data = coda_file(be.regie, [coda_movement(1, "12.00", digits(be.invoice)),
                                coda_movement(2, "8.00", digits(be.other_invoice))])
    page = client.post_form(_bank_url(be.org), {"regie_id": str(be.regie.id),
                                                "file": (io.BytesIO(data), "gros.cod")}).get_data(as_text=True)
    assert "en arrière-plan" in page
    content_hash = re.search(r'name="content_hash" type="hidden" value="([0-9a-f]+)"', page).group(1)
    started = client.post_form(_bank_url(be.org, "confirmation"), {
        "regie_id": str(be.regie.id), "content_hash": content_hash, "filename": "gros.cod"})
    assert started.status_code == 303 and count(session, Payment) == 0
    job = session.scalars(sa.select(Job).where(Job.kind == "bank_import")).one()
    listing = client.get(_bank_url(be.org)).get_data(as_text=True)
    assert "Import d&#39;un relevé bancaire" in listing, listing
    with app.app_context():
        done = perform(job.id)
    assert done.status is JobStatus.DONE and done.message.startswith("2 mouvement(s) importé(s) : 2 paiement(s)")
    assert (done.done, done.total) == (2, 2) and count(session, Payment) == 2


def test_transfers_are_refused_one_by_one_when_an_invoice_owes_less(be, session):
    """What the counter checks again under its locks: an invoice paid meanwhile refuses its transfer only."""
    outcome = record_invoice_payments(be.regie, PaymentMode.TRANSFER, [
        InvoicePayment(be.invoice.id, D("12.00"), DAY), InvoicePayment(be.invoice.id, D("1.00"), DAY),
        InvoicePayment(be.other_invoice.id, D("3.00"), DAY)])
    assert isinstance(outcome[0], int) and isinstance(outcome[2], int)
    assert outcome[1] == f"La facture {be.invoice.number} ne doit plus que {money(D(0))}."
    assert count(session, Payment) == 2 and ledger.check_books() == []


CODA_SAMPLES = Path(__file__).parent.parent / "adapters" / "coda" / "tests" / "samples"


@pytest.mark.parametrize("name", sorted(p.name for p in (CODA_SAMPLES / "good").glob("*.cod")))
def test_the_adapters_coda_samples_import_once(name, be, session):
    data = (CODA_SAMPLES / "good" / name).read_bytes()
    be.regie.iban = matching.squeezed(reading.read(data)[0].account)
    if name == "version1.cod":  # Belgian francs
        with pytest.raises(DomainError, match="BEF"):
            services.plan(be.regie, data)
        return
    first = run(be.regie, data, name)
    assert run(be.regie, data, name).plan.new == 0 and count(session, BankMovement) == len(first.plan.rows)


@pytest.mark.parametrize("name", sorted(p.name for p in (CODA_SAMPLES / "bad").glob("*.cod")))
def test_the_adapters_bad_coda_samples_are_refused_in_french(name, be):
    with pytest.raises(DomainError, match="Relevé CODA illisible|ni un relevé"):
        services.plan(be.regie, (CODA_SAMPLES / "bad" / name).read_bytes())


EXAMPLES = Path(__file__).parent.parent / "examples"


def test_the_example_statements_fit_the_demo(session):
    """examples/ holds a CODA file for Lasne's October invoices and an OFX file for Froges' canteen: some
    transfers match, some wait for « Corriger », a debit is listed apart."""
    assert demo.seed() is True
    lasne = session.scalar(sa.select(Regie).where(Regie.name == "Accueil extrascolaire"))
    (statement,) = read_coda((EXAMPLES / "lasne-extraits-novembre.cod").read_bytes())
    # The file pays a fresh demo, whose régie is n° 3 (the communication's first digits); here it may be another.
    ours = [replace(m, communication=ogm.generate(f"{lasne.id % 1000:03d}{m.communication[3:10]}"))
            if m.communication_type == "101" and m.communication.startswith("003") else m for m in statement.movements]
    plan = services.plan(lasne, write([replace(statement, movements=tuple(ours))]))
    assert [r.decision.status for r in plan.rows] == [
        MovementStatus.ACCEPTED, MovementStatus.ACCEPTED, MovementStatus.REJECTED, MovementStatus.REJECTED,
        MovementStatus.REJECTED, MovementStatus.DEBIT]
    froges = session.scalar(sa.select(Regie).where(Regie.name == "Restauration scolaire"))
    plan = services.plan(froges, (EXAMPLES / "froges-releve-novembre.ofx").read_bytes())
    assert [r.decision.status for r in plan.rows] == [
        MovementStatus.ACCEPTED, MovementStatus.ACCEPTED, MovementStatus.REJECTED, MovementStatus.REJECTED,
        MovementStatus.DEBIT]
    assert "prélèvement revenu impayé" in plan.rows[-1].decision.reason
    assert matching.suggestions(froges, plan.rows[3].movement.amount, plan.rows[3].movement.counterparty_name)


def test_a_raw_ampersand_is_kept_as_the_bank_wrote_it():
    """ofxparse's HTML parser reads `&copy` or `&eacute` without their semicolon as © and é."""
    data = (SAMPLES / "charset_none.ofx").read_bytes().replace(b"<MEMO>FACTURE CANT-2026-000001",
                                                               b"<MEMO>ref &copy=1 &eacute x &amp; y")
    (statement,) = ofx.read(data)
    assert statement.transactions[0].text == "VIR MME DUPRÉ ref &copy=1 &eacute x & y"


def test_a_confirmation_naming_a_file_that_is_no_bank_statement_is_refused(be, app, login, make_user, session):
    """The preview folder is shared with the canteen imports: a hash of one of their files is refused in French."""
    client = login(make_user(be.org, Role.AGENT))
    with app.app_context():
        digest = "ab" * 32
        stored_path(preview_folder(), digest).write_bytes(b"P1\t20260302\t20260306\t2\t\r\n")
    response = client.post_form(_bank_url(be.org, "confirmation"), {
        "regie_id": str(be.regie.id), "content_hash": digest, "filename": "x.txt"}, follow_redirects=True)
    assert response.status_code == 200 and "ni un relevé CODA ni un relevé OFX" in response.get_data(as_text=True)
    assert count(session, BankStatement) == 0
