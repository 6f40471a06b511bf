"""The counter on the database: payments and how they settle invoices, credit, refunds, cancellations,
write-offs, deposit slips, the cash journal, the school year's reports and closing, and the books'
self-check. Today is 2026-11-30: periods from March to June 2026 belong to school year 2025-2026."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.audit.models import AuditEntry
from webapp.counter import journal, ledger, queries, reports, services, slips
from webapp.counter.models import (
    Account,
    AccountEntry,
    Allocation,
    Cancellation,
    DepositSlip,
    EntryKind,
    Payment,
    PaymentKind,
    PaymentMode,
    SlipItem,
    SlipStatus,
)
from webapp.errors import DomainError
from webapp.families.services import add_child
from webapp.formatting import today
from webapp.invoicing.models import Batch, BatchStatus, Invoice, InvoiceKind
from webapp.invoicing.services import compute_batch, create_period, number_batch

D = Decimal
PAY_DAY = date(2026, 6, 15)
TOMORROW = today() + timedelta(days=1)


@pytest.fixture
def world(make_org, make_regie, make_activity, make_tariff, make_family):
    """A régie with a canteen at 4.00 a meal and an after-school care at 1.50 a day; two families."""
    org = make_org()
    regie = make_regie(org, invoice_prefix="CANT")
    canteen = make_activity(regie, name="Cantine", unit="repas", accounting_code="7067")
    make_tariff(canteen, label="Repas", price=D("4.00"))
    care = make_activity(regie, name="Garderie", unit="jour", accounting_code="7066")
    make_tariff(care, label="Garderie", price=D("1.50"))
    family = make_family(org, last_name="Bernard")
    other = make_family(org, last_name="Arnaud")
    return SimpleNamespace(
        org=org, regie=regie, canteen=canteen, care=care, family=family, other=other,
        child=add_child(family, {"last_name": "Bernard", "first_name": "Léo"}),
        other_child=add_child(other, {"last_name": "Arnaud", "first_name": "Zoé"}))


def attend(child, activity, month, *days, presence=Presence.PRESENT):
    for day in days:
        set_attendance(child, activity, date(2026, month, day), presence)


def period(w, month):
    invoice_date = date(2026, month + 1, 3)
    return create_period(w.org, {
        "label": f"Mois {month}", "start_date": date(2026, month, 1), "end_date": date(2026, month, 28),
        "invoice_date": invoice_date, "debit_date": None, "due_date": date(2026, month + 1, 28),
        "regularisation_from": None, "fiscal_year": None}, [w.regie], [])


def bill(w, month):
    """Compute and number the month: each family's invoice (or credit note), by family id."""
    batch = period(w, month).batches[0]
    compute_batch(batch)
    return {invoice.family_id: invoice for invoice in number_batch(batch)}


def invoice(w, month, *days):
    """The family's canteen invoice for those days of the month (4.00 each)."""
    attend(w.child, w.canteen, month, *days)
    return bill(w, month)[w.family.id]


def pay(w, amount, family=None, shares=None, **data):
    data = {"mode": "virement", "amount": D(amount), "received_on": PAY_DAY, **data}
    return services.record_payment(w.regie, family or w.family, data, shares)


def cheque(w, amount, number, family=None, **data):
    return pay(w, amount, family, mode="cheque", cheque_number=number, bank="Crédit Agricole", **data)


def refund(w, amount, family=None, reason="Départ de la commune", **data):
    data = {"mode": "virement", "amount": D(amount), "received_on": PAY_DAY, "reason": reason, **data}
    return services.refund(w.regie, family or w.family, data)


def write_off(invoice, amount, reason="Décision du conseil municipal", **data):
    return services.write_off(invoice, {"kind": "non_valeur", "amount": D(amount), "reason": reason,
                                        "written_on": PAY_DAY, **data})


def account(w, family=None):
    return ledger.find_account(w.regie.id, (family or w.family).id)


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# Allocation


