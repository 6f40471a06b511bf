"""Reminder fees: billed at the validation as numbered invoices of their own (a fees lot, gapless with the régie's
invoices), chased with the reminder so that its reference pays the invoices then the fee; the Belgian free
reminders and caps at billing time; and the fee invoice living as any invoice (PDF, account, credit note), but
never debited nor rolled."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from regie_coda import ogm

from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.audit.models import AuditEntry
from webapp.bank.matching import Matcher
from webapp.bank.models import MovementStatus
from webapp.bank.reading import ReadMovement
from webapp.config import Defaults
from webapp.counter import ledger, references
from webapp.debits import runs as debit_runs
from webapp.errors import DomainError
from webapp.formatting import today
from webapp.invoicing import cancellation
from webapp.invoicing.fees import Fee, bill_fees
from webapp.families.services import add_child, create_family
from webapp.invoicing.models import Batch, BatchStatus, BillingPeriod, Invoice, InvoiceKind, LineKind
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.numbering import NumberSequence
from webapp import pdf as html_to
from webapp.organisations.services import create_organisation, create_regie
from webapp.reminders import documents, levels, paying, runs
from webapp.reminders.models import Reminder, ReminderRun
from webapp.tariffs.services import create_activity, create_tariff
from webapp.treasury import rolls

from tests.fixtures import VALID_REGIE, in_parallel
from tests.test_reminders import chase, open_run
from tests.test_bank import be, coda_file, coda_movement, run as import_statement  # noqa: F401
from tests.counter_world import attend, bill, pay

D = Decimal
LATER = timedelta(days=21)  # the next level's delay, and the last letter's delay to pay, are over


@pytest.fixture
def owed(world):
    """Bernard owes March (12.00, due 28/04) and April (8.00, due 28/05); Arnaud 4.00 of March; no level yet."""
    attend(world.child, world.canteen, 3, 2, 3, 5)
    attend(world.other_child, world.canteen, 3, 2)
    march = bill(world, 3)
    attend(world.child, world.canteen, 4, 1, 2)
    world.march, world.april = march[world.family.id], bill(world, 4)[world.family.id]
    return world


def invoices_of_year(session, regie, year):
    return session.scalars(sa.select(Invoice).where(Invoice.regie_id == regie.id, Invoice.fiscal_year == year,
                                                    Invoice.kind == InvoiceKind.INVOICE).order_by(Invoice.sequence)).all()


def validated(regie, day):
    return {r.family_id: r for r in runs.validate(runs.open_run(regie, {"reference_date": day}))}


def test_a_french_fee_is_its_own_numbered_invoice_chased_with_the_reminder(owed, session):
    chase(owed.regie, D("0"), D("10.00"), D("20.00"))
    first = validated(owed.regie, date(2026, 6, 30))[owed.family.id]
    assert (first.fee, first.fee_invoice, first.amount) == (D("0.00"), None, D("20.00"))
    second = validated(owed.regie, today() + LATER)[owed.family.id]
    fee = second.fee_invoice
    assert (second.rank, second.fee, second.amount) == (2, D("10.00"), D("30.00"))
    assert [ri.invoice for ri in second.invoices] == [owed.march, owed.april, fee]
    assert [ri.amount for ri in second.invoices] == [D("12.00"), D("8.00"), D("10.00")]
    # A numbered invoice of the régie, gapless with the others of its year, due with the reminder.
    year = fee.fiscal_year
    assert [i.sequence for i in invoices_of_year(session, owed.regie, year)] == list(
        range(1, len(invoices_of_year(session, owed.regie, year)) + 1))
    assert fee.number == fee.payment_reference == f"CANT-{year}-{fee.sequence:06d}"
    assert (fee.total, fee.issued_on, fee.due_on, fee.family_id) == (D("10.00"), second.sent_on, second.pay_by,
                                                                     owed.family.id)
    (line,) = fee.lines
    assert (line.kind, line.label, line.accounting_code, line.amount) == (
        LineKind.FAMILY_FEE, f"Frais de la relance {second.number}", "7588", D("10.00"))
    period = fee.batch.period
    assert period.fees_only and fee.batch.status is BatchStatus.NUMBERED and period.label.startswith("Frais de relance")
    assert ledger.check_books() == []  # booked on the family's account
    # Audited as a numbering, each fee invoice with its family and amount.
    audited = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "invoice",
                                                          AuditEntry.entity_id == fee.id)).one()
    assert audited.changes["montant"] == [None, "10.00"] and audited.changes["famille"][1] == owed.family.label
    assert session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "batch", AuditEntry.action == "number",
                                                       AuditEntry.entity_id == fee.batch_id)).one()
    # The next level chases the unpaid fee too, and the French level's fee is billed as configured.
    third = validated(owed.regie, today() + 2 * LATER)[owed.family.id]
    assert [ri.invoice for ri in third.invoices][:3] == [owed.march, owed.april, fee]
    assert (third.fee, third.amount) == (D("20.00"), D("50.00"))
    # Paying the reminder's number in a transfer: the invoices first, then the fee.
    assert paying.SOURCE.payable_by_reference(owed.regie.id)[second.number] == [owed.march.id, owed.april.id, fee.id]


def test_a_payment_to_the_reminders_structured_communication_settles_the_invoices_then_the_fee(
        be, session, monkeypatch):  # noqa: F811
    monkeypatch.setattr(Defaults, "BE_FREE_REMINDERS_PER_YEAR", 0)
    attend(be.child, be.canteen, 4, 1, 2)
    april = bill(be, 4)[be.family.id]
    chase(be.regie, D("0"), D("7.50"))
    assert validated(be.regie, date(2026, 6, 30))[be.family.id].fee == 0
    sent = validated(be.regie, today() + LATER)[be.family.id]
    fee = sent.fee_invoice
    assert (sent.fee, sent.amount, fee.total) == (D("7.50"), D("27.50"), D("7.50"))
    assert ogm.is_valid(ogm.validate(fee.payment_reference)) and fee.payment_reference != sent.payment_reference
    assert fee.lines[0].label.startswith("Indemnité forfaitaire") and fee.lines[0].accounting_code == "161-01"
    reference = ogm.validate(sent.payment_reference)
    result = import_statement(be.regie, coda_file(be.regie, [coda_movement(1, "22.00", reference)]))
    assert result.booked == 1
    assert result.plan.rows[0].decision.shares == ((be.invoice.id, D("12.00")), (april.id, D("8.00")),
                                                   (fee.id, D("2.00")))
    assert (be.invoice.outstanding, april.outstanding, fee.outstanding) == (D("0.00"), D("0.00"), D("5.50"))
    result = import_statement(be.regie, coda_file(be.regie, [coda_movement(1, "5.50", reference)], number=2))
    assert result.booked == 1 and fee.outstanding == D("0.00")
    assert ledger.check_books() == []


def test_belgian_reminders_are_free_the_first_and_three_a_year_and_the_indemnity_stays_under_its_cap(
        be, session, monkeypatch):  # noqa: F811
    chase(be.regie, D("0"), D("7.50"), D("20.00"))
    draft = runs.select(runs.open_run(be.regie, {"reference_date": date(2026, 6, 30)}))
    bernard = next(d for d in draft.kept if d.family.id == be.family.id)
    assert (bernard.fee, bernard.fee_reason) == (D("0"), "1er rappel gratuit")
    first = validated(be.regie, date(2026, 6, 30))[be.family.id]
    assert first.next_fee == 0  # the letter announces no fee: the next reminder is the family's second this year
    run = runs.open_run(be.regie, {"reference_date": today() + LATER})
    bernard = next(d for d in runs.select(run).kept if d.family.id == be.family.id)
    assert (bernard.level.rank, bernard.fee, bernard.fee_reason) == (2, D("0"), "3 rappels gratuits par an")
    # Had no reminder been free that year: the level's fee, under the maximum.
    with monkeypatch.context() as law:
        law.setattr(Defaults, "BE_FREE_REMINDERS_PER_YEAR", 0)
        law.setattr(Defaults, "BE_REMINDER_FEE_MAX", "5.00")
        bernard = next(d for d in runs.select(run).kept if d.family.id == be.family.id)
        assert (bernard.fee, bernard.fee_reason) == (D("5.00"), "Frais plafonnés à 5,00\xa0€")
    sent = {r.family_id: r for r in runs.validate(run)}[be.family.id]
    assert (sent.fee, sent.fee_invoice, sent.amount, sent.next_fee) == (D("0.00"), None, D("12.00"), D("20.00"))
    assert session.scalar(sa.select(sa.func.count()).select_from(BillingPeriod).where(BillingPeriod.fees_only)) == 0
    # The last level: the law lowered the indemnity since the level was configured (settings, not code).
    monkeypatch.setattr(Defaults, "BE_INDEMNITY_BRACKETS", [(None, "15.00", "0")])
    run = runs.open_run(be.regie, {"reference_date": today() + 2 * LATER})
    assert {d.family.id: (d.level.rank, d.fee, d.fee_reason) for d in runs.select(run).kept}[be.family.id] == (
        3, D("15.00"), "Indemnité plafonnée à 15,00\xa0€ (dette de 12,00\xa0€)")
    last = {r.family_id: r for r in runs.validate(run)}[be.family.id]
    assert (last.rank, last.fee, last.amount, last.fee_invoice.total) == (3, D("15.00"), D("27.00"), D("15.00"))


def test_the_counter_finds_the_reminder_with_its_fee_last(app, owed):
    chase(owed.regie, D("5.00"))
    sent = validated(owed.regie, date(2026, 6, 30))[owed.family.id]
    (found,) = references.find([owed.regie.id], sent.number)
    assert (found.invoice_ids, found.due) == ((owed.march.id, owed.april.id, sent.fee_invoice_id), D("25.00"))


def test_a_run_by_invoice_bills_a_family_one_fee_on_its_first_reminder(owed):
    """Each reminder's reference pays what its letter claims: the fee is on one of them only."""
    chase(owed.regie, D("5.00"))
    run = runs.open_run(owed.regie, {"reference_date": date(2026, 6, 30), "mode": "facture"})
    second_row = [due for due in runs.select(run).kept if due.family.id == owed.family.id][1]
    assert (second_row.fee, second_row.fee_reason) == (D("0"), "Frais déjà portés par une autre relance de la famille")
    first, second = runs.validate(run)
    fee = first.fee_invoice
    assert second.fee_invoice_id is None and (fee.total, len(fee.lines)) == (D("5.00"), 1)
    assert [(ri.invoice_id, ri.amount) for ri in first.invoices] == [(owed.march.id, D("12.00")), (fee.id, D("5.00"))]
    assert [(ri.invoice_id, ri.amount) for ri in second.invoices] == [(owed.april.id, D("8.00"))]
    assert (first.amount, second.amount) == (D("17.00"), D("8.00")) and ledger.check_books() == []


