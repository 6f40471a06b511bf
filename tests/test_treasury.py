"""Handing unpaid debts to the treasury: the selection from the books, the titles file written and read back by
`regie-indigo-titre`, the control, the irreversible settlement by title, and the counter refusing a titled
invoice."""

from datetime import date
from types import SimpleNamespace

import pytest
import regie_indigo_titre as titre
import regie_ormc as ormc
import sqlalchemy as sa

from webapp.audit.models import AuditEntry
from webapp.counter import ledger, queries
from webapp.counter.models import AccountEntry, EntryKind, Payment
from webapp.errors import DomainError
from webapp.organisations.services import update_regie
from webapp.treasury import rolls, runs, selection, settle, titles_file
from webapp.treasury.models import RunStatus, TitledInvoice, TreasuryTitle

from tests.counter_world import D, account, attend, bill, pay, write_off

ADDRESS = {"address_line1": "12 rue des Écoles", "postcode": "61000", "city": "Alençon"}


def treasury_settings(regie):
    regie.treasury_office, regie.treasury_collectivity, regie.treasury_budget = "061090", "020", "00"
    regie.treasury_product = "CANT"


@pytest.fixture
def unpaid(world, session):
    """Bernard owes 7.00 of March (12.00, 5.00 paid) and 11.00 of April; Arnaud owes 4.00, under the floor."""
    treasury_settings(world.regie)
    for family in (world.family, world.other):
        for name, value in ADDRESS.items():
            setattr(family.payer, name, value)
    attend(world.child, world.canteen, 3, 2, 3, 5)
    attend(world.other_child, world.canteen, 3, 2)
    march = bill(world, 3)
    attend(world.child, world.canteen, 4, 1, 2)
    attend(world.child, world.care, 4, 1, 2)
    april = bill(world, 4)[world.family.id]
    pay(world, "5.00")
    return SimpleNamespace(march=march[world.family.id], other_march=march[world.other.id], april=april)


def new_run(world, **data):
    return runs.open_run(world.regie, {"reference_date": date(2026, 6, 30), "fiscal_year": 2026,
                                       "bordereau_number": 31, "first_title_number": 412, **data})


def controlled(world):
    run = new_run(world)
    titles_file.write_file(run)
    assert titles_file.control(run) == []
    return run


def test_selection_groups_a_familys_debts_and_keeps_those_under_the_floor(world, unpaid):
    found = selection.select(new_run(world))
    (bernard,) = found.titles
    assert (bernard.family, bernard.invoices, bernard.total, bernard.title_number) == (
        world.family, [unpaid.march, unpaid.april], D("18.00"), 412)
    (arnaud,) = found.kept
    assert arnaud.family == world.other and "Sous le seuil de 15,00" in arnaud.reason
    assert (found.count, found.total) == (1, D("18.00"))
    lowered = selection.select(new_run(world, minimum_amount=D("1.00"), bordereau_number=32))
    assert [(d.family, d.title_number) for d in lowered.titles] == [(world.other, 412), (world.family, 413)]


def test_imputation_splits_what_is_owed_across_the_accounting_codes(world, unpaid):
    # April: 8.00 of canteen (7067) and 3.00 of care (7066).
    assert selection.imputation(unpaid.april, D("11.00")) == {"7066": D("3.00"), "7067": D("8.00")}
    assert selection.imputation(unpaid.april, D("8.00")) == {"7066": D("2.18"), "7067": D("5.82")}


def test_the_file_is_written_by_the_adapter_and_read_back_by_the_control(world, unpaid):
    run = new_run(world, minimum_amount=D("0.00"))
    titles_file.write_file(run)
    assert run.status is RunStatus.FILE and run.file_count == 2 and run.file_total == D("22.00")
    read = titre.read(run.file_data)
    assert [(t.number, t.total, t.debtor.last_name) for t in read.bordereau.titles] == [
        (412, D("4.00"), "Arnaud"), (413, D("18.00"), "Bernard")]
    assert titles_file.control(run) == [] and run.status is RunStatus.CONTROLLED


