from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from conftest import CREDITOR, TOWN_HALL, make_batch, make_tx

from regie_sepa.checks import check_amount, check_batch, notices
from regie_sepa.errors import FieldError, SepaError
from regie_sepa.records import Address, Amendment, Debtor, Party


def fault(batch) -> FieldError:
    with pytest.raises(FieldError) as caught:
        check_batch(batch)
    return caught.value


def test_a_good_batch_passes(batch):
    check_batch(batch)


@pytest.mark.parametrize("amount", ["0", "-1.00", "0.001", "12.345", "1000000000.00", "NaN", "Infinity"])
def test_amounts_refused(amount):
    error = fault(make_batch(make_tx(7, amount=amount)))
    assert (error.field, error.transaction) == ("amount", "F26-11-0000007")


def test_float_amount_refused():
    with pytest.raises(FieldError):
        check_amount(12.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["0.01", "12.5", "12.50", "12.500", "999999999.99"])
def test_amounts_accepted(amount):
    check_amount(Decimal(amount))


def test_error_is_a_value_error_with_a_french_message():
    error = fault(make_batch(make_tx(3, debtor=Debtor("X", "FR7630004000010001234567831"))))
    assert isinstance(error, SepaError) and isinstance(error, ValueError)
    assert str(error).startswith("transaction F26-11-0000003, champ debtor.iban : IBAN invalide")
    assert error.value == "FR7630004000010001234567831"
    assert isinstance(error.__cause__, Exception)


@pytest.mark.parametrize(("changes", "field"), [
    ({"creditor": replace(CREDITOR, iban="FR00")}, "creditor.iban"),
    ({"creditor": replace(CREDITOR, bic="BDFEXXPP")}, "creditor.bic"),
    ({"creditor": replace(CREDITOR, creditor_id="FR73ZZZ123456")}, "creditor.creditor_id"),
    ({"creditor": replace(CREDITOR, creditor_id="fr72zzz123456")}, "creditor.creditor_id"),
    ({"creditor": replace(CREDITOR, name="  ")}, "creditor.name"),
    ({"creditor": replace(CREDITOR, address=Address(street="1 rue X"))}, "creditor.address"),
    ({"creditor": replace(CREDITOR, address=Address("Lyon", "fr"))}, "creditor.address.country"),
    ({"creditor": replace(CREDITOR, address=Address("Lyon", "FR", lines=("a", "b", "c")))}, "creditor.address.lines"),
    ({"initiating_party": replace(TOWN_HALL, siret="73282932000075")}, "initiating_party.siret"),
    ({"ultimate_creditor": Party("")}, "ultimate_creditor.name"),
    ({"message_id": "A//B"}, "message_id"),
    ({"transactions": ()}, "transactions"),
    ({"transactions": (make_tx(1), make_tx(1))}, "end_to_end_id"),
])
def test_batch_faults_name_their_field(changes, field):
    assert fault(make_batch(**changes)).field == field


@pytest.mark.parametrize(("tx", "field"), [
    (make_tx(1, end_to_end_id="/E2E"), "end_to_end_id"),
    (make_tx(1, debtor=Debtor("M. X", "FR7630004000010001234567830", "NOTABIC")), "debtor.bic"),
    (make_tx(1, debtor=Debtor("", "FR7630004000010001234567830")), "debtor.name"),
    (make_tx(1, debtor=Debtor("M. X", "FR7630004000010001234567830", address=Address(country="FR"))),
     "debtor.address"),
    (make_tx(1, day=date(2026, 8, 31)), "mandate.signed_on"),
    (make_tx(1, amendment=Amendment()), "mandate.amendment"),
    (make_tx(1, amendment=Amendment(original_reference="RUM-000000001")), "mandate.amendment.original_reference"),
    (make_tx(1, amendment=Amendment(original_reference="OLD//1")), "mandate.amendment.original_reference"),
    (make_tx(1, amendment=Amendment(original_creditor_id="FR00ZZZ123456")), "mandate.amendment.original_creditor_id"),
    (make_tx(1, amendment=Amendment(original_creditor_name=" ")), "mandate.amendment.original_creditor_name"),
    (make_tx(1, amendment=Amendment(original_iban="FR7630004000010001234567830")), "mandate.amendment.original_iban"),
    (make_tx(1, amendment=Amendment(original_iban="FR7630006000011234567890188")), "mandate.amendment.original_iban"),
    (make_tx(1, amendment=Amendment(original_iban="FR7630006000011234567890189", new_bank=True)),
     "mandate.amendment.original_iban"),
])
def test_transaction_faults_name_transaction_and_field(tx, field):
    error = fault(make_batch(tx))
    assert (error.transaction, error.field) == (tx.end_to_end_id, field)


def test_notices_list_text_that_will_change():
    tx = make_tx(1, remittance="Facture n°1", debtor=Debtor("Mme Hélène", "FR7630004000010001234567830",
                                                            address=Address("Évian", "FR", lines=("é",))))
    found = notices(make_batch(tx, ultimate_creditor=Party("Commune d'Évian")))
    assert len(found) == 5
    assert found[0].startswith("transaction F26-11-0000001, champ remittance : « Facture n°1 »")
    assert any(n.startswith("champ ultimate_creditor.name") for n in found)
    assert notices(make_batch()) == []
