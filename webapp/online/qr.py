"""The EPC QR code (« SEPA credit transfer », version 002) printed beside a payment box (an invoice's, a
reminder's): the family's banking app reads the account, the amount still due and the reference, so nothing is
typed wrong."""

from __future__ import annotations

import base64
import io
import re
from decimal import Decimal

import segno.helpers

from webapp.invoicing.models import Invoice
from webapp.organisations.models import Country, Regie


def offers_qr(regie: Regie) -> bool:
    """Belgian régies always (transfers are how families pay there), French ones when they enable it."""
    return bool(regie.iban) and (regie.organisation.country is Country.BE or regie.transfer_qr)


def shows_qr(invoice: Invoice) -> bool:
    """Only on a numbered invoice, not cancelled, that still owes something."""
    return invoice.settlement.due and offers_qr(invoice.regie)


def epc_payload(regie: Regie, amount: Decimal, reference: str) -> segno.QRCode:
    """Belgium: the structured communication's 12 digits as the structured reference (what Belgian banks file as
    a « BBA » reference); France: the payment reference as the transfer's text."""
    structured = text = None
    if regie.organisation.country is Country.BE:
        structured = re.sub(r"\D", "", reference)
    else:
        text = reference
    return segno.helpers.make_epc_qr(name=regie.name[:70], iban=regie.iban, amount=amount, reference=structured,
                                     text=text, bic=regie.bic or None)


def qr_data_uri(regie: Regie, amount: Decimal, reference: str) -> str:
    """The code as a PNG in a data: URI, which the PDF renderer embeds without reading any file."""
    buffer = io.BytesIO()
    epc_payload(regie, amount, reference).save(buffer, kind="png", scale=4, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def epc_qr_data_uri(invoice: Invoice) -> str:
    return qr_data_uri(invoice.regie, invoice.outstanding, invoice.payment_reference or invoice.number)