def test_a_payment_after_the_file_blocks_the_control_and_the_settlement(world, unpaid):
    run = controlled(world)
    pay(world, "2.00")
    assert run.status is RunStatus.CONTROLLED
    with pytest.raises(DomainError, match="ont changé depuis le contrôle"):
        settle.settle(run, {"count": 1, "total": D("18.00")})
    problems = titles_file.control(run)
    assert problems and "total différent" in problems[0] and run.status is RunStatus.FILE
    with pytest.raises(DomainError, match="contrôlé avant"):
        settle.settle(run, {"count": 1, "total": D("18.00")})


def test_the_settlement_closes_each_invoice_by_title_and_the_books_hold(world, unpaid, session):
    run = controlled(world)
    with pytest.raises(DomainError) as wrong:
        settle.settle(run, {"count": 1, "total": D("7.00")})
    assert wrong.value.field == "total"
    (title,) = settle.settle(run, {"count": 1, "total": D("18.00")})
    assert (title.number, title.fiscal_year, title.amount) == (412, 2026, D("18.00"))
    march, april = unpaid.march, unpaid.april
    assert (march.titled, march.paid, march.written_off, march.outstanding) == (D("7.00"), D("5.00"), D("0"), D("0"))
    assert (april.titled, april.outstanding, april.settlement) == (D("11.00"), D("0"), "titre")
    assert account(world).balance == D("0.00")
    entries = session.scalars(sa.select(AccountEntry).where(AccountEntry.kind == EntryKind.TITLE)
                              .order_by(AccountEntry.id)).all()
    assert [(e.invoice_id, e.amount) for e in entries] == [(march.id, D("-7.00")), (april.id, D("-11.00"))]
    assert "titre n° 412/2026" in entries[0].label
    assert session.scalar(sa.select(sa.func.count(Payment.id))) == 1  # never a payment of money
    assert ledger.check_books() == []
    assert run.status is RunStatus.SETTLED
    assert session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "title_run",
                                                      AuditEntry.action == "settle")) is not None
    with pytest.raises(DomainError, match="a été réglée"):
        settle.settle(run, {"count": 1, "total": D("18.00")})
    with pytest.raises(DomainError, match="a été réglée"):
        runs.choose_families(run, {world.family.id})


def test_the_counter_refuses_a_titled_invoice_and_points_to_the_treasury(world, unpaid):
    settle.settle(controlled(world), {"count": 1, "total": D("18.00")})
    with pytest.raises(DomainError, match="Trésor public") as chosen:
        pay(world, "8.00", first=(unpaid.april.id,))
    assert "titre de recettes n° 412/2026" in chosen.value.message
    with pytest.raises(DomainError, match="Trésor public"):
        pay(world, "8.00", shares={unpaid.april.id: D("8.00")})
    with pytest.raises(DomainError, match="Trésor public"):
        pay(world, "8.00")
    with pytest.raises(DomainError):
        write_off(unpaid.april, "1.00")
    view = queries.account_view(world.regie.id, world.family.id)
    assert unpaid.april not in view.invoices and view.due == D("0.00")


def test_a_titled_invoice_cannot_be_settled_beyond_its_total(world, unpaid, session):
    settle.settle(controlled(world), {"count": 1, "total": D("18.00")})
    unpaid.april.titled += D("1.00")
    with pytest.raises(sa.exc.DatabaseError):
        session.flush()
    session.rollback()


def test_titles_are_never_edited(world, unpaid, session):
    settle.settle(controlled(world), {"count": 1, "total": D("18.00")})
    for statement in (sa.update(TitledInvoice).values(amount=D("1.00")), sa.delete(TitledInvoice),
                      sa.update(TreasuryTitle).values(number=1), sa.delete(TreasuryTitle)):
        with pytest.raises(sa.exc.DatabaseError), session.begin_nested():
            session.execute(statement)


def test_unticked_families_stay_and_the_file_goes(world, unpaid):
    run = controlled(world)
    runs.choose_families(run, {world.family.id})
    assert run.status is RunStatus.DRAFT and run.file_data is None
    found = selection.select(run)
    assert found.titles == [] and found.kept[-1].reason.startswith("Décochée")
    with pytest.raises(DomainError, match="Aucune famille"):
        titles_file.write_file(run)


def test_the_file_needs_the_regie_treasury_codes(world, unpaid):
    world.regie.treasury_office = ""
    with pytest.raises(DomainError, match="poste comptable"):
        titles_file.write_file(new_run(world))


