"""Taking payments and refunds, and how they settle invoices: oldest first or split by hand, credit, cancellations
that re-open what they paid, write-offs; receipt numbers."""

from datetime import date

import pytest
import sqlalchemy as sa

from webapp.audit.models import AuditEntry
from webapp.counter import ledger, queries, services, settlement, slips
from webapp.counter.models import (
    AccountEntry,
    Allocation,
    EntryKind,
    Payment,
    PaymentKind,
    PaymentMode,
)
from webapp.errors import DomainError
from webapp.invoicing.models import InvoiceKind

from tests.counter_world import (
    D, PAY_DAY, TOMORROW, account, attend, bill, cheque, count, invoice, pay, refund, write_off,
)


# Allocation


def test_a_payment_settles_the_oldest_invoice_first(world, session):
    march, april = invoice(world, 3, 2, 3, 5), invoice(world, 4, 1, 2)
    assert (march.total, april.total) == (D("12.00"), D("8.00"))
    assert (march.settlement, april.settlement) == ("impayee", "impayee")
    payment = pay(world, "15.00")
    assert (march.paid, march.outstanding, march.settlement) == (D("12.00"), D("0.00"), "payee")
    assert (april.paid, april.outstanding, april.settlement) == (D("3.00"), D("5.00"), "partielle")
    assert [(a.invoice_id, a.amount) for a in payment.allocations] == [(march.id, D("12.00")), (april.id, D("3.00"))]
    assert account(world).balance == D("5.00") and settlement.credit(account(world)) == D("0.00")
    view = queries.account_view(world.regie.id, world.family.id)
    assert [i.id for i in view.invoices] == [april.id] and view.due == D("5.00")
    assert ledger.check_books() == []


def test_an_account_already_loaded_sees_the_invoices_numbered_since(world):
    invoice(world, 3, 2, 3, 5)
    pay(world, "5.00")
    loaded = account(world)
    assert loaded.balance == D("7.00")
    invoice(world, 4, 1, 2)
    assert loaded.balance == D("15.00")


def test_an_invoice_settled_to_the_cent_is_no_longer_open(world, make_activity, make_tariff):
    # On SQLite, 0.01 + 0.09 sums to less than 0.10 in floating point.
    snack = make_activity(world.regie, name="Goûter", unit="repas")
    make_tariff(snack, price=D("0.10"))
    attend(world.child, snack, 3, 2)
    snack_invoice = bill(world, 3)[world.family.id]
    write_off(snack_invoice, "0.09", kind="seuil")
    pay(world, "0.01")
    assert queries.account_view(world.regie.id, world.family.id).invoices == []
    credit = pay(world, "1.00", keep_credit=True)
    assert credit.allocations == [] and settlement.credit(account(world)) == D("1.00")
    assert snack_invoice.settlement == "payee"


def test_a_split_by_hand_covers_the_whole_payment_while_invoices_are_due(world, session):
    march, april = invoice(world, 3, 2, 3, 5), invoice(world, 4, 1, 2)
    with pytest.raises(DomainError, match="répartition \\(5,00.€\\) n'atteint pas le règlement \\(10,00.€\\)") as refused:
        pay(world, "10.00", shares={april.id: D("5.00")}, keep_credit=True)
    assert refused.value.field == "amount" and count(session, Payment) == 0
    # Once everything due is shared out, what is left is credit.
    pay(world, "25.00", shares={march.id: D("12.00"), april.id: D("8.00")}, keep_credit=True)
    assert settlement.credit(account(world)) == D("5.00") and ledger.check_books() == []


def test_a_payment_split_by_hand_settles_what_the_agent_chose(world):
    march, april, may = invoice(world, 3, 2, 3, 5), invoice(world, 4, 1, 2), invoice(world, 5, 4)
    pay(world, "9.50", shares={march.id: D("2.50"), april.id: D("7.00"), may.id: D("0")})
    assert [(i.paid, i.settlement) for i in (march, april, may)] == [
        (D("2.50"), "partielle"), (D("7.00"), "partielle"), (D("0.00"), "impayee")]
    assert account(world).balance == D("14.50")


