"""Importing a bank file: check that it is the régie's account, tell new movements from known ones, decide
each one (`matching`), show it all (`preview`), then write and book it in the caller's one transaction
(`import_file`). A rejected movement is later corrected by an agent (`correct`) or set aside (`dismiss`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.bank import reading
from webapp.bank.matching import Decision, Matcher, squeezed
from webapp.bank.models import BankMovement, BankStatement, MovementStatus
from webapp.counter import services as counter
from webapp.counter.closings import booking_day, hold_regie
from webapp.counter.amounts import ZERO
from webapp.counter.models import Payment, PaymentMode
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.families.models import Family
from webapp.formatting import money
from webapp.organisations.models import Regie

declare({"bank_statement": "Relevé bancaire", "bank_movement": "Mouvement bancaire"}, {
    "account": "compte", "number": "n° d'extrait", "filename": "fichier", "movement_count": "mouvements",
    "known_count": "déjà connus", "old_balance": "ancien solde", "new_balance": "nouveau solde",
    "status": "état", "famille": "famille",
}, {"status": MovementStatus, "old_balance": money, "new_balance": money})

_IDENTITY_CHUNK = 5000  # under every database's limit of bound parameters
_MOVEMENT_CHUNK = 1000  # movements written between two reports of a job's progress


def is_regie_account(regie: Regie, account: str) -> bool:
    """The file's account is the régie's: its IBAN, or what a bank writes of it (a Belgian BBAN, a French
    bank + branch + account number without the key)."""
    iban, theirs = squeezed(regie.iban), squeezed(account)
    return bool(theirs) and (theirs == iban or (len(theirs) >= 12 and iban[4:].startswith(theirs)))


@dataclass
class Row:
    statement: reading.ReadStatement
    movement: reading.ReadMovement
    known: bool
    decision: Decision | None = None


@dataclass
class Plan:
    """What a file will do: every movement, new or known, and what each new one becomes."""

    content_hash: str
    statements: list[reading.ReadStatement]
    rows: list[Row] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def _total(self, status: MovementStatus) -> Decimal:
        return sum((r.movement.amount for r in self.rows if r.decision and r.decision.status is status), ZERO)

    def count(self, status: MovementStatus) -> int:
        return sum(1 for r in self.rows if r.decision and r.decision.status is status)

    @property
    def known(self) -> int:
        return sum(1 for r in self.rows if r.known)

    @property
    def new(self) -> int:
        return len(self.rows) - self.known

    @property
    def accepted_total(self) -> Decimal:
        return self._total(MovementStatus.ACCEPTED)

    @property
    def rejected_total(self) -> Decimal:
        return self._total(MovementStatus.REJECTED)

    @property
    def debit_total(self) -> Decimal:
        return self._total(MovementStatus.DEBIT)


def _known_identities(accounts: dict[str, list[str]]) -> set[tuple[str, str]]:
    known: set[tuple[str, str]] = set()
    for account, identities in accounts.items():
        for start in range(0, len(identities), _IDENTITY_CHUNK):
            chunk = identities[start:start + _IDENTITY_CHUNK]
            known.update((a, i) for a, i in db.session.execute(sa.select(BankMovement.account, BankMovement.identity).where(
                BankMovement.account == account, BankMovement.identity.in_(chunk))).all())
    return known


def _previous(regie: Regie, account: str) -> BankStatement | None:
    return db.session.scalar(sa.select(BankStatement).where(
        BankStatement.regie_id == regie.id, BankStatement.account == account,
        BankStatement.new_balance.is_not(None)).order_by(
        BankStatement.new_balance_date.desc(), BankStatement.id.desc()).limit(1))


def _balance_notices(regie: Regie, statements: list[reading.ReadStatement]) -> list[str]:
    """An opening balance that is not the closing balance of the statement before it: a gap or an overlap."""
    notices = []
    last: dict[str, tuple[str, Decimal | None]] = {}
    for statement in statements:
        account = squeezed(statement.account)
        if account not in last:
            previous = _previous(regie, account)
            last[account] = (previous.number, previous.new_balance) if previous else ("", None)
        number, closing = last[account]
        if statement.old_balance is not None and closing is not None and closing != statement.old_balance:
            notices.append(f"Extrait n° {statement.number} : il commence à {money(statement.old_balance)} alors que "
                           f"l'extrait précédent (n° {number}) finissait à {money(closing)} : un extrait manque, ou "
                           "les extraits se chevauchent.")
        last[account] = (statement.number, statement.new_balance)
    return notices


def plan(regie: Regie, data: bytes, statements: list[reading.ReadStatement] | None = None) -> Plan:
    """Read the file and decide every new movement, booking nothing: the preview, and the import's first half."""
    statements = reading.read(data) if statements is None else statements
    for statement in statements:
        if not is_regie_account(regie, statement.account):
            raise DomainError(f"Ce relevé est celui du compte {statement.account} ; la régie « {regie.name} » a "
                              f"le compte {regie.iban} : rien n'est importé.", "file")
        if statement.currency.upper() != "EUR":
            raise DomainError(f"Ce relevé est en {statement.currency} : la régie ne reçoit que des euros.", "file")
    result = Plan(hashlib.sha256(data).hexdigest(), statements, notices=_balance_notices(regie, statements))
    wanted: dict[str, list[str]] = {}
    for statement in statements:
        wanted.setdefault(squeezed(statement.account), []).extend(m.identity for m in statement.movements)
    known = _known_identities(wanted)
    matcher = Matcher(regie)
    for statement in statements:
        account = squeezed(statement.account)
        for movement in statement.movements:
            key = (account, movement.identity)
            seen = key in known
            known.add(key)
            result.rows.append(Row(statement, movement, seen, None if seen else matcher.decide(movement)))
    return result