def test_a_bordereau_number_is_taken_once_per_year(world, unpaid):
    new_run(world)
    with pytest.raises(DomainError) as taken:
        new_run(world)
    assert taken.value.field == "bordereau_number"


# Through the pages


def test_the_pages_take_a_run_from_selection_to_settlement(world, unpaid, make_user, login, session):
    client = login(make_user(world.org))
    base = f"/o/{world.org.id}/tresor"
    response = client.post_form(f"{base}/nouvelle?regie={world.regie.id}", {
        "reference_date": "2026-06-30", "bordereau_number": "31", "first_title_number": "412",
        "minimum_amount": "", "object": ""})
    assert response.status_code in (302, 303), response.get_data(as_text=True)
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "BERNARD" in page and "Sous le seuil de 15,00" in page and "18,00" in page
    assert client.post_form(f"{url}/fichier").status_code in (302, 303)
    assert client.get(f"{url}/fichier").data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert client.post_form(f"{url}/controle").status_code in (302, 303)
    assert "Contrôle du fichier réussi" in client.get(url).get_data(as_text=True)
    wrong = client.post_form(f"{url}/reglement", {"count": "2", "total": "18,00"})
    assert wrong.status_code == 422 and "compte 1 titre" in wrong.get_data(as_text=True)
    assert client.post_form(f"{url}/reglement", {"count": "1", "total": "18,00"}).status_code in (302, 303)
    page = client.get(url).get_data(as_text=True)
    assert "Titres émis le" in page and "n° 412" in page and "Réglée par titre" in page
    imputation = client.get(f"{url}/liste-imputation").get_data(as_text=True)
    assert "Compte 7066" in imputation and "Compte 7067" in imputation and "18,00" in imputation
    assert "Activité Cantine" in client.get(f"{url}/liste-detail").get_data(as_text=True)
    pdf = client.get(f"{url}/titres.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    refused = client.post_form(f"/o/{world.org.id}/caisse/familles/{world.family.id}/regies/{world.regie.id}/reglement",
                               {"mode": "especes", "amount": "5,00", "received_on": "2026-11-30"})
    assert refused.status_code == 422 and "Trésor public" in refused.get_data(as_text=True)
    invoice_page = client.get(f"/o/{world.org.id}/facturation/factures/{unpaid.april.id}").get_data(as_text=True)
    assert "Titre n° 412/2026, à payer au Trésor public" in invoice_page
    statement = client.get(f"/o/{world.org.id}/caisse/familles/{world.family.id}/regies/{world.regie.id}/compte")
    assert "titre n° 412/2026" in statement.get_data(as_text=True)


# Rolls of a numbered lot


def roll_settings(regie, roll_format="pes"):
    treasury_settings(regie)
    regie.roll_format, regie.roll_collectivity, regie.roll_nature, regie.roll_revenue = roll_format, "20", "12", "CA"


def test_a_numbered_lot_goes_out_as_an_ormc_roll_until_the_treasury_acknowledges_it(world, unpaid, session):
    roll_settings(world.regie)
    batch = unpaid.march.batch
    export = rolls.export_roll(batch)
    assert (export.roll_format, export.number, export.count, export.total) == ("pes", 1, 2, D("11.00"))
    read = ormc.read(export.file_data)
    assert [(p.invoice_number, p.total) for p in read.pieces] == [(unpaid.other_march.number, D("4.00")),
                                                                   (unpaid.march.number, D("7.00"))]
    assert export.file_name == "ORMC_2026_000001.xml" and len(export.file_hash) == 64
    with pytest.raises(DomainError, match="déjà parti en rôle"):
        rolls.export_roll(batch)
    with pytest.raises(DomainError) as no_reason:
        rolls.delete(export, " ")
    assert no_reason.value.field == "reason"
    rolls.delete(export, "Mauvais code produit")
    again = rolls.export_roll(batch)
    assert again.number == 1 and export.status == "supprime"
    rolls.acknowledge(again)
    with pytest.raises(DomainError, match="pris ce rôle en charge"):
        rolls.delete(again, "Trop tard")
    changes = session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "roll_export")).all()
    assert sorted(changes) == ["create", "create", "update", "update"]