def test_a_reminder_of_a_fee_invoice_alone_bills_no_fee(owed):
    chase(owed.regie, D("5.00"), D("5.00"))
    sent = validated(owed.regie, date(2026, 6, 30))[owed.family.id]
    pay(owed, "20.00")  # March and April: the fee invoice is left
    run = runs.open_run(owed.regie, {"reference_date": today() + LATER, "mode": "facture"})
    (row,) = [due for due in runs.select(run).kept if due.family.id == owed.family.id]
    assert row.invoices == [sent.fee_invoice] and (row.fee, row.fee_reason) == (D("0"), "Pas de frais sur des frais")


def test_a_draft_deleted_bills_nothing(owed, session):
    chase(owed.regie, D("5.00"))
    run = open_run(owed)
    draft = runs.select(run)
    assert draft.fees == D("5.00") and draft.kept[0].fee == D("5.00")
    numbers = session.scalar(sa.select(sa.func.sum(NumberSequence.last_value)))
    runs.delete_run(run)
    assert session.scalar(sa.select(sa.func.sum(NumberSequence.last_value))) == numbers
    assert session.scalar(sa.select(sa.func.count()).select_from(BillingPeriod).where(BillingPeriod.fees_only)) == 0


def test_a_fee_invoice_is_cancelled_by_a_credit_note_and_its_lot_is_neither_debited_nor_rolled(owed, session):
    chase(owed.regie, D("5.00"))
    sent = validated(owed.regie, date(2026, 6, 30))[owed.family.id]
    fee = sent.fee_invoice
    (credit_note,) = cancellation.cancel_invoices([fee], "Frais remis à titre gracieux")
    assert credit_note.total == D("-5.00") and credit_note.number.startswith("AV-CANT-")
    assert credit_note.batch.period.corrects_id == fee.batch.period_id
    assert ledger.check_books() == []
    transfer = ReadMovement("x1", date(2026, 12, 1), None, D("25.00"), communication=f"relance {sent.number}")
    decision = Matcher(owed.regie).decide(transfer)  # the cancelled fee is no longer asked
    assert decision.status is MovementStatus.REJECTED and "(20,00" in decision.reason
    with pytest.raises(DomainError, match="ne se prélève pas"):
        debit_runs.prepare_run(fee.batch, {})
    with pytest.raises(DomainError, match="ne se calcule plus"):
        compute_batch(fee.batch)
    owed.regie.roll_format = "pes"
    with pytest.raises(DomainError, match="ne part pas en rôle"):
        rolls.export_roll(fee.batch)


