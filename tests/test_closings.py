"""Closings: a closed cash day takes no more money, the day journal and its count, school years closed and carried
forward."""

from datetime import date

import pytest
import sqlalchemy as sa

from webapp.counter import closings, journal, ledger, reports, services
from webapp.counter.school_years import school_year_of
from webapp.counter.models import (
    Account,
    AccountEntry,
    EntryKind,
    Payment,
    PaymentMode,
)
from webapp.errors import DomainError
from webapp.formatting import today

from tests.counter_world import (
    D, PAY_DAY, TOMORROW, account, attend, bill, cheque, count, invoice, pay, refund, write_off,
)


def test_a_closed_cash_day_takes_no_more_money_movements(world, session):
    invoice(world, 3, 2, 3, 5)
    payment = pay(world, "5.00", mode="especes", keep_credit=True)
    closings.close_day(world.regie, PAY_DAY, D("5.00"), "")
    with pytest.raises(DomainError, match="clôturée jusqu'au 15/06/2026 inclus") as refused:
        pay(world, "1.00")
    assert refused.value.field == "received_on"
    with pytest.raises(DomainError, match="clôturée") as refused:
        services.cancel_payment(payment, "Erreur", PAY_DAY)
    assert refused.value.field == "cancelled_on"
    # The days before are closed too, whether or not they were closed one by one.
    for earlier in (date(2026, 6, 14), date(2019, 1, 2)):
        with pytest.raises(DomainError, match="clôturée jusqu'au 15/06/2026"):
            pay(world, "1.00", received_on=earlier)
        with pytest.raises(DomainError, match="clôturée jusqu'au 15/06/2026"):
            refund(world, "1.00", received_on=earlier)
    assert count(session, Payment) == 1 and payment.cancellation is None
    # The next day is open.
    assert pay(world, "1.00", received_on=date(2026, 6, 16)).amount == D("1.00")


# Cash journal


def test_the_day_journal_adds_up_each_mode_and_the_cash_expected_in_the_till(world):
    invoice(world, 3, 2, 3, 5)
    earlier = pay(world, "3.00", mode="especes", received_on=date(2026, 6, 12))
    pay(world, "4.00", mode="especes")
    cheque(world, "30.00", "301", family=world.other, keep_credit=True)
    pay(world, "7.50", mode="especes", family=world.other, keep_credit=True)
    refund(world, "2.50", family=world.other, mode="especes")
    mistake = pay(world, "5.00", mode="especes")
    services.cancel_payment(mistake, "Erreur de saisie", PAY_DAY)
    services.cancel_payment(earlier, "Billet refusé", PAY_DAY)
    day = journal.day_journal(world.regie, PAY_DAY)
    # 4.00 + 7.50 − 2.50 refunded + 5.00 − 5.00 cancelled − 3.00 cancelled from the 12th
    assert day.expected_cash == D("6.00")
    assert day.by_mode == {PaymentMode.CASH: D("6.00"), PaymentMode.CHEQUE: D("30.00")}
    assert [m.amount for m in day.movements if m.payment.mode is PaymentMode.CHEQUE] == [D("30.00")]
    assert len(day.movements) == 7 and day.closing is None
    assert journal.day_journal(world.regie, date(2026, 6, 12)).expected_cash == D("3.00")


def test_closing_a_day_keeps_the_difference_and_wants_it_explained(world, session):
    invoice(world, 3, 2, 3, 5)
    pay(world, "12.00", mode="especes")
    with pytest.raises(DomainError, match="écart de \u22120,50") as refused:
        closings.close_day(world.regie, PAY_DAY, D("11.50"), " ")
    assert refused.value.field == "comment"
    with pytest.raises(DomainError, match="s'arrête aux centimes") as refused:
        closings.close_day(world.regie, PAY_DAY, D("11.505"), "Pièce perdue")
    assert refused.value.field == "counted_cash"
    closing = closings.close_day(world.regie, PAY_DAY, D("11.50"), "Pièce de 50 centimes perdue")
    assert (closing.expected_cash, closing.counted_cash, closing.difference) == (D("12.00"), D("11.50"), D("-0.50"))
    assert journal.day_journal(world.regie, PAY_DAY).closing is closing
    with pytest.raises(DomainError, match="déjà clôturée") as refused:
        closings.close_day(world.regie, PAY_DAY, D("12.00"), "")
    assert refused.value.field == "day"
    with pytest.raises(DomainError, match="journée à venir"):
        closings.close_day(world.regie, TOMORROW, D("0.00"), "")
    assert closings.close_day(world.regie, date(2026, 6, 16), D("0.00"), "").difference == D("0.00")


