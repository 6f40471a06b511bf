"""The direct-debit documents as PDF: the mandate to sign (with the letter to the family), the run's list, and
the covering slip of a file, built from the file as the adapter reads it back (what is sent is what is listed)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flask import render_template
from regie_sepa import read

from webapp.debits import runs
from webapp.debits.models import DebitFile, DebitRun, Mandate
from webapp.pdf import html_to_pdf


def mandate(found: Mandate) -> bytes:
    return html_to_pdf(render_template("debits/pdf/mandate.html", mandate=found))


def run_list(run: DebitRun) -> bytes:
    return html_to_pdf(render_template("debits/pdf/run.html", run=run, totals=runs.totals(run)))


def covering_slip(file: DebitFile) -> bytes:
    batch = read(file.content)
    blocks: dict[tuple[str, object], list[Decimal]] = defaultdict(list)
    for tx in batch.transactions:
        blocks[(tx.sequence.name, tx.collection_date)].append(tx.amount)
    return html_to_pdf(render_template(
        "debits/pdf/covering_slip.html", run=file.run, file=file, batch=batch,
        blocks=[(key, len(amounts), sum(amounts, Decimal("0.00"))) for key, amounts in blocks.items()],
        grand_total=sum((tx.amount for tx in batch.transactions), Decimal("0.00"))))