def test_the_fee_service_refuses_what_it_cannot_bill(owed, make_org, make_family):
    day = date(2026, 7, 1)
    stranger = make_family(make_org())
    with pytest.raises(DomainError, match="Aucun frais"):
        bill_fees(owed.regie, "Frais", [], day, day, "7588")
    with pytest.raises(DomainError, match="n'est pas de cette collectivité"):
        bill_fees(owed.regie, "Frais", [Fee(stranger, "Frais", D("1.00"))], day, day, "7588")
    with pytest.raises(DomainError, match="Cet enfant"):
        bill_fees(owed.regie, "Frais", [Fee(owed.family, "Frais", D("1.00"), owed.other_child)], day, day, "7588")
    with pytest.raises(DomainError, match="montant positif"):
        bill_fees(owed.regie, "Frais", [Fee(owed.family, "Frais", D("0"))], day, day, "7588")
    with pytest.raises(DomainError, match="échéance"):
        bill_fees(owed.regie, "Frais", [Fee(owed.family, "Frais", D("1.00"))], day, day - timedelta(days=1), "7588")
    billed = bill_fees(owed.regie, "Frais divers", [Fee(owed.family, "Dossier", D("1.00"), owed.child),
                                                      Fee(owed.family, "Badge", D("2.50")),
                                                      Fee(owed.other, "Badge", D("2.50"))], day, day, "7588")
    mine = billed[owed.family.id]
    assert (mine.total, [line.label for line in mine.lines], mine.lines[0].child_id) == (
        D("3.50"), ["Dossier", "Badge"], owed.child.id)
    assert billed[owed.other.id].batch_id == mine.batch_id and ledger.check_books() == []