def test_closing_a_school_year_carries_each_balance_into_the_next(world, small_year, session):
    with pytest.raises(DomainError, match="n'est pas terminée") as refused:
        closings.close_school_year(world.regie, school_year_of(today()))
    assert refused.value.field == "school_year"
    closings.close_school_year(world.regie, 2025)
    carried = session.execute(
        sa.select(Account.family_id, AccountEntry.school_year, AccountEntry.booked_on, AccountEntry.amount)
        .join(Account).where(AccountEntry.kind == EntryKind.CARRY_FORWARD)
        .order_by(Account.family_id, AccountEntry.school_year)).all()
    assert carried == sorted([
        (world.family.id, 2025, date(2026, 8, 31), D("-10.00")), (world.family.id, 2026, date(2026, 9, 1), D("10.00")),
        (world.other.id, 2025, date(2026, 8, 31), D("2.00")), (world.other.id, 2026, date(2026, 9, 1), D("-2.00"))])
    assert account(world).balance == D("10.00") and account(world, world.other).balance == D("-2.00")
    next_year, closed = reports.year_totals(world.regie)
    assert (closed.school_year, closed.closed, closed.opening, closed.carried, closed.balance) == (
        2025, True, D("0"), D("8.00"), D("8.00"))
    assert (next_year.school_year, next_year.closed, next_year.opening, next_year.carried, next_year.balance) == (
        2026, False, D("8.00"), D("0"), D("8.00"))
    assert ledger.check_books() == []
    with pytest.raises(DomainError, match="2025-2026 est déjà clôturée"):
        closings.close_school_year(world.regie, 2025)


def test_a_closed_school_year_takes_nothing_more(world, small_year, session):
    closings.close_school_year(world.regie, 2025)
    entries = count(session, AccountEntry)
    payment = session.scalars(sa.select(Payment).where(Payment.family_id == world.family.id)).one()
    for action in (lambda: pay(world, "1.00"),
                   lambda: pay(world, "1.00", received_on=date(2026, 11, 30), school_year=2025),
                   lambda: refund(world, "1.00", family=world.other),
                   lambda: write_off(small_year.march, "1.00"),
                   lambda: services.cancel_payment(payment, "Erreur", PAY_DAY)):
        with pytest.raises(DomainError, match="2025-2026 est clôturée") as refused:
            action()
        assert refused.value.field == "school_year"
    attend(world.child, world.canteen, 6, 1)
    with pytest.raises(DomainError, match="2025-2026 est clôturée"), session.begin_nested():
        bill(world, 6)  # the request around it rolls the numbering back
    assert count(session, AccountEntry) == entries and payment.cancellation is None
    # The new school year goes on from the carried balance.
    pay(world, "10.00", received_on=date(2026, 11, 30))
    assert small_year.march.paid == D("15.00") and account(world).balance == D("0.00")


def test_a_school_year_closes_after_the_one_before(world, small_year):
    pay(world, "1.00", received_on=date(2025, 3, 10), keep_credit=True)
    with pytest.raises(DomainError, match="Clôturez d'abord l'année scolaire 2024-2025"):
        closings.close_school_year(world.regie, 2025)
    closings.close_school_year(world.regie, 2024)
    closings.close_school_year(world.regie, 2025)
    assert account(world).balance == D("9.00")


def test_a_year_left_open_behind_a_closed_one_is_closed_with_it(world, small_year):
    """Closing 2025-2026 while 2024-2025 had nothing closes both: nothing is booked in either afterwards,
    and 2024-2025 cannot be closed later (it would carry into a year already carried)."""
    closings.close_school_year(world.regie, 2025)
    with pytest.raises(DomainError, match="2024-2025 est clôturée \\(soldes reportés jusqu'à 2025-2026\\)"):
        pay(world, "1.00", received_on=date(2026, 11, 30), school_year=2024)
    with pytest.raises(DomainError, match="2024-2025 est déjà clôturée, avec tout ce qui précède 2025-2026"):
        closings.close_school_year(world.regie, 2024)
    assert ledger.check_books() == []


