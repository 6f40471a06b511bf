"""Pure rules for the life of a mandate: sequence, caducity, account changes,
references, and the advance / rollback of collections.

Nothing here touches a database: each function takes records and returns new
ones, so the caller stores the result (and its audit trail) in one transaction.

* A mandate advances only when a file is **transmitted** (:func:`mark_transmitted`),
  never when it is built (OCA bank-payment PR #464); its state before is kept
  in ``previous`` so that a file rejected or never sent can be rolled back
  (:func:`rollback`). :func:`settle` drops that snapshot once the file can no
  longer come back.
* Caducity (Banque de France FAQ « Le prélèvement SEPA »): 36 months without a
  collection presented, counted from the *due date* of the last collection,
  or from the signature when it was never used.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from .errors import FieldError, MandateError
from .records import Amendment, Batch, Mandate, MandateInfo, MandateState, MandateStatus, Sequence, Transaction
from .text import check_identifier

CADUCITY_MONTHS = 36
MIGRATED_PREFIX = "MIG"


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, clamped to the end of a shorter month.

    >>> add_months(date(2024, 2, 29), 36)
    datetime.date(2027, 2, 28)
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry_date(mandate: Mandate) -> date:
    """Last day a collection may fall on before the mandate lapses."""
    return add_months(mandate.last_collection_date or mandate.signed_on, CADUCITY_MONTHS)


def is_lapsed(mandate: Mandate, on: date) -> bool:
    return on > expiry_date(mandate)


def lapses_within(mandate: Mandate, on: date, days: int) -> bool:
    """True when the mandate is still valid on ``on`` but lapses in ``days`` days or fewer."""
    return not is_lapsed(mandate, on) and (expiry_date(mandate) - on).days <= days


def status_on(mandate: Mandate, on: date) -> str:
    """``active``, ``lapsed``, ``revoked`` or ``closed`` on the day ``on``."""
    if mandate.status is not MandateStatus.ACTIVE:
        return str(mandate.status.value)
    return "lapsed" if is_lapsed(mandate, on) else "active"


STATUS_LABELS = {"active": "actif", "lapsed": "caduc (plus de 36 mois sans prélèvement)",
                 "revoked": "révoqué", "closed": "clos (dernier prélèvement présenté)"}


def check_collectable(mandate: Mandate, on: date) -> None:
    """Raise :class:`MandateError` unless the mandate may be collected on ``on``."""
    status = status_on(mandate, on)
    if status != "active":
        raise MandateError(f"mandat {STATUS_LABELS[status]} au {on:%d/%m/%Y} : "
                           "un nouveau mandat (nouvelle RUM) est nécessaire", field="mandate", value=mandate.reference)


def next_sequence(mandate: Mandate, *, rcur_only: bool = False) -> Sequence:
    """FIRST if never collected or after a change of bank (SMNDA), else RCUR.

    ``rcur_only`` is the creditor setting for banks that take RCUR from the
    first collection (FIRST optional since rulebook 9.2, 20 November 2016).
    """
    if mandate.one_off:
        return Sequence.OOFF
    first = mandate.last_collection_date is None or (mandate.amendment is not None and mandate.amendment.new_bank)
    return Sequence.FIRST if first and not rcur_only else Sequence.RCUR


def mandate_info(mandate: Mandate) -> MandateInfo:
    """What the next transaction carries for this mandate (reference, signature, amendment)."""
    return MandateInfo(mandate.reference, mandate.signed_on, mandate.amendment)


def same_bank(old_iban: str, new_iban: str) -> bool:
    """Same country and bank code in both IBANs (schwifty); unknown means another bank."""
    try:
        old, new = IBAN(old_iban), IBAN(new_iban)
    except SchwiftyException as e:
        raise FieldError(f"IBAN invalide ({e})", field="iban", value=new_iban) from e
    return bool(old.bank_code) and (old.country_code, old.bank_code) == (new.country_code, new.bank_code)


def change_account(mandate: Mandate, iban: str, bic: str | None = None) -> Mandate:
    """The debtor gave new bank details: record them and what the next file must report.

    Another bank → ``SMNDA`` and the next collection is FIRST; another account
    at the same bank → the original account is reported and RCUR goes on. The
    original is the account last *presented*: several changes between two
    collections report the first one, and going back to it reports nothing.
    """
    iban = iban.replace(" ", "").upper()
    old = mandate.debtor
    debtor = replace(old, iban=iban, bic=bic)
    if iban == old.iban.replace(" ", "").upper():
        return replace(mandate, debtor=debtor)
    if mandate.last_collection_date is None:  # nothing presented yet: nothing to amend
        return replace(mandate, debtor=debtor)
    pending = mandate.amendment or Amendment()
    presented = pending.original_iban or old.iban
    if pending.new_bank or not same_bank(presented, iban):
        amendment = replace(pending, original_iban=None, new_bank=True)
    elif presented.replace(" ", "").upper() == iban:
        amendment = replace(pending, original_iban=None)
    else:
        amendment = replace(pending, original_iban=presented)
    return replace(mandate, debtor=debtor, amendment=None if amendment == Amendment() else amendment)


def record_collection(mandate: Mandate, collection_date: date, sequence: Sequence) -> Mandate:
    """The mandate once a file collecting it on ``collection_date`` is transmitted."""
    closes = sequence in (Sequence.FNAL, Sequence.OOFF)
    return replace(
        mandate,
        last_collection_date=collection_date,
        last_sequence=sequence,
        status=MandateStatus.CLOSED if closes else mandate.status,
        amendment=None,
        previous=mandate.state,
    )


def mark_transmitted(mandates: Iterable[Mandate], transactions: Iterable[Transaction]) -> list[Mandate]:
    """Advance every mandate collected by a transmitted file; the others are unchanged."""
    collected: dict[str, Transaction] = {}
    for tx in transactions:
        key = tx.mandate.reference.upper()
        if key in collected:
            raise MandateError("mandat prélevé deux fois dans le même fichier", field="mandate.reference",
                               value=tx.mandate.reference, transaction=tx.end_to_end_id)
        collected[key] = tx
    result = []
    for mandate in mandates:
        key = mandate.reference.upper()
        if key in collected:
            done = collected.pop(key)
            mandate = record_collection(mandate, done.collection_date, done.sequence)
        result.append(mandate)
    for unknown in collected.values():
        raise MandateError("mandat inconnu : la transaction ne correspond à aucun mandat fourni",
                           field="mandate.reference", value=unknown.mandate.reference,
                           transaction=unknown.end_to_end_id)
    return result


def collections(batch: Batch) -> set[tuple[Sequence, date]]:
    """The (sequence, collection date) pairs of a file, as :func:`rollback` wants them."""
    return {(tx.sequence, tx.collection_date) for tx in batch.transactions}


@dataclass(frozen=True)
class Rollback:
    """Result of :func:`rollback`: the mandates and what happened to them (by reference)."""

    mandates: tuple[Mandate, ...]
    restored: tuple[str, ...]
    collected_since: tuple[str, ...]
    unrestorable: tuple[str, ...]


def rollback(mandates: Iterable[Mandate], file_collections: Iterable[tuple[Sequence, date]]) -> Rollback:
    """Undo a file that was rejected or never transmitted.

    ``file_collections`` are the file's (sequence, date) pairs, e.g.
    ``{(Sequence.FIRST, d1), (Sequence.RCUR, d2)}``. A mandate whose last
    collection is one of them gets its previous state back; a mandate
    collected again since is left alone and reported; one whose snapshot was
    already dropped by :func:`settle` is reported as unrestorable.
    """
    wanted = set(file_collections)
    result: list[Mandate] = []
    restored: list[str] = []
    since: list[str] = []
    lost: list[str] = []
    for mandate in mandates:
        if (mandate.last_sequence, mandate.last_collection_date) in wanted:
            if mandate.previous is None:
                lost.append(mandate.reference)
            else:
                mandate = _restore(mandate, mandate.previous)
                restored.append(mandate.reference)
        elif _collected_before(mandate.previous, wanted):
            since.append(mandate.reference)
        result.append(mandate)
    return Rollback(tuple(result), tuple(restored), tuple(since), tuple(lost))


def _restore(mandate: Mandate, state: MandateState) -> Mandate:
    return replace(mandate, last_collection_date=state.last_collection_date, last_sequence=state.last_sequence,
                   status=state.status, amendment=state.amendment, previous=state.previous)


def _collected_before(state: MandateState | None, wanted: set[tuple[Sequence, date]]) -> bool:
    while state is not None:
        if (state.last_sequence, state.last_collection_date) in wanted:
            return True
        state = state.previous
    return False


def settle(mandate: Mandate) -> Mandate:
    """Forget the rollback snapshot once the last file can no longer be rejected."""
    return replace(mandate, previous=None)


_NUMBERED = re.compile(r"(?P<prefix>.*)-(?P<number>[0-9]+)")


def make_reference(number: int, *, prefix: str = "RUM", migrated: bool = False) -> str:
    """A RUM: ``RUM-000000042``; ``MIG-RUM-…`` marks a mandate taken over from another tool.

    >>> make_reference(42), make_reference(7, prefix="CANTINE", migrated=True)
    ('RUM-000000042', 'MIG-CANTINE-000000007')
    """
    if number < 0:
        raise FieldError("numéro de mandat négatif", field="number", value=number)
    full = f"{MIGRATED_PREFIX}-{prefix}" if migrated else prefix
    return check_identifier(f"{full}-{number:09d}".upper(), "mandate.reference")


def next_reference(existing: Iterable[str], *, prefix: str = "RUM", migrated: bool = False) -> str:
    """The next free reference after the highest one of the same prefix (case-insensitive).

    >>> next_reference(["RUM-000000041", "rum-000000042", "MIG-RUM-000000099"])
    'RUM-000000043'
    """
    full = (f"{MIGRATED_PREFIX}-{prefix}" if migrated else prefix).upper()
    numbers = [int(m["number"]) for ref in existing
               if (m := _NUMBERED.fullmatch(ref.upper())) and m["prefix"] == full]
    return make_reference(max(numbers, default=0) + 1, prefix=prefix, migrated=migrated)


def check_batch_mandates(transactions: Iterable[Transaction], last_collections: Mapping[str, date | None]) -> None:
    """Refuse a transaction whose mandate has lapsed on its collection date.

    ``last_collections`` maps a mandate reference to its last collection date
    (``None`` if never collected). A mandate not in it is checked only when the
    transaction says it was never used, a FIRST without a change of bank: its
    caducity then counts from the signature (fail closed); other mandates not
    in it are not checked.
    """
    for tx in transactions:
        key = tx.mandate.reference
        never_used = tx.sequence is Sequence.FIRST and not (tx.mandate.amendment and tx.mandate.amendment.new_bank)
        if key in last_collections or never_used:
            mandate = Mandate(key, tx.mandate.signed_on, tx.debtor, last_collection_date=last_collections.get(key))
            try:
                check_collectable(mandate, tx.collection_date)
            except MandateError as e:
                raise MandateError(e.message, field="mandate.last_collection_date", value=key,
                                   transaction=tx.end_to_end_id) from e