def test_a_payment_settles_the_oldest_invoice_first(world, session):
    march, april = invoice(world, 3, 2, 3, 5), invoice(world, 4, 1, 2)
    assert (march.total, april.total) == (D("12.00"), D("8.00"))
    assert (march.settlement, april.settlement) == ("impayee", "impayee")
    payment = pay(world, "15.00")
    assert (march.paid, march.outstanding, march.settlement) == (D("12.00"), D("0.00"), "payee")
    assert (april.paid, april.outstanding, april.settlement) == (D("3.00"), D("5.00"), "partielle")
    assert [(a.invoice_id, a.amount) for a in payment.allocations] == [(march.id, D("12.00")), (april.id, D("3.00"))]
    assert account(world).balance == D("5.00") and ledger.credit(account(world)) == D("0.00")
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
    assert credit.allocations == [] and ledger.credit(account(world)) == D("1.00")
    assert snack_invoice.settlement == "payee"


def test_a_split_by_hand_covers_the_whole_payment_while_invoices_are_due(world, session):
    march, april = invoice(world, 3, 2, 3, 5), invoice(world, 4, 1, 2)
    with pytest.raises(DomainError, match="répartition \\(5,00.€\\) n'atteint pas le règlement \\(10,00.€\\)") as refused:
        pay(world, "10.00", shares={april.id: D("5.00")}, keep_credit=True)
    assert refused.value.field == "amount" and count(session, Payment) == 0
    # Once everything due is shared out, what is left is credit.
    pay(world, "25.00", shares={march.id: D("12.00"), april.id: D("8.00")}, keep_credit=True)
    assert ledger.credit(account(world)) == D("5.00") and ledger.check_books() == []


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
    assert march.settlement == "payee" and ledger.credit(account(world)) == D("3.00")
    assert account(world).balance == D("-3.00")


def test_credit_settles_the_next_invoice_when_it_is_numbered(world, session):
    invoice(world, 3, 2, 3, 5)
    pay(world, "15.00", keep_credit=True)
    april = invoice(world, 4, 1, 2)
    assert (april.paid, april.outstanding, april.settlement) == (D("3.00"), D("5.00"), "partielle")
    (from_credit,) = session.scalars(sa.select(Allocation).where(Allocation.invoice_id == april.id)).all()
    assert (from_credit.payment_id, from_credit.amount) == (None, D("3.00"))
    assert account(world).balance == D("5.00") and ledger.credit(account(world)) == D("0.00")
    assert ledger.check_books() == []
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "apply_credit")).one()
    assert audit.changes == {"avoir utilisé": [None, f"{april.number} : 3.00"]}


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
    assert account(world).balance == D("-1.00") and ledger.credit(account(world)) == D("1.00")
    refund(world, "1.00")
    assert account(world).balance == D("0.00") and ledger.credit(account(world)) == D("0.00")
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
    assert account(world).balance == D("-18.00") and ledger.credit(account(world)) == D("18.00")
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "apply_credit")).one()
    assert audit.changes == {"avoir utilisé": [None, f"{march.number} : 12.00"]}
    assert ledger.check_books() == []


def test_cancelling_a_payment_takes_back_the_credit_it_gave_to_a_later_invoice(world, session):
    march = invoice(world, 3, 2, 3, 5)
    payment = pay(world, "20.00", keep_credit=True)
    april = invoice(world, 4, 1, 2, 3)
    assert (march.paid, april.paid, ledger.credit(account(world))) == (D("12.00"), D("8.00"), D("0.00"))
    services.cancel_payment(payment, "Chèque sans provision", PAY_DAY)
    assert (march.paid, april.paid) == (D("0.00"), D("0.00"))
    assert (march.settlement, april.settlement) == ("impayee", "impayee")
    assert account(world).balance == D("24.00") and ledger.credit(account(world)) == D("0.00")
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
    assert account(world).balance == D("8.00") and ledger.credit(account(world)) == D("0.00")
    assert ledger.check_books() == []


def test_cancelling_a_refund_gives_the_credit_back(world):
    invoice(world, 3, 2, 3, 5)
    pay(world, "20.00", keep_credit=True)
    paid_back = refund(world, "8.00")
    assert ledger.credit(account(world)) == D("0.00")
    services.cancel_payment(paid_back, "Virement revenu (compte clos)", PAY_DAY)
    assert ledger.credit(account(world)) == D("8.00") and account(world).balance == D("-8.00")
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


