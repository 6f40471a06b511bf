"""Day-to-day corrections of billing: a period edited or deleted before numbering, a lot's drafts dropped (all,
or under a threshold), lines added by hand, and numbered invoices cancelled by credit notes; the books agree
after each."""

from datetime import date

import pytest
import sqlalchemy as sa

from webapp.attendance.models import Attendance, Presence
from webapp.audit.models import AuditEntry
from webapp.counter import ledger
from webapp.errors import DomainError
from webapp.imports.models import ConsumptionImport
from webapp.invoicing import cancellation, corrections
from webapp.invoicing.models import (
    Batch, BatchStatus, BillingPeriod, Invoice, InvoiceKind, InvoiceStatus, Settlement,
)
from webapp.invoicing.services import compute_batch, create_period, export_batch, number_batch

from tests.counter_world import D, account, attend, bill, count, pay, period


def _data(p, **kw):
    return {name: getattr(p, name) for name in ("label", "start_date", "end_date", "invoice_date", "debit_date",
                                                "due_date", "regularisation_from", "fiscal_year")} | kw


def _line(w, **kw):
    return {"label": "Badge perdu", "quantity": D(1), "unit_price": D("5.00"), "activity_id": w.canteen.id,
            "child_id": None, **kw}


def test_a_period_with_a_wrong_due_date_is_edited_and_its_drafts_follow(world, session):
    attend(world.child, world.canteen, 3, 2, 3)
    p = period(world, 3)
    batch = p.batches[0]
    compute_batch(batch)
    changes = corrections.update_period(p, _data(p, due_date=date(2026, 4, 30)), [])
    assert changes == {"due_date": ["2026-04-28", "2026-04-30"]}
    (draft,) = session.scalars(sa.select(Invoice).where(Invoice.batch_id == batch.id)).all()
    assert draft.due_on == date(2026, 4, 30) and batch.status is BatchStatus.COMPUTED
    assert count(session, AuditEntry, AuditEntry.action == "update", AuditEntry.entity_type == "billing_period") == 1


def test_new_dates_drop_the_drafts_and_a_numbered_period_is_edited_no_more(world, session):
    attend(world.child, world.canteen, 3, 2)
    p = period(world, 3)
    batch = p.batches[0]
    compute_batch(batch)
    corrections.update_period(p, _data(p, end_date=date(2026, 3, 31)), [])
    assert batch.status is BatchStatus.NEW and count(session, Invoice, Invoice.batch_id == batch.id) == 0
    compute_batch(batch)
    number_batch(batch)
    with pytest.raises(DomainError, match="numéroté : la période ne se modifie plus"):
        corrections.update_period(p, _data(p, label="Autre"), [])
    with pytest.raises(DomainError, match="ne se supprime plus"):
        corrections.delete_period(p)


def test_a_period_is_deleted_with_its_drafts_and_imports_and_the_month_can_be_billed_again(world, session):
    attend(world.child, world.canteen, 3, 2)
    p = period(world, 3)
    compute_batch(p.batches[0])
    session.add(ConsumptionImport(organisation_id=world.org.id, period_id=p.id, activity_id=world.canteen.id,
                                  filename="cantine.tsv", content_hash="x" * 64, encoding="utf-8", row_count=0,
                                  meals=0, created_at=p.created_at))
    session.flush()
    corrections.delete_period(p)
    assert count(session, BillingPeriod) == 0 and count(session, Batch) == 0 and count(session, Invoice) == 0
    assert count(session, ConsumptionImport) == 0
    assert bill(world, 3)[world.family.id].total == D("4.00")  # the month is no longer blocked


def test_a_period_whose_lot_is_being_worked_on_is_not_deleted(world, session):
    from webapp.invoicing import jobs
    from webapp.jobs.models import JobStatus

    attend(world.child, world.canteen, 3, 2)
    p = period(world, 3)
    compute_batch(p.batches[0])
    job = jobs.start("pdf", p.batches[0])
    with pytest.raises(DomainError, match="Un travail est en cours"):
        corrections.delete_period(p)
    job.status = JobStatus.DONE
    corrections.delete_period(p)
    session.refresh(job)
    assert job.batch_id is None and count(session, BillingPeriod) == 0


def test_discarding_a_lots_drafts_leaves_the_attendance_to_bill(world, session):
    attend(world.child, world.canteen, 3, 2)
    batch = period(world, 3).batches[0]
    compute_batch(batch)
    assert corrections.discard_drafts(batch) == 1
    assert batch.status is BatchStatus.NEW and count(session, Invoice) == 0
    compute_batch(batch)
    number_batch(batch)
    with pytest.raises(DomainError, match="numéroté"):
        corrections.discard_drafts(batch)


