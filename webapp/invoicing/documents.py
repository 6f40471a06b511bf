"""Invoices as PDF (xhtml2pdf): one invoice, a whole batch in one file, or a ZIP of one file each."""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask import render_template
from xhtml2pdf import pisa

from webapp.errors import DomainError
from webapp.invoicing.models import Invoice, InvoiceLine


def _by_child(invoice: Invoice) -> dict[Any, list[InvoiceLine]]:
    groups: dict[Any, list[InvoiceLine]] = defaultdict(list)
    for line in invoice.lines:
        groups[line.child].append(line)
    return groups


def _pdf(html: str) -> bytes:
    # The PDF's built-in fonts have no narrow no-break space (Babel's thousands separator).
    html = html.replace("\u202f", "\xa0")
    output = io.BytesIO()
    status = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if status.err:
        raise DomainError("Le PDF n'a pas pu être produit ; signalez-le à l'exploitant du serveur.")
    return output.getvalue()


def render_invoices(invoices: Iterable[Invoice], *, detailed: bool = False) -> bytes:
    """One PDF, one invoice per page group."""
    documents = [(invoice, _by_child(invoice)) for invoice in invoices]
    return _pdf(render_template("invoicing/pdf/invoices.html", documents=documents, detailed=detailed))


def filename(invoice: Invoice) -> str:
    return f"{invoice.number or f'brouillon-{invoice.id}'}.pdf"


def zip_invoices(invoices: Iterable[Invoice], *, detailed: bool = False) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for invoice in invoices:
            archive.writestr(filename(invoice), render_invoices([invoice], detailed=detailed))
    return output.getvalue()