def test_a_share_above_what_the_invoice_owes_is_refused_on_its_line(world, session):
    march, april = invoice(world, 3, 2, 3, 5), invoice(world, 4, 1, 2)
    with pytest.raises(DomainError, match="ne doit plus que 8,00") as refused:
        pay(world, "20.00", shares={march.id: D("11.00"), april.id: D("9.00")})
    assert refused.value.field == f"share-{april.id}"
    assert count(session, Payment) == 0 and (march.paid, april.paid) == (D("0.00"), D("0.00"))


def test_shares_adding_up_to_more_than_the_payment_are_refused(world, session):
    march, april = invoice(world, 3, 2, 3, 5), invoice(world, 4, 1, 2)
    with pytest.raises(DomainError, match="La répartition dépasse le montant") as refused:
        pay(world, "10.00", shares={march.id: D("6.00"), april.id: D("5.00")})
    assert refused.value.field == "amount" and count(session, Payment) == 0


# Credit


def test_an_overpayment_is_refused_unless_kept_as_credit(world, session):
    march = invoice(world, 3, 2, 3, 5)
    with pytest.raises(DomainError, match="dépasse de 3,00.€ ce qui est dû \\(12,00") as refused:
        pay(world, "15.00")
    assert refused.value.field == "amount"
    assert count(session, Payment) == 0 and count(session, AccountEntry, AccountEntry.kind == EntryKind.PAYMENT) == 0
    pay(world, "15.00", keep_credit=True)
    assert march.settlement == "payee" and settlement.credit(account(world)) == D("3.00")
    assert account(world).balance == D("-3.00")


def test_credit_settles_the_next_invoice_when_it_is_numbered(world, session):
    invoice(world, 3, 2, 3, 5)
    pay(world, "15.00", keep_credit=True)
    april = invoice(world, 4, 1, 2)
    assert (april.paid, april.outstanding, april.settlement) == (D("3.00"), D("5.00"), "partielle")
    (from_credit,) = session.scalars(sa.select(Allocation).where(Allocation.invoice_id == april.id)).all()
    assert (from_credit.payment_id, from_credit.amount) == (None, D("3.00"))
    assert account(world).balance == D("5.00") and settlement.credit(account(world)) == D("0.00")
    assert ledger.check_books() == []
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "apply_credit")).one()
    assert audit.changes == {"avoir utilisé": [None, f"{april.number} : 3,00\xa0€"]}


# Refunds


def test_a_refund_pays_back_the_credit_and_no_more(world, session):
    invoice(world, 3, 2, 3, 5)
    pay(world, "15.00", keep_credit=True)
    with pytest.raises(DomainError, match="n'a que 3,00\xa0€ d'avoir") as refused:
        refund(world, "3.01")
    assert refused.value.field == "amount"
    with pytest.raises(DomainError, match="raison du remboursement") as refused:
        refund(world, "2.00", reason="  ")
    assert refused.value.field == "reason" and count(session, Payment, Payment.kind == PaymentKind.REFUND) == 0
    paid_back = refund(world, "2.00", mode="especes")
    assert paid_back.kind is PaymentKind.REFUND and paid_back.receipt_number is None
    assert account(world).balance == D("-1.00") and settlement.credit(account(world)) == D("1.00")
    refund(world, "1.00")
    assert account(world).balance == D("0.00") and settlement.credit(account(world)) == D("0.00")
    with pytest.raises(DomainError, match="n'a que 0,00\xa0€ d'avoir"):
        refund(world, "0.01")


# Cancellations


