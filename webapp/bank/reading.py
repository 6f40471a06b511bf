"""A bank file as the bank module books it: statements and movements in one shape, whatever the format. CODA is
read by `regie_coda`, OFX by ofxparse behind `ofx`; nothing here reads a byte of either format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import regie_coda

from webapp.bank import ofx
from webapp.bank.models import StatementFormat
from webapp.errors import DomainError

CENT = Decimal("0.01")
# A debit whose text reads like a direct debit coming back unpaid.
RETURN_WORDS = re.compile(r"\b(retour|rejet|impay|r-?transaction|storno|terugbetaling|reject|return)", re.I)


@dataclass(frozen=True)
class ReadMovement:
    identity: str
    booked_on: date
    value_date: date | None
    amount: Decimal  # signed, two places
    communication: str = ""
    structured_ref: str = ""  # 12 digits
    counterparty_name: str = ""
    counterparty_account: str = ""
    bank_reference: str = ""
    direct_debit_return: bool = False


@dataclass(frozen=True)
class ReadStatement:
    format: StatementFormat
    account: str
    currency: str
    number: str
    old_balance: Decimal | None
    old_balance_date: date | None
    new_balance: Decimal | None
    new_balance_date: date | None
    movements: list[ReadMovement] = field(default_factory=list)


def read(data: bytes) -> list[ReadStatement]:
    """The statements of an uploaded file, CODA or OFX/QFX; anything else is refused in French."""
    head = data.lstrip(b"\xef\xbb\xbf \r\n\t")
    if b"OFXHEADER" in head[:4096].upper() or b"<OFX>" in head[:4096].upper():
        return [_ofx(statement) for statement in ofx.read(data)]
    if head[:1] == b"0":  # a CODA header record; the adapter says what else is wrong with it
        return _coda(data)
    raise DomainError("Ce fichier n'est ni un relevé CODA ni un relevé OFX/QFX.", "file")


def _coda(data: bytes) -> list[ReadStatement]:
    try:
        statements = regie_coda.read(data)
    except regie_coda.CodaError as error:
        raise DomainError(f"Relevé CODA illisible : {error}", "file") from None
    return [ReadStatement(StatementFormat.CODA, s.account, s.currency, str(s.number), s.old_balance.quantize(CENT),
                          s.old_balance_date, s.new_balance.quantize(CENT), s.new_balance_date,
                          [_coda_movement(s, m) for m in s.booked_movements()]) for s in statements]


def _coda_movement(statement: regie_coda.Statement, m: regie_coda.Movement) -> ReadMovement:
    code = m.transaction_code
    text = " ".join(filter(None, [m.communication, *(i.communication for i in m.information)]))
    # Family 05 is the direct debits; an R-transaction type says the debit came back.
    returned = m.amount < 0 and (code.family == "05" or bool(m.r_type) or bool(RETURN_WORDS.search(text)))
    booked_on = m.entry_date or m.value_date or statement.new_balance_date
    if booked_on is None:
        raise DomainError(f"Relevé CODA, extrait n° {statement.number} : le mouvement {m.sequence} n'a pas de "
                          "date de comptabilisation.", "file")
    return ReadMovement(statement.movement_id(m), booked_on, m.value_date, m.amount.quantize(CENT),
                        text.strip(), m.structured_communication or "", m.counterparty_name,
                        m.counterparty_account, m.bank_reference, returned)


def _ofx(statement: ofx.OfxStatement) -> ReadStatement:
    return ReadStatement(StatementFormat.OFX, statement.account, statement.currency, "", None, None,
                         statement.balance, statement.balance_date, [
                             ReadMovement(t.identity, t.booked_on, t.user_date, t.amount, t.text, "", t.name, "",
                                          t.fitid, t.amount < 0 and bool(RETURN_WORDS.search(t.text)))
                             for t in statement.transactions])