def test_drafts_under_the_threshold_leave_the_lot_now_and_at_each_compute(world, session):
    attend(world.child, world.canteen, 3, 2)  # 4.00
    attend(world.other_child, world.canteen, 3, 2, 3, 4)  # 12.00
    batch = period(world, 3).batches[0]
    compute_batch(batch)
    assert corrections.apply_threshold(batch, D("5.00")) == 1
    assert [i.family_id for i in compute_batch(batch)] == [world.other.id]
    number_batch(batch)
    unbilled = session.scalars(sa.select(Attendance).where(Attendance.child_id == world.child.id)).all()
    assert [a.billed_invoice_id for a in unbilled] == [None]  # still billable later


def test_manual_lines_make_a_one_off_invoice_survive_a_recompute_and_are_numbered_with_the_lot(world, session):
    attend(world.child, world.canteen, 3, 2)
    batch = period(world, 3).batches[0]
    compute_batch(batch)
    corrections.add_manual_line(batch, world.family, _line(world, label="Sortie", unit_price=D("7.50")))
    one_off = corrections.add_manual_line(batch, world.other, _line(world, quantity=D(2)))
    assert one_off.total == D("10.00") and one_off.status is InvoiceStatus.DRAFT
    invoices = {i.family_id: i for i in compute_batch(batch)}
    assert invoices[world.family.id].total == D("11.50") and invoices[world.other.id].total == D("10.00")
    assert [line.manual for line in invoices[world.family.id].lines] == [False, True]
    numbered = number_batch(batch)
    assert all(i.number for i in numbered) and account(world, world.other).balance == D("10.00")
    with pytest.raises(DomainError, match="numéroté"):
        corrections.add_manual_line(batch, world.family, _line(world))
    assert ledger.check_books() == []


def test_a_manual_line_is_refused_naming_the_field(world, make_regie, make_activity):
    batch = period(world, 3).batches[0]
    elsewhere = make_activity(make_regie(world.org))
    with pytest.raises(DomainError) as refused:
        corrections.add_manual_line(batch, world.family, _line(world, activity_id=elsewhere.id))
    assert refused.value.field == "activity_id"
    with pytest.raises(DomainError) as refused:
        corrections.add_manual_line(batch, world.family, _line(world, child_id=world.other_child.id))
    assert refused.value.field == "child_id"


def test_cancelling_an_invoice_issues_a_numbered_credit_note_and_the_family_is_billed_again(world, session):
    attend(world.child, world.canteen, 3, 2, 3)
    attend(world.other_child, world.canteen, 3, 2)
    first = bill(world, 3)
    wrong = first[world.family.id]
    number = wrong.number
    (credit_note,) = cancellation.cancel_invoices([wrong], "Repas du 3 compté à tort")
    assert credit_note.kind is InvoiceKind.CREDIT_NOTE and credit_note.total == D("-8.00")
    assert credit_note.number == "AV-CANT-2026-000001" and credit_note.cancels_id == wrong.id
    assert credit_note.reason == "Repas du 3 compté à tort" and credit_note.batch.period.corrects_id
    session.refresh(wrong)
    assert wrong.number == number and wrong.total == D("8.00")  # never edited
    assert wrong.settlement is Settlement.CANCELLED and first[world.other.id].settlement is Settlement.UNPAID
    assert account(world).balance == D("0.00") and ledger.check_books() == []
    attendances = session.scalars(sa.select(Attendance).where(Attendance.child_id == world.child.id)).all()
    assert {a.billed_invoice_id for a in attendances} == {None}
    # The agent corrects the attendance, then a complementary period bills the family again.
    attend(world.child, world.canteen, 3, 3, presence=Presence.JUSTIFIED)
    complement = create_period(world.org, {
        "label": "Complément mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 28),
        "invoice_date": date(2026, 4, 10), "debit_date": None, "due_date": date(2026, 4, 30),
        "regularisation_from": None, "fiscal_year": None}, [world.regie], [])
    compute_batch(complement.batches[0])
    (again,) = number_batch(complement.batches[0])
    assert again.family_id == world.family.id and again.total == D("4.00")
    assert account(world).balance == D("4.00") and ledger.check_books() == []
    with pytest.raises(DomainError, match="déjà annulée par l'avoir AV-CANT-2026-000001"):
        cancellation.cancel_invoices([wrong], "Encore")


def test_cancelling_a_whole_lot_is_all_or_nothing_and_names_each_refusal(world, session):
    attend(world.child, world.canteen, 3, 2)
    attend(world.other_child, world.canteen, 3, 2)
    invoices = bill(world, 3)
    pay(world, "4.00")
    with pytest.raises(DomainError, match=r"facture CANT-2026-\d+ \(BERNARD Hélène\) : elle est réglée de 4,00"):
        cancellation.cancel_invoices(list(invoices.values()), "Lot faux")
    assert count(session, Invoice, Invoice.kind == InvoiceKind.CREDIT_NOTE) == 0
    with pytest.raises(DomainError, match="motif"):
        cancellation.cancel_invoices([invoices[world.other.id]], " ")
    assert cancellation.blockers([invoices[world.other.id]]) == {}
    credit_notes = cancellation.cancel_invoices([invoices[world.other.id]], "Lot faux")
    assert [c.number for c in credit_notes] == ["AV-CANT-2026-000001"] and ledger.check_books() == []