def test_cancelling_a_payment_reopens_its_invoices_as_they_were_before_it(world, session):
    march, april = invoice(world, 3, 2, 3, 5), invoice(world, 4, 1, 2)
    first = pay(world, "5.00")
    second = cheque(world, "10.00", "0001234")
    assert (march.paid, april.paid) == (D("12.00"), D("3.00"))
    cancellation = services.cancel_payment(second, "Chèque impayé", date(2026, 6, 20))
    assert (march.paid, march.settlement) == (D("5.00"), "partielle")
    assert (april.paid, april.settlement) == (D("0.00"), "impayee")
    assert account(world).balance == D("15.00")
    lines = queries.statement(account(world)).lines
    assert [(line.entry.kind, line.entry.amount, line.running) for line in lines] == [
        (EntryKind.INVOICE, D("12.00"), D("12.00")), (EntryKind.INVOICE, D("8.00"), D("20.00")),
        (EntryKind.PAYMENT, D("-5.00"), D("15.00")), (EntryKind.PAYMENT, D("-10.00"), D("5.00")),
        (EntryKind.CANCELLATION, D("10.00"), D("15.00"))]
    assert "Chèque impayé" in lines[-1].entry.label
    assert [p.cancellation for p in queries.payments_of(world.family.id, [world.regie.id])] == [cancellation, None]
    assert first.cancellation is None
    with pytest.raises(DomainError, match="déjà été annulé le 20/06/2026"):
        services.cancel_payment(second, "Encore", date(2026, 6, 21))
    assert count(session, AccountEntry, AccountEntry.kind == EntryKind.CANCELLATION) == 1
    assert ledger.check_books() == []


def test_a_cancellation_needs_a_reason_and_a_date_not_before_the_payment(world):
    invoice(world, 3, 2, 3, 5)
    payment = pay(world, "5.00")
    with pytest.raises(DomainError, match="raison de l'annulation") as refused:
        services.cancel_payment(payment, " ", PAY_DAY)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError, match="ne s'annule pas avant") as refused:
        services.cancel_payment(payment, "Erreur", date(2026, 6, 14))
    assert refused.value.field == "cancelled_on" and payment.cancellation is None


def test_an_invoice_a_cancellation_reopens_takes_the_credit_the_family_holds(world, session):
    march = invoice(world, 3, 2, 3, 5)
    bounced = cheque(world, "12.00", "0004321")
    pay(world, "30.00", keep_credit=True)  # an advance
    services.cancel_payment(bounced, "Chèque impayé", date(2026, 6, 20))
    # March is settled again from the advance: the family is owed 18.00, not asked for 12.00.
    assert (march.paid, march.outstanding) == (D("12.00"), D("0.00"))
    assert account(world).balance == D("-18.00") and settlement.credit(account(world)) == D("18.00")
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "apply_credit")).one()
    assert audit.changes == {"avoir utilisé": [None, f"{march.number} : 12,00\xa0€"]}
    assert ledger.check_books() == []


def test_cancelling_a_payment_takes_back_the_credit_it_gave_to_a_later_invoice(world, session):
    march = invoice(world, 3, 2, 3, 5)
    payment = pay(world, "20.00", keep_credit=True)
    april = invoice(world, 4, 1, 2, 3)
    assert (march.paid, april.paid, settlement.credit(account(world))) == (D("12.00"), D("8.00"), D("0.00"))
    services.cancel_payment(payment, "Chèque sans provision", PAY_DAY)
    assert (march.paid, april.paid) == (D("0.00"), D("0.00"))
    assert (march.settlement, april.settlement) == ("impayee", "impayee")
    assert account(world).balance == D("24.00") and settlement.credit(account(world)) == D("0.00")
    reversals = session.scalars(sa.select(Allocation).where(Allocation.amount < 0).order_by(Allocation.id)).all()
    assert [(r.invoice_id, r.payment_id, r.amount) for r in reversals] == [
        (march.id, payment.id, D("-12.00")), (april.id, None, D("-8.00"))]
    assert all(r.reverses_id is not None for r in reversals)
    assert ledger.check_books() == []


