"""Everything a direct-debit run checks before its files are handed over.

:func:`regie_sepa.writer.write` checks the *file* (identifiers, amounts,
schema); :func:`build_files` adds the rules that depend on the day and on the
mandates: TARGET2 closing days, lead time, caducity, and the creditor's
"RCUR only" setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from . import shapes
from .dates import LeadTime, check_collection_date
from .errors import MandateError
from .records import Batch, Sequence, Version
from .rules import check_batch_mandates
from .writer import write_files


def rcur_only(batch: Batch) -> Batch:
    """Send FIRST collections as RCUR, for banks that take RCUR from the first one."""
    return replace(batch, transactions=tuple(
        replace(tx, sequence=Sequence.RCUR) if tx.sequence is Sequence.FIRST else tx for tx in batch.transactions))


def build_files(batch: Batch, *, version: Version = Version.V02, single_file: bool = False,
                today: date | None = None, lead: LeadTime = LeadTime(), first_as_rcur: bool = False,
                last_collections: Mapping[str, date | None] | None = None) -> dict[str, bytes]:
    """Check the run, then write ``PRELEV_FIRST.XML`` / ``PRELEV_RCUR.XML`` (or one file).

    ``today`` is the day the files are sent (default: the batch creation day);
    ``last_collections`` maps mandate references to their last collection
    date for the caducity check. Returns ``{file name: bytes}``; raises a
    :class:`~regie_sepa.errors.SepaError` and returns nothing on any fault.
    """
    shapes.check(batch)
    if first_as_rcur:
        batch = rcur_only(batch)
    sent = today or batch.created_at.date()
    for tx in batch.transactions:
        check_collection_date(tx.collection_date, sent, tx.sequence, lead, tx.end_to_end_id)
        if tx.mandate.signed_on > sent:
            raise MandateError("mandat daté d'après l'envoi du fichier", field="mandate.signed_on",
                               value=tx.mandate.signed_on, transaction=tx.end_to_end_id)
    check_batch_mandates(batch.transactions, last_collections or {})
    return write_files(batch, version, single_file=single_file)
