"""Direct debits end to end at the service level: mandates, the run of a numbered lot, its files, transmission,
validation (payments, mandates advanced, slip), cancellation, rollback and the bank's rejects."""

from datetime import date
from decimal import Decimal

import pytest
import regie_sepa
import sqlalchemy as sa

from tests.counter_world import attend, bill, count
from webapp.counter import slips
from webapp.counter.forms import PaymentForm
from webapp.counter.models import Cancellation, PaymentMode
from webapp.debits import mandates, queries, records, rejects, rollback, runs
from webapp.debits.models import DebitRun, MandateState, RunStatus
from webapp.errors import DomainError
from webapp.invoicing.documents import debited_automatically
from webapp.invoicing.models import Settlement

D = Decimal
IBAN = "FR7630004000010001234567830"
OTHER_BANK = "FR1420041010050500013M02606"


def sign(w, family=None, signed_on=date(2026, 9, 1), **data):
    return mandates.create_mandate(w.regie, family or w.family, {
        "holder": "Mme Hélène Bernard", "iban": IBAN, "signed_on": signed_on, "signed_at": "Marville",
        "town": "Marville", "postcode": "01234", "street": "1 rue de la Mairie", **data})


@pytest.fixture
def lot(world):
    """October billed: Bernard 12.00 (mandate), Arnaud 4.00 (mandate lapsed: signed in 2022, never used)."""
    sign(world)
    sign(world, world.other, signed_on=date(2022, 1, 3), holder="M. Arnaud")
    attend(world.child, world.canteen, 10, 1, 2, 5)
    attend(world.other_child, world.canteen, 10, 1)
    invoices = bill(world, 10)
    return invoices[world.family.id].batch


def ready(lot, session):
    run = runs.prepare_run(lot, {"reason": "Cantine octobre"})
    runs.build(run)
    runs.transmit(run)
    return run


def test_mandate_reference_and_invoice_mention(world, lot):
    mandate = mandates.current_mandate(world.regie.id, world.family.id)
    assert mandate.reference == "RUM-000000001"
    assert mandate.account.bic == "BNPAFRPP"  # derived from the IBAN
    assert debited_automatically(lot.invoices[0])


def test_run_lists_collected_and_excluded_with_reasons(world, lot, session):
    run = runs.prepare_run(lot, {})
    (item,) = run.collected
    assert (item.family_id, item.amount, item.sequence) == (world.family.id, D("12.00"), "FRST")
    (out,) = run.excluded
    assert out.family_id == world.other.id and "caduc" in out.excluded
    assert [(t.sequence, t.count, t.total) for t in runs.totals(run)] == [("FIRST", 1, D("12.00"))]
    with pytest.raises(DomainError, match="déjà ses prélèvements"):
        runs.prepare_run(lot, {})


def test_dates_never_earlier_than_proposed_nor_closed(world, lot):
    proposed = runs.proposed_dates(lot)[regie_sepa.Sequence.FIRST]
    with pytest.raises(DomainError, match="avant le"):
        runs.prepare_run(lot, {"first_date": date(2026, 1, 5)})
    with pytest.raises(DomainError, match="TARGET2"):
        runs.prepare_run(lot, {"first_date": date(2026, 12, 25) if proposed <= date(2026, 12, 25) else
                               date(2027, 1, 1)})


def test_files_built_checked_and_stored(world, lot, session):
    run = runs.prepare_run(lot, {"reason": "Cantine octobre"})
    (file,) = runs.build(run)
    assert file.name == "PRELEV_FIRST.XML" and file.transactions == 1 and file.total == D("12.00")
    back = regie_sepa.read(file.content)
    assert back.transactions[0].end_to_end_id == lot.invoices[0].number
    assert len(file.sha256) == 64


def test_validate_books_payments_advances_mandates_and_slips(world, lot, session):
    run = ready(lot, session)
    invoice = run.collected[0].invoice
    assert queries.invoices_on_runs([invoice.id]) == {invoice.id: f"Prélèvements n° {run.id} (transmis)"}
    runs.validate(run)
    assert run.status is RunStatus.VALIDATED
    assert invoice.settlement is Settlement.PAID
    payment = run.collected[0].payment
    assert payment.mode is PaymentMode.DIRECT_DEBIT and payment.amount == D("12.00")
    assert payment.slip_item.slip.mode is PaymentMode.DIRECT_DEBIT
    mandate = run.collected[0].mandate
    assert (mandate.last_collection_date, mandate.last_sequence) == (run.first_date, "FRST")
    with pytest.raises(DomainError, match="Validé"):
        runs.validate(run)
    with pytest.raises(DomainError):
        runs.cancel(run)


def test_cancel_before_transmission_leaves_nothing_and_after_it_is_refused(world, lot, session):
    run = runs.prepare_run(lot, {"reason": "Cantine octobre"})
    runs.build(run)
    runs.cancel(run)
    session.flush()
    assert count(session, DebitRun) == 0
    run = ready(lot, session)  # transmitted: what the bank received is kept
    with pytest.raises(DomainError, match="Transmis"):
        runs.cancel(run)