def test_the_same_lot_as_rolmre(world, unpaid):
    roll_settings(world.regie, "rolmre")
    export = rolls.export_roll(unpaid.march.batch)
    articles = ormc.rolmre.read(export.file_data)
    assert [(a.collectivity_code, a.nature_code, a.revenue_code, a.amount) for a in articles] == [
        ("20", "12", "CA", D("4.00")), ("20", "12", "CA", D("7.00"))]
    assert export.file_name.endswith(".txt")


def test_a_roll_needs_the_regie_to_choose_its_format(world, unpaid):
    treasury_settings(world.regie)
    with pytest.raises(DomainError, match="n'exporte pas ses lots"):
        rolls.export_roll(unpaid.march.batch)


def test_the_regie_treasury_settings_are_checked_and_reach_the_files(world, unpaid):
    base = {"name": world.regie.name, "invoice_prefix": world.regie.invoice_prefix, "iban": world.regie.iban,
            "bic": world.regie.bic, "creditor_id": world.regie.creditor_id,
            "company_number": world.regie.company_number}
    for field, value in (("treasury_office", "12"), ("treasury_product", "CANTINE"), ("roll_revenue", "FF"),
                         ("debtor_category", "x1"), ("titles_after_days", -1)):
        with pytest.raises(DomainError) as refused:
            update_regie(world.regie, {**base, field: value})
        assert refused.value.field == field
    update_regie(world.regie, {**base, "debtor_legal_nature": "06", "debtor_category": ""})
    assert (world.regie.debtor_legal_nature, world.regie.debtor_category) == ("06", "01")
    run = new_run(world)
    titles_file.write_file(run)
    (title,) = titre.read(run.file_data).bordereau.titles
    assert (title.debtor.category, title.debtor.legal_nature, title.debtor.reference) == ("01", "06", world.family.number)


def test_a_titled_invoice_is_paid_neither_by_a_bank_statement_nor_online(world, unpaid):
    from webapp.counter.models import PaymentMode
    from webapp.counter.services import InvoicePayment, record_invoice_payments
    from webapp.online.services import why_not_payable
    settle.settle(controlled(world), {"count": 1, "total": D("18.00")})
    (refused,) = record_invoice_payments(world.regie, PaymentMode.TRANSFER,
                                         [InvoicePayment(unpaid.april.id, D("1.00"), date(2026, 6, 15))])
    assert refused == f"La facture {unpaid.april.number} est mise en titre : elle se paie au Trésor public."
    assert "Trésor public" in why_not_payable(unpaid.april)


def test_the_invoice_list_and_the_lot_totals_show_what_went_to_the_treasury(world, unpaid):
    from webapp.invoicing import listing
    from webapp.invoicing.summary import lot_totals
    settle.settle(controlled(world), {"count": 1, "total": D("18.00")})
    filters = listing.Filters(regie_ids=[world.regie.id], status="en_titre")
    assert {i.id for i in listing.invoices(world.org.id, filters)} == {unpaid.march.id, unpaid.april.id}
    assert listing.totals(world.org.id, filters).due == D("0.00")
    assert lot_totals(unpaid.april.batch).titled == D("11.00")


def test_a_titled_invoice_is_not_cancelled_by_a_credit_note(world, unpaid):
    from webapp.invoicing.cancellation import cancel_invoices
    settle.settle(controlled(world), {"count": 1, "total": D("18.00")})
    with pytest.raises(DomainError, match="mise en titre"):
        cancel_invoices([unpaid.april], "Erreur de tarif")


def test_a_roll_leaves_cancelled_invoices_out_and_its_lot_is_neither_cancelled_nor_debited(world, unpaid):
    from webapp.debits import mandates, runs as debit_runs
    from webapp.invoicing.cancellation import cancel_invoices
    roll_settings(world.regie)
    cancel_invoices([unpaid.other_march], "Erreur de tarif")
    export = rolls.export_roll(unpaid.march.batch)
    assert [p.invoice_number for p in ormc.read(export.file_data).pieces] == [unpaid.march.number]
    with pytest.raises(DomainError, match="parti en rôle"):
        cancel_invoices([unpaid.march], "Erreur de tarif", keep_payments_as_credit=True)
    mandates.create_mandate(world.regie, world.family, {"holder": "Mme Bernard", "iban": "FR7630004000010001234567830",
                                                        "signed_on": date(2026, 1, 5), "town": "Marville"})
    with pytest.raises(DomainError, match="parti en rôle"):
        debit_runs.prepare_run(unpaid.march.batch, {})
    debit_runs.prepare_run(unpaid.april.batch, {})
    with pytest.raises(DomainError, match="prélevées"):
        rolls.export_roll(unpaid.april.batch)
    # Neither an invoice being debited nor one its lot's roll hands to the Trésor is titled again.
    selected = {i.id for debts in selection.select(new_run(world)).families for i in debts.invoices}
    assert unpaid.april.id not in selected and unpaid.march.id not in selected