def test_a_closed_cash_day_takes_no_more_money_movements(world, session):
    invoice(world, 3, 2, 3, 5)
    payment = pay(world, "5.00", mode="especes", keep_credit=True)
    journal.close_day(world.regie, PAY_DAY, D("5.00"), "")
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


# Deposit slips


def test_a_slip_gathers_one_mode_then_is_numbered_and_frozen(world, session):
    invoice(world, 3, 2, 3, 5)
    a, b = cheque(world, "3.00", "101"), cheque(world, "4.50", "102")
    pay(world, "2.00", mode="especes")
    c = cheque(world, "2.50", "103", family=world.other, keep_credit=True)
    slip = slips.create_slip(world.regie, PaymentMode.CHEQUE)
    assert (slip.status, slip.number, slip.total) == (SlipStatus.PROVISIONAL, None, None)
    assert [item.payment_id for item in slip.items] == [a.id, b.id, c.id]
    slips.remove_payment(slip, b.id)
    assert [item.payment_id for item in slip.items] == [a.id, c.id]
    assert session.scalars(slips.waiting_payments(world.regie.id, PaymentMode.CHEQUE)).all() == [b]
    assert slips.add_waiting(slip) == 1 and [item.payment_id for item in slip.items] == [a.id, b.id, c.id]
    slips.finalize(slip)
    assert (slip.status, slip.number, slip.total) == (SlipStatus.FINAL, "B-CANT-2026-00001", D("10.00"))
    for action in (lambda: slips.remove_payment(slip, a.id), lambda: slips.add_waiting(slip),
                   lambda: slips.delete_slip(slip), lambda: slips.finalize(slip)):
        with pytest.raises(DomainError, match="est définitif depuis le"):
            action()
    assert count(session, SlipItem, SlipItem.slip_id == slip.id) == 3 and slip.number == "B-CANT-2026-00001"
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "deposit_slip")
                            .order_by(AuditEntry.id)).all()
    assert [(entry.action, entry.changes["règlements"]) for entry in audit] == [
        ("create", [None, f"n° {a.id} (3.00), n° {b.id} (4.50), n° {c.id} (2.50)"]),
        ("update", [f"n° {b.id} (4.50)", None]), ("update", [None, f"n° {b.id} (4.50)"]), ("finalize", [None, 3])]


def test_a_payment_on_a_final_slip_never_goes_on_another(world, session):
    invoice(world, 3, 2, 3, 5)
    first = cheque(world, "3.00", "201")
    slips.finalize(slips.create_slip(world.regie, PaymentMode.CHEQUE))
    with pytest.raises(DomainError, match="Aucun règlement « Chèque » n'attend de bordereau") as refused:
        slips.create_slip(world.regie, PaymentMode.CHEQUE)
    assert refused.value.field == "mode"
    later = cheque(world, "4.00", "202")
    second = slips.create_slip(world.regie, PaymentMode.CHEQUE)
    assert [item.payment_id for item in second.items] == [later.id]
    slips.finalize(second)
    assert second.number == "B-CANT-2026-00002" and first.slip_item.slip_id != second.id


def test_an_empty_slip_is_not_finalized_and_transfers_go_on_no_slip(world, session):
    invoice(world, 3, 2, 3, 5)
    payment = pay(world, "3.00", mode="especes")
    pay(world, "1.00", mode="virement")
    slip = slips.create_slip(world.regie, PaymentMode.CASH)
    slips.remove_payment(slip, payment.id)
    with pytest.raises(DomainError, match="Un bordereau vide ne se valide pas"):
        slips.finalize(slip)
    with pytest.raises(DomainError, match="ne se remettent pas sur bordereau") as refused:
        slips.create_slip(world.regie, PaymentMode.TRANSFER)
    assert refused.value.field == "mode"
    slips.delete_slip(slip)
    assert count(session, SlipItem) == 0 and count(session, DepositSlip) == 0


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
    with pytest.raises(DomainError, match="écart de -0,50") as refused:
        journal.close_day(world.regie, PAY_DAY, D("11.50"), " ")
    assert refused.value.field == "comment"
    with pytest.raises(DomainError, match="s'arrête aux centimes") as refused:
        journal.close_day(world.regie, PAY_DAY, D("11.505"), "Pièce perdue")
    assert refused.value.field == "counted_cash"
    closing = journal.close_day(world.regie, PAY_DAY, D("11.50"), "Pièce de 50 centimes perdue")
    assert (closing.expected_cash, closing.counted_cash, closing.difference) == (D("12.00"), D("11.50"), D("-0.50"))
    assert journal.day_journal(world.regie, PAY_DAY).closing is closing
    with pytest.raises(DomainError, match="déjà clôturée") as refused:
        journal.close_day(world.regie, PAY_DAY, D("12.00"), "")
    assert refused.value.field == "day"
    with pytest.raises(DomainError, match="journée à venir"):
        journal.close_day(world.regie, TOMORROW, D("0.00"), "")
    assert journal.close_day(world.regie, date(2026, 6, 16), D("0.00"), "").difference == D("0.00")