def test_rollback_restores_mandates_and_reopens_invoices(world, lot, session):
    run = ready(lot, session)
    runs.validate(run)
    plan = rollback.preview(run)
    assert plan.refusals == [] and plan.restored == ["RUM-000000001"]
    rollback.roll_back(run, "Fichier refusé par la banque")
    mandate = run.collected[0].mandate
    assert (mandate.last_collection_date, mandate.last_sequence) == (None, None)
    assert run.collected[0].invoice.settlement is Settlement.UNPAID
    assert run.status is RunStatus.ROLLED_BACK
    assert queries.invoices_on_runs([run.collected[0].invoice_id]) == {}
    with pytest.raises(DomainError):
        rollback.roll_back(run, "encore")


def test_rollback_refused_once_the_slip_is_final(world, lot, session):
    run = ready(lot, session)
    runs.validate(run)
    slip = run.collected[0].payment.slip_item.slip
    slips.finalize(slip)
    assert "définitif" in rollback.preview(run).refusals[0]


def _pain002(message_id, e2e, code, group=None):
    tx = "" if group else (f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>X</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>{e2e}"
                           f"</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>"
                           "</TxInfAndSts></OrgnlPmtInfAndSts>")
    status = f"<GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf>" if group else "<GrpSts>PART</GrpSts>"
    return ('<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">'
            "<CstmrPmtStsRpt><GrpHdr><MsgId>BNK-1</MsgId><CreDtTm>2026-12-09T07:12:00</CreDtTm></GrpHdr>"
            f"<OrgnlGrpInfAndSts><OrgnlMsgId>{message_id}</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>"
            f"{status}</OrgnlGrpInfAndSts>{tx}</CstmrPmtStsRpt></Document>").encode()


def test_pain002_reject_cancels_and_ends_the_mandate_once(world, lot, session):
    run = ready(lot, session)
    runs.validate(run)
    item = run.collected[0]
    report = _pain002(run.files[0].message_id, item.end_to_end_id, "MD01")
    outcome = rejects.import_report(world.org.id, {world.regie.id}, report)
    assert [r.code for r in outcome.booked] == ["MD01"]
    assert item.invoice.settlement is Settlement.UNPAID
    assert "Absence de mandat" in item.payment.cancellation.reason
    assert item.mandate.state is MandateState.REVOKED
    again = rejects.import_report(world.org.id, {world.regie.id}, report)
    assert again.booked == [] and again.already == [item.invoice.number]
    assert count(session, Cancellation) == 1


def test_whole_file_reject_restores_the_mandates(world, lot, session):
    run = ready(lot, session)
    runs.validate(run)
    rejects.import_report(world.org.id, {world.regie.id}, _pain002(run.files[0].message_id, "", "FF01", group=True))
    mandate = run.collected[0].mandate
    assert mandate.last_collection_date is None and mandate.state is MandateState.ACTIVE
    assert run.collected[0].invoice.settlement is Settlement.UNPAID


def test_reject_by_hand(world, lot, session):
    run = ready(lot, session)
    runs.validate(run)
    rejects.by_hand(run.collected[0], {"code": "AM04"})
    assert run.collected[0].payment.cancellation.reason == "Prélèvement rejeté (AM04) : Provision insuffisante"
    assert run.collected[0].mandate.state is MandateState.ACTIVE


def test_change_of_bank_means_first_with_smnda(world, lot, session):
    run = ready(lot, session)
    runs.validate(run)
    mandate = run.collected[0].mandate
    with pytest.raises(DomainError, match="avenant"):
        mandates.correct_entry(mandate, {"holder": "X", "iban": OTHER_BANK})
    mandates.change_account(mandate, {"holder": "Mme Hélène Bernard", "iban": OTHER_BANK})
    assert mandate.amendment["new_bank"] is True
    assert regie_sepa.rules.next_sequence(records.mandate(mandate)) is regie_sepa.Sequence.FIRST


def test_unknown_report_is_refused(world, lot):
    with pytest.raises(DomainError, match="aucun prélèvement"):
        rejects.import_report(world.org.id, {world.regie.id}, _pain002("NOPE", "X", "AM04"))
    with pytest.raises(DomainError, match="illisible"):
        rejects.import_report(world.org.id, {world.regie.id}, b"<x/>")


def test_direct_debit_is_not_a_counter_mode():
    assert "prelevement" not in [choice.value for choice in PaymentForm.mode.kwargs["choices"]]