def test_a_lot_does_not_go_out_in_a_roll_while_a_payment_plan_pays_one_of_its_invoices(world, unpaid):
    from webapp.formatting import today
    from webapp.plans.services import cancel_plan, create_plan
    roll_settings(world.regie)
    plan = create_plan(world.regie, world.other, {"invoice_ids": [unpaid.other_march.id], "count": 2,
                                                  "first_due_on": today()})
    with pytest.raises(DomainError, match=f"La facture {unpaid.other_march.number} est dans l'échéancier "
                                          f"{plan.number} en cours"):
        rolls.export_roll(unpaid.march.batch)
    cancel_plan(plan, "Rompu")
    assert rolls.export_roll(unpaid.march.batch).count == 2


def test_an_invoice_of_a_rolled_lot_is_paid_to_the_treasury_not_at_the_regie(world, unpaid):
    """March's lot went out in a roll: the counter settles April only, the bank statement and online payment
    refuse March, naming the roll; a deleted roll gives March back to the régie."""
    from webapp.bank.matching import Matcher
    from webapp.bank.models import MovementStatus
    from webapp.bank.reading import ReadMovement
    from webapp.counter.models import PaymentMode
    from webapp.counter.services import InvoicePayment, record_invoice_payments
    from webapp.online.services import why_not_payable
    from webapp.reminders import levels, runs as reminders
    levels.add_level(world.regie, {"rank": 1, "delay_days": 1, "fee": D("0")})
    (sent,) = [r for r in reminders.validate(reminders.open_run(world.regie, {"reference_date": date(2026, 6, 30)}))
               if r.family_id == world.family.id]
    roll_settings(world.regie)
    export = rolls.export_roll(unpaid.march.batch)
    view = queries.account_view(world.regie.id, world.family.id)
    assert view.invoices == [unpaid.april] and view.rolled == {unpaid.march: str(export)}
    assert view.payable == D("11.00")
    with pytest.raises(DomainError, match="partie au Trésor public dans un rôle") as chosen:
        pay(world, "7.00", first=(unpaid.march.id,))
    assert chosen.value.message.startswith(f"La facture {unpaid.march.number}")
    with pytest.raises(DomainError, match="dans un rôle"):
        pay(world, "7.00", shares={unpaid.march.id: D("7.00")})
    with pytest.raises(DomainError, match="dépasse de 7,00"):
        pay(world, "18.00")
    pay(world, "11.00")
    pay(world, "3.00", keep_credit=True)
    from webapp.counter.settlement import apply_credit
    assert apply_credit(account(world)) == []  # the credit waits: the roll's invoice is not the régie's to settle
    assert (unpaid.march.outstanding, unpaid.april.outstanding) == (D("7.00"), D("0.00"))
    (refused,) = record_invoice_payments(world.regie, PaymentMode.TRANSFER,
                                         [InvoicePayment(unpaid.march.id, D("1.00"), date(2026, 6, 15))])
    assert "dans un rôle" in refused
    movement = ReadMovement("r1", date(2026, 6, 15), None, D("7.00"), communication=unpaid.march.number)
    decision = Matcher(world.regie).decide(movement)
    assert decision.status is MovementStatus.REJECTED and "dans un rôle" in decision.reason
    assert "Trésor public" in why_not_payable(unpaid.march)
    # The reminder sent before the roll chases March and April: its reference pays April only, then nothing.
    movement = ReadMovement("r2", date(2026, 6, 15), None, D("7.00"), communication=f"relance {sent.number}")
    decision = Matcher(world.regie).decide(movement)
    assert decision.status is MovementStatus.REJECTED and "dans un rôle" in decision.reason
    rolls.delete(export, "Mauvais code nature")
    assert queries.account_view(world.regie.id, world.family.id).invoices == [unpaid.march]
    assert why_not_payable(unpaid.march) is None
