"""The bank's rejects of validated debits: a pain.002 report read by `regie-sepa`, or a reject typed by hand.
Each rejected debit cancels its payment with the French reason of its code (the invoice is due again) and
marks the mandate when the code says it is no longer valid. A whole file rejected also gives its mandates back
their state before the run (the adapter's rollback, for that file's mandates only). A report read twice books
nothing twice: one reject per debit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO

import sqlalchemy as sa
from regie_sepa import Sequence, SepaError, read, read_status_report, rules
from regie_sepa.rejects import REASONS
from wtforms import SelectChoice

from webapp import db
from webapp.audit.services import actor_id, declare, record, record_creation
from webapp.counter import services as counter
from webapp.counter.closings import hold_regie
from webapp.debits import records
from webapp.debits.mandates import revoke
from webapp.debits.models import BankReject, DebitFile, DebitRun, DebitRunItem, MandateState, RunStatus
from webapp.errors import DomainError
from webapp.formatting import today

# The codes after which the mandate cannot be used again: a new mandate (and a FIRST) is needed.
ENDS_MANDATE = {"MD01", "AC04", "MD07", "AC01"}

declare({"bank_reject": "Rejet de prélèvement"}, {"code": "code", "label": "motif", "report_id": "compte rendu"})


def reason_choices() -> list[SelectChoice]:
    return [SelectChoice(code, f"{code} · {label}") for code, label in sorted(REASONS.items())]


@dataclass
class Outcome:
    booked: list[BankReject] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def reject(item: DebitRunItem, code: str, label: str, report_id: str = "") -> BankReject:
    """One debit refused by the bank: its payment cancelled with the reason, the mandate ended if the code says so."""
    run = item.run
    if run.status is not RunStatus.VALIDATED or item.excluded or item.payment is None:
        raise DomainError("Seul un prélèvement validé peut être rejeté par la banque.")
    if db.session.scalar(sa.select(BankReject.id).where(BankReject.item_id == item.id)) is not None:
        raise DomainError(f"Le rejet du prélèvement de la facture {item.invoice.number} est déjà enregistré.")
    code = (code or "").strip().upper()
    if not code:
        raise DomainError("Indiquez le code du rejet.", "code")
    label = label or REASONS.get(code, code)
    entry = BankReject(organisation_id=run.organisation_id, item_id=item.id, code=code[:35], label=label,
                       report_id=report_id[:35], created_by_id=actor_id())
    db.session.add(entry)
    db.session.flush()
    if item.cancellation is None:
        counter.cancel_payment(item.payment, f"Prélèvement rejeté ({code}) : {label}", today())
    if code in ENDS_MANDATE and item.mandate.state is MandateState.ACTIVE:
        revoke(item.mandate, f"Rejet {code} : {label} — un nouveau mandat est nécessaire")
    record_creation("bank_reject", entry, ("code", "label", "report_id"), organisation_id=run.organisation_id)
    return entry


def by_hand(item: DebitRunItem, data: dict[str, object]) -> BankReject:
    hold_regie(item.run.regie_id, exclusive=True)
    code = str(data.get("code") or "")
    if code not in REASONS:
        raise DomainError("Choisissez le code du rejet.", "code")
    return reject(item, code, REASONS[code])


def import_report(organisation_id: int, regie_ids: set[int], source: bytes | IO[bytes]) -> Outcome:
    """A pain.002: each rejected debit is matched by the file it answers (its message id) and end-to-end id."""
    try:
        report = read_status_report(source)
    except SepaError as e:
        raise DomainError(f"Compte rendu illisible : {e}", "file") from e
    file = db.session.scalar(sa.select(DebitFile).join(DebitRun).where(
        DebitFile.message_id == report.original_message_id, DebitRun.organisation_id == organisation_id,
        DebitRun.regie_id.in_(regie_ids)))
    if file is None:
        raise DomainError(f"Ce compte rendu répond au fichier {report.original_message_id}, qu'aucun prélèvement "
                          "de vos régies n'a envoyé.", "file")
    run = file.run
    hold_regie(run.regie_id, exclusive=True)
    items = {i.end_to_end_id: i for i in run.collected}
    outcome = Outcome()
    if report.whole_file_rejected:
        reasons = report.group_reasons
        code = next((r.code or r.proprietary for r in reasons if r.code or r.proprietary), "RJCT") or "RJCT"
        label = reasons[0].label if reasons else "Fichier rejeté par la banque"
        in_file = [items[tx.end_to_end_id] for tx in read(file.content).transactions if tx.end_to_end_id in items]
        _restore_mandates(run, [i for i in in_file if not _rejected(i)])
        targets = [(i, code, label) for i in in_file]
    else:
        targets = []
        for found in report.rejects:
            item = items.get(found.end_to_end_id or "")
            if item is None:
                outcome.unknown.append(found.end_to_end_id or "?")
                continue
            reason = found.reasons[0] if found.reasons else None
            code = (reason.code or reason.proprietary or "") if reason else ""
            targets.append((item, code or "RJCT", reason.label if reason else "Rejet sans motif"))
    for item, code, label in targets:
        if _rejected(item):
            outcome.already.append(item.invoice.number)
            continue
        outcome.booked.append(reject(item, code, label, report.message_id))
    record("import", "debit_run", run, {"compte rendu": [None, f"{report.message_id} : {len(outcome.booked)} rejet(s)"]},
           organisation_id=run.organisation_id)
    return outcome


def _rejected(item: DebitRunItem) -> bool:
    return db.session.scalar(sa.select(BankReject.id).where(BankReject.item_id == item.id)) is not None


def _restore_mandates(run: DebitRun, items: list[DebitRunItem]) -> None:
    pairs = {(Sequence(i.sequence), run.first_date if i.sequence == Sequence.FIRST.value else run.recurrent_date)
             for i in items}
    undone = rules.rollback([records.mandate(i.mandate) for i in items], pairs)
    for item, mandate in zip(items, undone.mandates, strict=True):
        changes = records.store(item.mandate, mandate)
        if changes:
            record("rollback", "mandate", item.mandate, changes, organisation_id=run.organisation_id)