def test_an_exported_lot_and_a_draft_are_not_cancelled(world, session):
    attend(world.child, world.canteen, 3, 2)
    (numbered,) = bill(world, 3).values()
    export_batch(numbered.batch)
    assert cancellation.blockers([numbered]) == {numbered.id: "son lot est exporté vers la trésorerie"}
    attend(world.child, world.canteen, 4, 1)
    batch = period(world, 4).batches[0]
    (draft,) = compute_batch(batch)
    assert "pas numérotée" in cancellation.blockers([draft])[draft.id]


def test_the_pages_edit_a_period_cancel_an_invoice_and_add_a_line(login, make_user, world, session):
    from webapp.auth.models import Role

    attend(world.child, world.canteen, 3, 2, 3)
    p = period(world, 3)
    batch_id = p.batches[0].id
    client = login(make_user(world.org, Role.REGISSEUR))
    base = f"/o/{world.org.id}/facturation"
    assert "Modifier</a>" in client.get(f"{base}/").get_data(as_text=True)
    form = {"label": "Mars 2026", "start_date": "2026-03-01", "end_date": "2026-03-28", "invoice_date": "2026-04-03",
            "due_date": "2026-02-01"}
    refused = client.post_form(f"{base}/periodes/{p.id}/modifier", form)
    assert refused.status_code == 422 and "L&#39;échéance précède la date de facture" in refused.get_data(as_text=True)
    assert client.post_form(f"{base}/periodes/{p.id}/modifier", {**form, "due_date": "2026-04-30"}).status_code == 303
    session.expire_all()
    assert session.get(Batch, batch_id).period.due_date == date(2026, 4, 30)
    compute_batch(session.get(Batch, batch_id))
    line = client.post_form(f"{base}/lots/{batch_id}/ligne", {
        "family_id": world.other.id, "activity_id": world.canteen.id, "label": "Badge perdu", "quantity": "1",
        "unit_price": "5,00"})
    assert line.status_code == 303
    number_batch(session.get(Batch, batch_id))
    wrong = session.scalar(sa.select(Invoice).where(Invoice.family_id == world.family.id))
    page = client.get(f"{base}/factures/{wrong.id}").get_data(as_text=True)
    assert "Annuler la facture par un avoir</button>" in page
    assert client.post_form(f"{base}/factures/{wrong.id}/annulation", {"reason": ""}).status_code == 303
    assert count(session, Invoice, Invoice.kind == InvoiceKind.CREDIT_NOTE) == 0
    done = client.post_form(f"{base}/factures/{wrong.id}/annulation", {"reason": "Mauvaise échéance"},
                            follow_redirects=True).get_data(as_text=True)
    assert "1 avoir(s) émis : AV-CANT-2026-000001" in done and "Facture annulée par l'avoir" in done
    assert ledger.check_books() == []


def test_lot_totals_count_the_cancellations_and_the_summary_prints_by_accounting_code(login, make_user, world,
                                                                                     session):
    from webapp.auth.models import Role
    from webapp.invoicing import summary

    attend(world.child, world.canteen, 3, 2, 3)
    attend(world.other_child, world.care, 3, 2)
    invoices = bill(world, 3)
    batch_id = invoices[world.family.id].batch_id
    pay(world, "1.50", family=world.other)
    cancellation.cancel_invoices([invoices[world.family.id]], "Erreur")
    totals = summary.lot_totals(session.get(Batch, batch_id))
    assert (totals.count, totals.invoiced, totals.credit_notes, totals.cancelled) == (2, D("9.50"), D("-8.00"), 1)
    assert (totals.received, totals.due, totals.held) == (D("1.50"), D("0.00"), 0)
    assert [(line.accounting_code, line.amount) for line in summary.summary_lines(session.get(Batch, batch_id))] == [
        ("7066", D("1.50")), ("7067", D("8.00"))]
    client = login(make_user(world.org, Role.REGISSEUR))
    response = client.get(f"/o/{world.org.id}/facturation/lots/{batch_id}/recapitulatif.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")


def test_a_paid_invoice_is_cancelled_keeping_its_payment_as_credit_that_settles_the_next_invoice(world, session):
    attend(world.child, world.canteen, 3, 2, 3)  # March: 8.00
    march = bill(world, 3)[world.family.id]
    pay(world, "8.00")
    attend(world.child, world.canteen, 4, 1)  # April: 4.00, unpaid
    april = bill(world, 4)[world.family.id]
    assert cancellation.blockers([march], keep_payments_as_credit=True) == {}
    cancellation.cancel_invoices([march], "Mars facturé deux fois", keep_payments_as_credit=True)
    session.refresh(march)
    session.refresh(april)
    assert march.paid == D("0.00") and march.settlement is Settlement.CANCELLED
    assert april.settlement is Settlement.PAID  # the kept 8.00 paid April's 4.00…
    assert account(world).balance == D("-4.00")  # …and 4.00 stay as credit
    assert ledger.check_books() == []