# Reopening a closed day


def test_a_closed_day_says_what_to_do_and_a_regisseur_reopens_it_for_a_reason(world, session):
    from webapp.audit.models import AuditEntry
    from webapp.counter.models import CashClosing

    pay(world, "5.00", mode="especes", keep_credit=True)
    closings.close_day(world.regie, PAY_DAY, D("5.00"), "")
    with pytest.raises(DomainError, match="enregistrez à la date d'aujourd'hui, ou demandez à un régisseur de rouvrir "
                                          "la journée du 15/06/2026") as refused:
        pay(world, "1.00", keep_credit=True)
    assert "postérieure" not in refused.value.message
    with pytest.raises(DomainError, match="Indiquez la raison") as refused:
        closings.reopen_day(world.regie, PAY_DAY, "  ")
    assert refused.value.field == "reason"
    reopening = closings.reopen_day(world.regie, PAY_DAY, "Chèque oublié dans le tiroir")
    assert closings.last_closed_day(world.regie.id) is None
    assert cheque(world, "20.00", "4401", keep_credit=True).received_on == PAY_DAY
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "cash_reopening")).one()
    assert audit.changes == {"reason": [None, "Chèque oublié dans le tiroir"]} and audit.entity_id == reopening.id
    with pytest.raises(DomainError, match="n'est pas clôturée"):
        closings.reopen_day(world.regie, PAY_DAY, "Encore")
    again = closings.close_day(world.regie, PAY_DAY, D("5.00"), "")
    assert again.attempt == 2 and count(session, CashClosing) == 2
    day = journal.day_journal(world.regie, PAY_DAY)
    assert day.closing == again and [c.reopening.reason for c in day.reopened] == ["Chèque oublié dans le tiroir"]
    with pytest.raises(DomainError, match="clôturée jusqu'au 15/06/2026"):
        pay(world, "1.00", keep_credit=True)


def test_only_the_last_closed_day_reopens_and_not_once_its_money_is_on_a_final_slip(world):
    from webapp.counter import slips

    pay(world, "5.00", mode="especes", keep_credit=True, received_on=date(2026, 6, 12))
    closings.close_day(world.regie, date(2026, 6, 12), D("5.00"), "")
    closings.close_day(world.regie, PAY_DAY, D("0.00"), "")
    with pytest.raises(DomainError, match="clôturée jusqu'au 15/06/2026 : rouvrez d'abord cette journée-là"):
        closings.reopen_day(world.regie, date(2026, 6, 12), "Erreur")
    slip = slips.finalize(slips.create_slip(world.regie, PaymentMode.CASH))
    closings.reopen_day(world.regie, PAY_DAY, "Erreur de comptage")  # no money of the 15th on the slip
    closings.close_day(world.regie, PAY_DAY, D("0.00"), "")
    closings.reopen_day(world.regie, PAY_DAY, "Erreur de comptage")
    with pytest.raises(DomainError, match=f"sur le bordereau définitif {slip.number}, déjà remis à la banque"):
        closings.reopen_day(world.regie, date(2026, 6, 12), "Billet oublié")
    assert closings.last_closed_day(world.regie.id) == date(2026, 6, 12)


def test_a_reopened_day_is_closed_again_before_any_later_day(world):
    closings.close_day(world.regie, date(2026, 6, 12), D("0.00"), "")
    closings.reopen_day(world.regie, date(2026, 6, 12), "Chèque oublié")
    with pytest.raises(DomainError, match="La caisse du 12/06/2026 a été rouverte : clôturez-la d'abord"):
        closings.close_day(world.regie, PAY_DAY, D("0.00"), "")
    closings.close_day(world.regie, date(2026, 6, 12), D("0.00"), "")
    closings.close_day(world.regie, PAY_DAY, D("0.00"), "")
    assert closings.last_closed_day(world.regie.id) == PAY_DAY
