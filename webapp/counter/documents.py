"""The counter's printed documents: cash receipts, account statements, deposit slips, the day's journal."""

from __future__ import annotations

from flask import render_template

from webapp.counter.journal import DayJournal
from webapp.counter.models import DepositSlip, Payment
from webapp.counter.queries import Statement
from webapp.pdf import html_to_pdf


def receipt(payment: Payment) -> bytes:
    return html_to_pdf(render_template("counter/pdf/receipt.html", payment=payment))


def statement(statement: Statement) -> bytes:
    return html_to_pdf(render_template("counter/pdf/statement.html", statement=statement))


def slip(slip: DepositSlip) -> bytes:
    return html_to_pdf(render_template("counter/pdf/slip.html", slip=slip))


def day_journal(journal: DayJournal) -> bytes:
    return html_to_pdf(render_template("counter/pdf/journal.html", journal=journal))