# Reports and the school year


@pytest.fixture
def small_year(world):
    """School year 2025-2026: Bernard owes 10.00 (one write-off), Arnaud has 2.00 of credit."""
    attend(world.child, world.canteen, 3, 2, 3, 5)
    attend(world.child, world.care, 3, 2, 3)
    attend(world.other_child, world.canteen, 3, 2)
    march = bill(world, 3)
    attend(world.child, world.canteen, 4, 1, 2)
    april = bill(world, 4)[world.family.id]
    pay(world, "10.00")
    pay(world, "6.00", family=world.other, keep_credit=True)
    write_off(april, "3.00")
    return SimpleNamespace(march=march[world.family.id], other_march=march[world.other.id], april=april)


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
    assert account(world, world.other).balance == D("3.00") and ledger.credit(account(world, world.other)) == D("0")
    state = reports.regie_state(world.regie, 2025)
    assert (state.due, state.credit) == (D("10.00"), D("0.00"))
    # That debt is paid like an invoice, without the credit option, and leaves no credit behind.
    with pytest.raises(DomainError, match="dépasse de 1,00"):
        pay(world, "4.00", family=world.other)
    pay(world, "3.00", family=world.other)
    assert account(world, world.other).balance == D("0.00") and ledger.credit(account(world, world.other)) == D("0")
    assert ledger.check_books() == []


def test_closing_a_school_year_carries_each_balance_into_the_next(world, small_year, session):
    with pytest.raises(DomainError, match="n'est pas terminée") as refused:
        reports.close_school_year(world.regie, ledger.school_year_of(today()))
    assert refused.value.field == "school_year"
    reports.close_school_year(world.regie, 2025)
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
        reports.close_school_year(world.regie, 2025)


def test_a_closed_school_year_takes_nothing_more(world, small_year, session):
    reports.close_school_year(world.regie, 2025)
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
        reports.close_school_year(world.regie, 2025)
    reports.close_school_year(world.regie, 2024)
    reports.close_school_year(world.regie, 2025)
    assert account(world).balance == D("9.00")


def test_a_year_left_open_behind_a_closed_one_is_closed_with_it(world, small_year):
    """Closing 2025-2026 while 2024-2025 had nothing closes both: nothing is booked in either afterwards,
    and 2024-2025 cannot be closed later (it would carry into a year already carried)."""
    reports.close_school_year(world.regie, 2025)
    with pytest.raises(DomainError, match="2024-2025 est clôturée \\(soldes reportés jusqu'à 2025-2026\\)"):
        pay(world, "1.00", received_on=date(2026, 11, 30), school_year=2024)
    with pytest.raises(DomainError, match="2024-2025 est déjà clôturée, avec tout ce qui précède 2025-2026"):
        reports.close_school_year(world.regie, 2024)
    assert ledger.check_books() == []


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
    reports.close_school_year(world.regie, 2025)
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
    open_invoices = ledger.open_invoices(account)
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
        available = ledger.credit(account)
        if available:
            refund(w, min(D(args[0]) / 100, available))
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
    st.tuples(st.just("bill")),
)


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATIONS, max_size=12))
def test_any_sequence_of_counter_operations_keeps_the_books_right(story, session, operations):
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
            assert ledger.credit(account) >= 0
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