def test_cancelling_a_payment_takes_back_only_the_credit_it_gave(world):
    # A credit note's credit and a payment's credit both settle April; only the payment's goes.
    march = invoice(world, 3, 2, 3, 5)
    pay(world, "12.00")
    attend(world.child, world.canteen, 3, 2, presence=None)  # 4.00 to give back in April
    (credit_note,) = bill(world, 4).values()
    assert credit_note.kind is InvoiceKind.CREDIT_NOTE and credit_note.total == D("-4.00")
    payment = pay(world, "6.00", keep_credit=True)
    may = invoice(world, 5, 4, 5, 6)
    assert (may.paid, march.paid) == (D("10.00"), D("12.00"))
    services.cancel_payment(payment, "Erreur de saisie", PAY_DAY)
    assert (may.paid, may.outstanding) == (D("4.00"), D("8.00"))
    assert account(world).balance == D("8.00") and settlement.credit(account(world)) == D("0.00")
    assert ledger.check_books() == []


def test_cancelling_a_refund_gives_the_credit_back(world):
    invoice(world, 3, 2, 3, 5)
    pay(world, "20.00", keep_credit=True)
    paid_back = refund(world, "8.00")
    assert settlement.credit(account(world)) == D("0.00")
    services.cancel_payment(paid_back, "Virement revenu (compte clos)", PAY_DAY)
    assert settlement.credit(account(world)) == D("8.00") and account(world).balance == D("-8.00")
    last = queries.statement(account(world)).lines[-1].entry
    assert (last.kind, last.amount) == (EntryKind.CANCELLATION, D("-8.00"))


def test_a_cancelled_payment_leaves_its_provisional_slip_but_not_a_final_one(world, session):
    invoice(world, 3, 2, 3, 5)
    first, second = cheque(world, "3.00", "111"), cheque(world, "4.00", "222")
    slip = slips.create_slip(world.regie, PaymentMode.CHEQUE)
    services.cancel_payment(first, "Chèque impayé", PAY_DAY)
    assert [item.payment_id for item in slip.items] == [second.id]
    slips.finalize(slip)
    services.cancel_payment(second, "Chèque impayé", PAY_DAY)
    assert [item.payment_id for item in slip.items] == [second.id] and slip.total == D("4.00")
    assert session.scalars(slips.waiting_payments(world.regie.id, PaymentMode.CHEQUE)).all() == []


# Write-offs


def test_write_offs_lower_the_balance_and_mark_the_invoice(world, session):
    march, april = invoice(world, 3, 2, 3, 5), invoice(world, 4, 1, 2)
    pay(world, "2.00")
    partial = write_off(march, "4.00")
    assert (march.written_off, march.outstanding, march.settlement) == (D("4.00"), D("6.00"), "partielle")
    write_off(april, "8.00", kind="remise_gracieuse")
    assert (april.written_off, april.paid, april.settlement) == (D("8.00"), D("0.00"), "non_valeur")
    assert account(world).balance == D("6.00")
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "write_off")
                            .order_by(AuditEntry.id)).all()
    assert [(a.entity_id, a.action, a.changes["amount"]) for a in audit][0] == (partial.id, "create", [None, "4.00"])
    assert len(audit) == 2 and audit[0].actor == "système"
    assert ledger.check_books() == []


def test_a_write_off_above_what_is_owed_or_without_reason_is_refused(world, session):
    march = invoice(world, 3, 2, 3, 5)
    pay(world, "5.00")
    with pytest.raises(DomainError, match="ne doit plus que 7,00") as refused:
        write_off(march, "7.01")
    assert refused.value.field == "amount"
    with pytest.raises(DomainError, match="Indiquez le motif") as refused:
        write_off(march, "1.00", reason="")
    assert refused.value.field == "reason"
    with pytest.raises(DomainError, match="dans le futur") as refused:
        write_off(march, "1.00", written_on=TOMORROW)
    assert refused.value.field == "written_on"
    assert march.written_off == D("0.00")
    assert count(session, AccountEntry, AccountEntry.kind == EntryKind.WRITE_OFF) == 0