def movement_count(data: bytes) -> int:
    """How many movements a file holds: a big one is imported by the job runner."""
    return sum(len(statement.movements) for statement in reading.read(data))


@dataclass
class Imported:
    statements: list[BankStatement]
    plan: Plan
    booked: int = 0
    rejected: int = 0


def import_file(regie: Regie, filename: str, data: bytes,
                progress: Callable[[int, int], None] | None = None) -> Imported:
    """Write every statement and new movement of the file and book the accepted ones; the caller commits once,
    so a file is all booked or not at all. A movement whose booking the counter refuses (a closed day) is
    rejected with the counter's reason. Two imports of one account take turns (after the régie's row, the lock
    order of every booking): the second sees the first's movements as known."""
    statements = reading.read(data)
    hold_regie(regie.id)
    for account in sorted({squeezed(s.account) for s in statements}):
        db.serialise(f"bank-account:{account}")
    planned = plan(regie, data, statements)
    result = Imported([], planned)
    by_statement: dict[int, BankStatement] = {}
    for read in planned.statements:
        if read.movements and all(r.known for r in planned.rows if r.statement is read):
            continue  # imported before: a second copy would only break the chain of balances
        statement = BankStatement(
            organisation_id=regie.organisation_id, regie_id=regie.id, format=read.format,
            account=squeezed(read.account), number=read.number, filename=filename[-200:],
            content_hash=planned.content_hash, old_balance=read.old_balance, old_balance_date=read.old_balance_date,
            new_balance=read.new_balance, new_balance_date=read.new_balance_date,
            movement_count=len(read.movements),
            known_count=sum(1 for r in planned.rows if r.statement is read and r.known), created_by_id=actor_id())
        db.session.add(statement)
        by_statement[id(read)] = statement
        result.statements.append(statement)
    db.session.flush()
    for statement in result.statements:
        record_creation("bank_statement", statement, ("account", "number", "filename", "movement_count",
                                                      "known_count", "old_balance", "new_balance"),
                        organisation_id=regie.organisation_id)
    new = [row for row in planned.rows if not row.known]
    accepted = [row for row in new if row.decision.status is MovementStatus.ACCEPTED and not row.decision.shares]
    outcome = counter.record_invoice_payments(regie, PaymentMode.TRANSFER, [
        counter.InvoicePayment(row.decision.invoice.id, row.movement.amount,
                               booking_day(regie.id, row.movement.booked_on),
                         row.movement.counterparty_name, _comment(by_statement[id(row.statement)], row.movement.bank_reference))
        for row in accepted])
    booked = dict(zip((id(row) for row in accepted), outcome, strict=True))
    for row in new:
        if row.decision.status is MovementStatus.ACCEPTED and row.decision.shares:
            booked[id(row)] = _pay_reminder(regie, row, by_statement[id(row.statement)])
    rows = []
    for row in new:
        read, decision = row.movement, row.decision
        status, reason, payment_id = decision.status, decision.reason, booked.get(id(row))
        if isinstance(payment_id, str):  # the counter refused it (a closed day, paid meanwhile): rejected
            status, reason, payment_id = MovementStatus.REJECTED, payment_id, None
        rows.append({
            "organisation_id": regie.organisation_id, "regie_id": regie.id,
            "statement_id": by_statement[id(row.statement)].id, "account": squeezed(row.statement.account),
            "identity": read.identity, "booked_on": read.booked_on, "value_date": read.value_date,
            "amount": read.amount, "communication": read.communication, "structured_ref": read.structured_ref,
            "counterparty_name": read.counterparty_name[:120], "counterparty_account": read.counterparty_account[:40],
            "bank_reference": read.bank_reference[:80], "status": status, "reason": reason,
            "invoice_id": decision.invoice.id if decision.invoice else None,
            "family_id": decision.invoice.family_id if decision.invoice else None, "payment_id": payment_id})
        result.booked += payment_id is not None
        result.rejected += status is MovementStatus.REJECTED
    for start in range(0, len(rows), _MOVEMENT_CHUNK):
        db.insert_rows(BankMovement.__table__, rows[start:start + _MOVEMENT_CHUNK])
        if progress:
            progress(min(start + _MOVEMENT_CHUNK, len(rows)), len(rows))
    return result