def test_demo_families_have_mandates_one_lapsing_one_lapsed(session):
    from webapp import demo
    from webapp.debits.models import Mandate
    from webapp.invoicing.models import Batch, BatchStatus

    demo.seed()
    found = session.scalars(sa.select(Mandate)).all()
    assert found and all(m.state is MandateState.ACTIVE for m in found)
    states = {mandates.status(m) for m in found}
    assert "actif" in states and any(s.startswith("caduc") for s in states)
    regie_ids = list({m.regie_id for m in found})
    assert any(mandates.expiry(m) >= date.today() for m in mandates.lapsing(regie_ids))
    october = session.scalars(sa.select(Batch).where(Batch.status == BatchStatus.NUMBERED,
                                                     Batch.regie_id.in_(regie_ids)).order_by(Batch.id)).first()
    run = runs.prepare_run(october, {})
    assert run.collected and any("caduc" in i.excluded for i in run.excluded)


def test_a_lapsed_mandate_does_not_say_debited(world, lot):
    invoices = {i.family_id: i for i in lot.invoices}
    assert debited_automatically(invoices[world.family.id])
    assert not debited_automatically(invoices[world.other.id])  # signed in 2022, never used: lapsed


def test_an_invoice_on_a_run_is_not_cancelled_and_a_cancelled_one_is_not_collected(world, lot, session):
    from webapp.invoicing.cancellation import blockers, cancel_invoices
    invoice = next(i for i in lot.invoices if i.family_id == world.family.id)
    other = next(i for i in lot.invoices if i.family_id == world.other.id)
    cancel_invoices([other], "Erreur de tarif")
    run = runs.prepare_run(lot, {})
    assert "Prélèvements n°" in blockers([invoice])[invoice.id]
    with pytest.raises(DomainError, match="annulez-les, ou attendez le rejet"):
        cancel_invoices([invoice], "Erreur de tarif")
    assert [item.excluded for item in run.excluded] == [f"Facture annulée par l'avoir {other.cancelled_by.number}"]
    runs.cancel(run)
    assert blockers([invoice]) == {}


def test_an_invoice_a_payment_plan_is_paying_is_not_collected(world, lot):
    from webapp.formatting import today
    from webapp.plans.services import create_plan
    other = next(i for i in lot.invoices if i.family_id == world.other.id)
    create_plan(world.regie, world.other, {"invoice_ids": [other.id], "count": 2, "first_due_on": today()})
    run = runs.prepare_run(lot, {})
    assert [i.family_id for i in run.collected] == [world.family.id]
    assert [(item.invoice_id, item.excluded) for item in run.excluded] == [(other.id, "Échéancier en cours")]


def test_a_debit_of_an_invoice_paid_meanwhile_settles_the_next_one_or_stays_as_credit(world, lot, session):
    from tests.counter_world import pay
    from webapp.counter import ledger
    run = ready(lot, session)
    invoice = run.collected[0].invoice
    pay(world, "5.00", received_on=runs.today())  # at the counter, while the bank holds the file
    runs.validate(run)
    payment = run.collected[0].payment
    assert payment.mode is PaymentMode.DIRECT_DEBIT and payment.amount == D("12.00")  # what the bank took
    assert invoice.outstanding == 0 and ledger.find_account(world.regie.id, world.family.id).balance == D("-5.00")
    assert ledger.check_books() == []


def test_a_lots_totals_tell_what_was_debited(world, lot, session):
    from webapp.invoicing.summary import lot_totals
    runs.validate(ready(lot, session))
    totals = lot_totals(lot)
    assert (totals.received, totals.debited, totals.due) == (D("12.00"), D("12.00"), D("4.00"))


@pytest.mark.parametrize("statement, message", [
    ("UPDATE debit_runs SET first_date = '2026-12-31' WHERE id = :run", "ne changent plus"),
    ("UPDATE debit_runs SET status = 'transmis' WHERE id = :run", "ne changent plus"),
    ("DELETE FROM debit_runs WHERE id = :run", "ne s'effacent pas"),
    ("UPDATE debit_run_items SET amount = 1 WHERE run_id = :run", "ne change plus"),
    ("DELETE FROM debit_run_items WHERE run_id = :run", "ne s'efface pas"),
    ("UPDATE debit_files SET total = 1 WHERE run_id = :run", "ce que la banque a reçu"),
    ("DELETE FROM debit_files WHERE run_id = :run", "ne s'efface pas"),
    ("UPDATE bank_rejects SET code = 'AC04' WHERE item_id IN (SELECT id FROM debit_run_items WHERE run_id = :run)",
     "définitif"),
])
def test_a_validated_run_its_items_files_and_rejects_refuse_raw_sql(world, lot, session, statement, message):
    run = runs.validate(ready(lot, session))
    rejects.reject(run.collected[0], "MD06", "Remboursement demandé")
    session.flush()
    with pytest.raises(sa.exc.DBAPIError, match=message), session.begin_nested():
        session.execute(sa.text(statement), {"run": run.id})


def test_a_rolled_back_run_changes_no_more(world, lot, session):
    run = runs.validate(ready(lot, session))
    rollback.roll_back(run, "Fichier refusé par la banque")
    session.flush()
    with pytest.raises(sa.exc.DBAPIError, match="ne changent plus"), session.begin_nested():
        session.execute(sa.text("UPDATE debit_runs SET status = 'valide' WHERE id = :run"), {"run": run.id})
