"""The régie's state: what was billed, paid, written off, and the credit the families hold."""


import pytest

from webapp.counter import ledger, reports, services, settlement
from webapp.errors import DomainError

from tests.counter_world import (
    D, PAY_DAY, account, pay, refund,
)


def test_the_regie_state_adds_up_billed_paid_written_off_and_credit(world, small_year):
    assert (small_year.march.total, small_year.march.paid) == (D("15.00"), D("10.00"))
    state = reports.regie_state(world.regie, 2025)
    (year,) = state.years
    assert (year.label, year.opening, year.invoiced, year.credit_notes, year.received, year.refunded,
            year.cancelled, year.written_off, year.carried, year.closed) == (
        "2025-2026", D("0"), D("27.00"), D("0"), D("16.00"), D("0"), D("0"), D("3.00"), D("0"), False)
    assert year.balance == D("8.00")
    assert (state.due, state.credit) == (D("10.00"), D("2.00"))
    assert [(a.name, a.invoiced, a.paid, a.written_off, a.outstanding) for a in state.activities] == [
        ("Cantine", D("24.00"), D("12.00"), D("3.00"), D("9.00")),
        ("Garderie", D("3.00"), D("2.00"), D("0.00"), D("1.00"))]
    assert reports.activity_totals(world.regie, 2026) == []


def test_a_refunded_payment_cancelled_since_takes_no_credit_from_other_families(world, small_year):
    payment = pay(world, "5.00", family=world.other, keep_credit=True)
    refund(world, "5.00", family=world.other)
    services.cancel_payment(payment, "Chèque impayé après remboursement", PAY_DAY)
    # Arnaud had 2.00 of credit and now owes 3.00 refunded on a cheque that bounced.
    assert account(world, world.other).balance == D("3.00") and settlement.credit(account(world, world.other)) == D("0")
    state = reports.regie_state(world.regie, 2025)
    assert (state.due, state.credit) == (D("10.00"), D("0.00"))
    # That debt is paid like an invoice, without the credit option, and leaves no credit behind.
    with pytest.raises(DomainError, match="dépasse de 1,00"):
        pay(world, "4.00", family=world.other)
    pay(world, "3.00", family=world.other)
    assert account(world, world.other).balance == D("0.00") and settlement.credit(account(world, world.other)) == D("0")
    assert ledger.check_books() == []