def _pay_reminder(regie: Regie, row: Row, statement: BankStatement) -> int | str:
    """A transfer to a reminder's reference: one payment split over the reminder's invoices as matching decided,
    booked as at the counter; refused (a closed day, an invoice paid meanwhile) it leaves nothing behind."""
    family = db.session.get(Family, row.decision.invoice.family_id)
    try:
        with db.session.begin_nested():
            return counter.record_payment(regie, family, {
                "mode": PaymentMode.TRANSFER.value, "amount": row.movement.amount,
                "received_on": row.movement.booked_on, "holder": row.movement.counterparty_name,
                "comment": _comment(statement, row.movement.bank_reference)}, dict(row.decision.shares)).id
    except DomainError as error:
        return error.message


def _comment(statement: BankStatement, bank_reference: str) -> str:
    """What the payment says of where it comes from: the statement, and the bank's own reference."""
    return f"Virement, {statement}" + (f", réf. bancaire {bank_reference}" if bank_reference else "")


def _open(movement: BankMovement) -> None:
    """A rejected movement, locked: a second agent correcting it at the same moment waits, then is refused."""
    db.session.refresh(movement, with_for_update=True)
    if movement.status is not MovementStatus.REJECTED:
        raise DomainError(f"Ce mouvement a déjà été traité ({movement.status.label.lower()}) : rien n'a été "
                          "enregistré une seconde fois.")


def correct(regie: Regie, movement: BankMovement, family: Family, shares: dict[int, Decimal] | None,
            keep_credit: bool = False) -> Payment:
    """« Corriger » : the agent names the family, and the split as at the counter; booked once."""
    hold_regie(regie.id)
    _open(movement)
    payment = counter.record_payment(regie, family, {
        "mode": PaymentMode.TRANSFER.value, "amount": movement.amount,
        "received_on": booking_day(regie.id, movement.booked_on),
        "holder": movement.counterparty_name, "keep_credit": keep_credit,
        "comment": _comment(movement.statement, movement.bank_reference)}, shares)
    movement.payment_id, movement.family_id = payment.id, family.id
    before = movement.status
    movement.status, movement.handled_at, movement.handled_by_id = MovementStatus.CORRECTED, utcnow(), actor_id()
    record("update", "bank_movement", movement, {"status": [before.value, movement.status.value],
                                                  "famille": [None, family.label]},
           organisation_id=regie.organisation_id)
    return payment


def dismiss(regie: Regie, movement: BankMovement, reason: str) -> BankMovement:
    """« Pas pour la régie » : the money is not the régie's (a subsidy, another service), for a stated reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Indiquez pourquoi ce mouvement n'est pas pour la régie.", "reason")
    hold_regie(regie.id)
    _open(movement)
    movement.status, movement.reason = MovementStatus.NOT_FOR_REGIE, reason
    movement.handled_at, movement.handled_by_id = utcnow(), actor_id()
    record("update", "bank_movement", movement, {"status": [MovementStatus.REJECTED.value, movement.status.value],
                                                  "raison": [None, reason]}, organisation_id=regie.organisation_id)
    return movement


def rejected(regie_ids: list[int]) -> list[BankMovement]:
    return list(db.session.scalars(sa.select(BankMovement).where(
        BankMovement.regie_id.in_(regie_ids), BankMovement.status == MovementStatus.REJECTED)
        .order_by(BankMovement.booked_on, BankMovement.id)))