# Bad input


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"amount": D("0")}, "amount", "supérieur à zéro"),
    ({"amount": D("-5.00")}, "amount", "supérieur à zéro"),
    ({"amount": D("10.005")}, "amount", "s'arrête aux centimes"),
    ({"amount": "douze"}, "amount", "n'est pas un nombre"),
    ({"amount": None}, "amount", "Saisissez un montant"),
    ({"mode": "cheque", "bank": "La Poste"}, "cheque_number", "avec son numéro"),
    ({"mode": "cheque", "cheque_number": "0012"}, "bank", "banque du chèque"),
    ({"mode": "bitcoin"}, "mode", "mode de règlement"),
    ({"received_on": TOMORROW}, "received_on", f"{TOMORROW:%d/%m/%Y} est dans le futur"),
    ({"received_on": None}, "received_on", "Saisissez la date"),
])
def test_bad_payment_input_is_refused_naming_the_field_and_saves_nothing(world, session, data, field, message):
    invoice(world, 3, 2, 3, 5)
    with pytest.raises(DomainError, match=message) as refused:
        services.record_payment(world.regie, world.family,
                                {"mode": "virement", "amount": D("5.00"), "received_on": PAY_DAY, **data})
    assert refused.value.field == field
    assert count(session, Payment) == 0 and count(session, AuditEntry, AuditEntry.entity_type == "payment") == 0


# Receipt numbers


def test_cash_payments_get_gapless_receipt_numbers_and_cheques_none(world):
    invoice(world, 3, 2, 3, 5)
    first = pay(world, "1.00", mode="especes")
    by_cheque = cheque(world, "1.00", "5550001")
    second = pay(world, "1.00", mode="especes", received_on=date(2026, 11, 30))
    last_year = pay(world, "1.00", mode="especes", received_on=date(2025, 12, 10))
    assert (first.receipt_number, second.receipt_number) == ("R-CANT-2026-000001", "R-CANT-2026-000002")
    assert by_cheque.receipt_number is None and pay(world, "1.00", mode="carte").receipt_number is None
    assert last_year.receipt_number == "R-CANT-2025-000001"


# Cash ceilings


def test_cash_above_the_french_ceiling_is_refused_naming_the_rule(world, session):
    with pytest.raises(DomainError, match="limité à 300,00.€ \\(article 1680 du code général des impôts\\)") as refused:
        pay(world, "950.00", mode="especes", keep_credit=True)
    assert refused.value.field == "amount" and count(session, Payment) == 0
    with pytest.raises(DomainError, match="limité à 300,00"):
        pay(world, "300.01", mode="especes", keep_credit=True)
    assert pay(world, "950.00", mode="cheque", cheque_number="1", bank="LCL", keep_credit=True)
    assert pay(world, "300.00", mode="especes", keep_credit=True).receipt_number


def test_cash_split_over_one_day_counts_as_one_payment(world, session):
    first = pay(world, "200.00", mode="especes", keep_credit=True)
    with pytest.raises(DomainError, match="dont 200,00.€ déjà versés en espèces ce jour"):
        pay(world, "100.01", mode="especes", keep_credit=True)
    assert pay(world, "100.00", mode="especes", received_on=date(2026, 6, 16), keep_credit=True)  # another day
    services.cancel_payment(first, "Erreur de saisie", date(2026, 6, 16))
    assert pay(world, "300.00", mode="especes", keep_credit=True)


def test_the_belgian_ceiling_is_three_thousand_euros(make_org, make_regie, make_family, session):
    org = make_org("BE")
    regie, family = make_regie(org), make_family(org)
    data = {"mode": "especes", "received_on": PAY_DAY, "keep_credit": True}
    assert services.record_payment(regie, family, {**data, "amount": D("950.00")})
    with pytest.raises(DomainError, match="limité à 3.000,00.€ \\(article 67 de la loi du 18 septembre 2017\\)"):
        services.record_payment(regie, family, {**data, "amount": D("2050.01")})
    assert services.record_payment(regie, family, {**data, "amount": D("2050.00")})
