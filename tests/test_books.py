"""The books' self-check, and a story of any counter operations that must keep the books right."""


import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.counter import closings, ledger, services, settlement
from webapp.counter.models import (
    Allocation,
    Cancellation,
    Payment,
)
from webapp.errors import DomainError
from webapp.invoicing import cancellation
from webapp.invoicing.models import Batch, BatchStatus, Invoice, InvoiceKind
from webapp.invoicing.services import compute_batch, number_batch

from tests.counter_world import (
    D, PAY_DAY, account, attend, bill, cheque, count, invoice, pay, period, refund, write_off,
)


# The books' self-check


def test_an_invoice_settled_exactly_by_cents_that_floats_cannot_add(world, make_activity, make_tariff):
    """3.30 = 2.20 + 1.10 in decimal, not in the floats SQLite adds NUMERIC with: the settlement still fits."""
    snack = make_activity(world.regie, name="Goûter")
    make_tariff(snack, price=D("1.10"))
    attend(world.child, snack, 3, 2, 3, 4)
    march = bill(world, 3)[world.family.id]
    assert march.total == D("3.30")
    write_off(march, "1.10")
    pay(world, "2.20")
    assert (march.outstanding, march.settlement) == (D("0.00"), "payee")
    assert ledger.check_books() == []


def test_an_implausible_amount_is_refused_before_the_database_sees_it(world, session):
    invoice(world, 3, 2)
    with pytest.raises(DomainError, match="n'est pas plausible") as refused:
        pay(world, "100000000000.00", keep_credit=True)
    assert refused.value.field == "amount" and count(session, Payment) == 0


def test_the_books_check_finds_a_payment_settling_more_than_it_brought(world, session):
    march = invoice(world, 3, 2, 3, 5)
    payment = pay(world, "5.00")
    session.execute(sa.text("INSERT INTO allocations (invoice_id, payment_id, amount, created_at)"
                            " VALUES (:invoice, :payment, 1, :now)"),
                    {"invoice": march.id, "payment": payment.id, "now": "2026-06-15 10:00:00"})
    session.execute(sa.text("UPDATE invoices SET paid = 6 WHERE id = :id"), {"id": march.id})
    assert ledger.check_books() == [ledger.Discrepancy(f"Affecté du règlement n° {payment.id}", D("5.00"), D("6.00"))]


def test_the_books_check_finds_a_closed_year_left_with_a_balance(world, small_year, session):
    closings.close_school_year(world.regie, 2025)
    session.execute(sa.text("INSERT INTO account_entries (account_id, kind, amount, booked_on, school_year, label,"
                            " created_at) VALUES (:account, 'facture', 2, '2026-06-01', 2025, 'Glissée', :now)"),
                    {"account": account(world).id, "now": "2026-06-15 10:00:00"})
    session.execute(sa.text("UPDATE accounts SET balance = balance + 2 WHERE id = :id"), {"id": account(world).id})
    assert ledger.check_books() == [ledger.Discrepancy(
        f"Année 2025-2026 du compte n° {account(world).id} non reportée", D("0.00"), D("2.00"))]


def test_the_books_check_agrees_after_a_mixed_story_and_finds_one_corrupted_value(world, session):
    march = invoice(world, 3, 2, 3, 5)
    pay(world, "5.00", mode="especes")
    attend(world.child, world.canteen, 3, 3, 5, presence=None)
    (credit_note,) = bill(world, 4).values()
    assert credit_note.kind is InvoiceKind.CREDIT_NOTE and (march.paid, march.outstanding) == (D("12.00"), D("0"))
    refund(world, "1.00", mode="especes")
    may = invoice(world, 5, 4, 5, 6)
    bounced = cheque(world, "12.00", "401")
    services.cancel_payment(bounced, "Chèque impayé", PAY_DAY)
    write_off(may, "2.00")
    pay(world, "20.00", family=world.other, keep_credit=True)
    attend(world.other_child, world.canteen, 6, 1, 2)
    other_june = bill(world, 6)[world.other.id]
    assert other_june.paid == D("8.00") and account(world, world.other).balance == D("-12.00")
    assert ledger.check_books() == [] and ledger.check_books(world.org.id) == []

    bernard = account(world)
    session.flush()
    session.execute(sa.text("UPDATE accounts SET balance = balance + 1 WHERE id = :id"), {"id": bernard.id})
    assert ledger.check_books(world.org.id) == [
        ledger.Discrepancy(f"Solde du compte n° {bernard.id}", D("11.00"), D("10.00"))]
    session.execute(sa.text("UPDATE accounts SET balance = balance - 1 WHERE id = :id"), {"id": bernard.id})
    session.execute(sa.text("UPDATE invoices SET paid = paid - 1 WHERE id = :id"), {"id": march.id})
    # The invoice now seems to owe 1.00 more than the account does: the same corruption, seen from the account.
    assert ledger.check_books() == [
        ledger.Discrepancy(f"Payé de la facture {march.number}", D("11.00"), D("12.00")),
        ledger.Discrepancy(f"Avoir du compte n° {bernard.id} à côté de factures dues", D("0.00"), D("1.00"))]