def test_the_screens_show_the_fee_the_letter_the_invoice_and_the_account(owed, app, login, make_user, session,
                                                                         monkeypatch):
    chase(owed.regie, D("5.00"))
    client = login(make_user(owed.org))
    run = open_run(owed)
    page = client.get(f"/o/{owed.org.id}/relances/{run.id}").text
    assert "Total réclamé" in page and "25,00" in page and "5,00" in page
    run = session.get(ReminderRun, run.id)  # the request ran in a session of its own
    (sent,) = [r for r in runs.validate(run) if r.family_id == owed.family.id]
    page = client.get(f"/o/{owed.org.id}/relances/{run.id}").text
    assert sent.fee_invoice.number in page
    rendered = []
    monkeypatch.setattr(documents, "html_to_pdf", lambda html: rendered.append(html) or html_to.html_to_pdf(html))
    with app.test_request_context():
        assert documents.letters_pdf(run).startswith(b"%PDF")
    assert "Frais de ce rappel" in rendered[0] and sent.fee_invoice.number in rendered[0] and "25,00" in rendered[0]
    response = client.get(f"/o/{owed.org.id}/facturation/factures/{sent.fee_invoice_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert sent.fee_invoice.number in text and f"Frais de la relance {sent.number}" in text and "5,00" in text
    account = client.get(f"/o/{owed.org.id}/caisse/familles/{owed.family.id}/regies/{owed.regie.id}/compte")
    assert sent.fee_invoice.number in account.text
    invoice_page = client.get(f"/o/{owed.org.id}/facturation/factures/{sent.fee_invoice_id}")
    assert invoice_page.status_code == 200 and sent.number in invoice_page.text  # the reminder that chases it
    lot = client.get(f"/o/{owed.org.id}/facturation/lots/{sent.fee_invoice.batch_id}").text
    assert sent.fee_invoice.number in lot and "préparer les prélèvements" not in lot
    assert "Frais de relance" in client.get(f"/o/{owed.org.id}/facturation/").text
    pay = client.get(f"/o/{owed.org.id}/caisse/familles/{owed.family.id}/regies/{owed.regie.id}/reglement"
                     f"?facture={sent.fee_invoice_id}")
    assert pay.status_code == 200 and sent.fee_invoice.number in pay.text
    assert session.scalars(sa.select(Reminder.id).where(Reminder.fee_invoice_id == sent.fee_invoice_id)).one() == sent.id


def _committed_world() -> tuple[int, int]:
    """Committed: a French régie whose level 1 costs 5.00, a family owing March, a draft run at the end of June,
    and April's lot computed, not yet numbered."""
    org = create_organisation({"name": "Commune des frais", "kind": "commune", "country": "FR"})
    regie = create_regie(org, {"name": "Cantine", "invoice_prefix": "C", **VALID_REGIE["FR"]})
    canteen = create_activity(regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067"})
    create_tariff(canteen, {"valid_from": date(2026, 1, 1), "mode": "unitaire", "price": D("3.10")})
    family = create_family(org, {"number": ""}, {"civility": "Mme", "last_name": "Martin", "first_name": "Anne"})
    child = add_child(family, {"last_name": "Martin", "first_name": "Léa"})
    for month in (3, 4):
        for day in (2, 3):
            set_attendance(child, canteen, date(2026, month, day), Presence.PRESENT)
    batches = []
    for month in (3, 4):
        period = create_period(org, {"label": f"Mois {month}", "start_date": date(2026, month, 1),
                                     "end_date": date(2026, month, 28), "invoice_date": date(2026, month + 1, 1),
                                     "due_date": date(2026, month + 1, 15)}, [regie], [])
        compute_batch(period.batches[0])
        batches.append(period.batches[0])
    number_batch(batches[0])
    levels.add_level(regie, {"rank": 1, "delay_days": 15, "fee": D("5.00")})
    run = runs.open_run(regie, {"reference_date": date(2026, 6, 30)})
    db.session.commit()
    return run.id, batches[1].id


def test_numbering_a_lot_while_a_run_bills_its_fees_gives_gapless_numbers_and_no_deadlock(race_engine):
    """Both take invoice numbers at the régie: the régie's row first for both, so one waits for the other."""
    run_id, batch_id = _committed_world()
    db.session.remove()
    outcome = in_parallel(lambda: number_batch(db.session.get(Batch, batch_id)),
                          lambda: runs.validate(db.session.get(ReminderRun, run_id)))
    assert outcome == [None, None]
    sequences = db.session.scalars(sa.select(Invoice.sequence).where(Invoice.kind == InvoiceKind.INVOICE)
                                   .order_by(Invoice.sequence)).all()
    assert sequences == [1, 2, 3]
    assert db.session.scalar(sa.select(Reminder.fee)) == D("5.00") and ledger.check_books() == []
