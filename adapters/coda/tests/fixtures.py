"""Statements built in code: the source of the golden sample files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from regie_coda import FreeCommunication, Information, Movement, Statement, TransactionCode

D = Decimal


def two_statements() -> list[Statement]:
    """Two statements of one account: structured and free communications, a globalisation."""
    first = Statement(
        account="BE68539007547034",
        currency="EUR",
        number=12,
        coda_number=12,
        old_balance=D("1500.00"),
        old_balance_date=date(2026, 3, 2),
        new_balance=D("1512.38"),
        new_balance_date=date(2026, 3, 3),
        holder="COMMUNE DE VILLERS-ÉTÉ",
        description="Compte régie cantine",
        creation_date=date(2026, 3, 3),
        bank_id="539",
        bic="HBKABE22",
        holder_id="00207354811",
        addressee="COMMUNE DE VILLERS-ETE",
        movements=(
            Movement(
                sequence=1,
                detail=0,
                amount=D("42.50"),
                value_date=date(2026, 3, 3),
                entry_date=date(2026, 3, 3),
                transaction_code=TransactionCode.parse("00150000"),
                communication_type="101",
                communication="240283842818",
                bank_reference="0000AB12CD34EF56GH78I",
                customer_reference="E2E-2026-000123",
                counterparty_bic="GEBABEBB",
                counterparty_account="BE71096123456769",
                counterparty_currency="EUR",
                counterparty_name="DUPONT MARIE",
                information=(
                    Information(
                        sequence=1,
                        detail=1,
                        transaction_code=TransactionCode.parse("00150000"),
                        communication_type="001",
                        communication="DUPONT MARIE" + " " * 58 + "RUE DE LA GARE 12",
                        bank_reference="0000AB12CD34EF56GH78I",
                    ),
                ),
            ),
            Movement(
                sequence=2,
                detail=0,
                amount=D("-30.12"),
                value_date=date(2026, 3, 3),
                entry_date=date(2026, 3, 3),
                transaction_code=TransactionCode.parse("10050000"),
                communication="Frais de tenue de compte mars 2026 et commission sur opérations"
                " de paiement reçues au guichet communal",
                bank_reference="0000AB12CD34EF56GH79J",
                counterparty_name="BANQUE",
                globalisation_code=1,
            ),
            Movement(
                sequence=2,
                detail=1,
                amount=D("-20.00"),
                value_date=date(2026, 3, 3),
                entry_date=date(2026, 3, 3),
                transaction_code=TransactionCode.parse("50050000"),
                communication="Tenue de compte",
            ),
            Movement(
                sequence=2,
                detail=2,
                amount=D("-10.12"),
                value_date=None,
                entry_date=date(2026, 3, 3),
                transaction_code=TransactionCode.parse("50050000"),
                communication="Commission",
            ),
        ),
        free_communications=(FreeCommunication(0, 0, "SOLDE DISPONIBLE EN FIN DE JOURNEE C 030326 EUR 1512,38"),),
    )
    second = Statement(
        account="BE68539007547034",
        currency="EUR",
        number=13,
        coda_number=13,
        old_balance=D("1512.38"),
        old_balance_date=date(2026, 3, 3),
        new_balance=D("-87.62"),
        new_balance_date=date(2026, 3, 4),
        holder="COMMUNE DE VILLERS-ÉTÉ",
        creation_date=date(2026, 3, 4),
        bank_id="539",
        bic="HBKABE22",
        duplicate=True,
        movements=(
            Movement(
                sequence=1,
                detail=0,
                amount=D("-1600.00"),
                value_date=date(2026, 3, 4),
                entry_date=date(2026, 3, 4),
                transaction_code=TransactionCode.parse("01370000"),
                communication="Traiteur Dubois facture 2026-0042",
                counterparty_account="BE43068999999501",
                counterparty_name="TRAITEUR DUBOIS SPRL",
            ),
        ),
    )
    return [first, second]


def version_one() -> Statement:
    """An old version 1 statement: Belgian account number, long counterparty name."""
    return Statement(
        account="539007547034",
        currency="BEF",
        number=1,
        coda_number=1,
        old_balance=D("10000"),
        old_balance_date=date(1999, 12, 30),
        new_balance=D("12500"),
        new_balance_date=date(1999, 12, 31),
        holder="COMMUNE DE VILLERS",
        account_structure=0,
        version=1,
        creation_date=date(1999, 12, 31),
        bank_id="539",
        movements=(
            Movement(
                sequence=1,
                detail=0,
                amount=D("2500"),
                value_date=date(1999, 12, 31),
                entry_date=date(1999, 12, 31),
                transaction_code=TransactionCode.parse("00010000"),
                communication="Repas scolaires décembre",
                counterparty_account="001234567890",
                counterparty_name="FAMILLE MARTIN-LEFEBVRE, RUE DES ECOLES 4, 5000 NAMUR",
            ),
        ),
    )


def foreign_iban() -> Statement:
    """Structure 3 (foreign IBAN), no movement, a free communication."""
    return Statement(
        account="FR7630006000011234567890189",
        currency="EUR",
        number=1,
        coda_number=1,
        old_balance=D("0"),
        old_balance_date=date(2026, 1, 1),
        new_balance=D("0"),
        new_balance_date=date(2026, 1, 2),
        account_structure=3,
        bic="AGRIFRPP",
        free_communications=(FreeCommunication(0, 0, "AUCUN MOUVEMENT"),),
    )