def test_the_books_check_command_says_whether_the_books_agree(app, world, session):
    invoice(world, 3, 2, 3, 5)
    pay(world, "5.00")
    session.commit()  # into the test's outer transaction: the command's own session sees it
    runner = app.test_cli_runner()
    agreed = runner.invoke(args=["books", "check", "--organisation", str(world.org.id)])
    assert agreed.exit_code == 0 and "correspondent exactement" in agreed.output
    session.execute(sa.text("UPDATE accounts SET balance = balance + 1 WHERE id = :id"), {"id": account(world).id})
    session.commit()
    disagreed = runner.invoke(args=["books", "check", "--organisation", str(world.org.id)])
    assert disagreed.exit_code == 1
    assert f"Solde du compte n° {account(world).id} : enregistré 8.00, recalculé 7.00" in disagreed.output
    assert "1 écart(s)" in disagreed.output


@pytest.fixture
def story(world, session, make_activity, make_tariff):
    """March billed (16.00 of canteen, 3.30 of snacks: cents that floats do not add exactly); two March days
    taken back so that April is a credit note; May and June wait."""
    snack = make_activity(world.regie, name="Goûter")
    make_tariff(snack, price=D("1.10"))
    attend(world.child, world.canteen, 3, 2, 3, 5, 9)
    attend(world.child, snack, 3, 2, 3, 5)
    bill(world, 3)
    attend(world.child, world.canteen, 3, 2, 3, presence=None)
    attend(world.child, world.canteen, 4, 1)
    attend(world.child, world.canteen, 5, 4, 5, 6)
    attend(world.child, world.canteen, 6, 1, 2)
    world.batches = [period(world, month).batches[0].id for month in (4, 5, 6)]
    session.flush()
    return world


def _family_state(w, session):
    account = ledger.find_account(w.regie.id, w.family.id)
    session.refresh(account)
    invoices = session.scalars(sa.select(Invoice).where(Invoice.family_id == w.family.id,
                                                        Invoice.kind == InvoiceKind.INVOICE)).all()
    return account, invoices


def _apply(w, session, operation):
    account, invoices = _family_state(w, session)
    open_invoices = settlement.open_invoices(account)
    kind, *args = operation
    if kind == "pay":
        cents, keep, mode = args
        due = sum((i.outstanding for i in open_invoices), D("0.00"))
        amount = D(cents) / 100 if keep or not due else min(D(cents) / 100, due)
        extra = {"cheque_number": "777", "bank": "La Banque Postale"} if mode == "cheque" else {}
        pay(w, amount, mode=mode, keep_credit=keep or not due, **extra)
    elif kind == "cancel":
        live = session.scalars(sa.select(Payment).where(Payment.family_id == w.family.id, ~Payment.cancellation.has())
                               .order_by(Payment.id)).all()
        if live:
            services.cancel_payment(live[args[0] % len(live)], "Erreur", PAY_DAY)
    elif kind == "refund":
        available = settlement.credit(account)
        if available:
            refund(w, min(D(args[0]) / 100, available))
    elif kind == "cancel_invoice":
        chosen, keep = args
        numbered = [i for i in invoices if i.number and not cancellation.blockers([i], keep_payments_as_credit=keep)]
        if numbered:
            cancellation.cancel_invoices([numbered[chosen % len(numbered)]], "Erreur de facturation",
                                         keep_payments_as_credit=keep)
    elif kind == "write_off":
        if open_invoices:
            chosen = open_invoices[args[0] % len(open_invoices)]
            write_off(chosen, min(D(args[1]) / 100, chosen.outstanding))
    else:
        waiting = session.scalars(sa.select(Batch).where(Batch.id.in_(w.batches), Batch.status == BatchStatus.NEW)
                                  .order_by(Batch.id)).first()
        if waiting is not None:
            compute_batch(waiting)
            number_batch(waiting)


OPERATIONS = st.one_of(
    st.tuples(st.just("pay"), st.integers(1, 2500), st.booleans(), st.sampled_from(["especes", "cheque", "virement"])),
    st.tuples(st.just("cancel"), st.integers(0, 9)),
    st.tuples(st.just("refund"), st.integers(1, 2500)),
    st.tuples(st.just("write_off"), st.integers(0, 3), st.integers(1, 2500)),
    st.tuples(st.just("cancel_invoice"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("bill")),
)


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATIONS, max_size=12))
def test_any_sequence_of_counter_operations_and_invoice_cancellations_keeps_the_books_right(story, session, operations):
    example = session.begin_nested()
    try:
        for operation in operations:
            _apply(story, session, operation)
            account, invoices = _family_state(story, session)
            assert ledger.check_books() == [], operation
            assert all(0 <= i.paid + i.written_off <= i.total and i.paid >= 0 for i in invoices), operation
            due = sum((i.outstanding for i in invoices), D("0.00"))
            from_credit = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Allocation.amount), 0)).where(
                Allocation.payment_id.is_(None), Allocation.invoice_id.in_([i.id for i in invoices])))
            assert settlement.credit(account) >= 0
            # Credit is never overspent: a family owing more than its invoices has none left on them.
            assert account.balance <= due or from_credit == 0, operation
            # A payment settles at most its amount, and nothing once cancelled.
            allocated = sa.select(sa.func.coalesce(sa.func.sum(Allocation.amount), 0)).where(
                Allocation.payment_id == Payment.id).scalar_subquery()
            for amount, settled, cancelled in session.execute(
                    sa.select(Payment.amount, allocated, Cancellation.id).outerjoin(Cancellation)
                    .where(Payment.family_id == story.family.id)):
                assert settled == 0 if cancelled else 0 <= settled <= amount, operation
    finally:
        example.rollback()
