"""The EPC QR code (« SEPA credit transfer », version 002) printed beside an invoice's payment box: the family's
banking app reads the account, the amount still due and the reference, so nothing is typed wrong."""

from __future__ import annotations

import base64
import io
import re

import segno.helpers

from webapp.invoicing.models import Invoice
from webapp.organisations.models import Country


def shows_qr(invoice: Invoice) -> bool:
    """Belgian régies always (transfers are how families pay there), French ones when they enable it; only on a
    numbered invoice, not cancelled, that still owes something."""
    regie = invoice.regie
    return (invoice.settlement.due and bool(regie.iban)
            and (regie.organisation.country is Country.BE or regie.transfer_qr))


def epc_payload(invoice: Invoice) -> segno.QRCode:
    """Belgium: the structured communication's 12 digits as the structured reference (what Belgian banks file as
    a « BBA » reference); France: the invoice's payment reference as the transfer's text."""
    regie = invoice.regie
    reference = text = None
    if regie.organisation.country is Country.BE:
        reference = re.sub(r"\D", "", invoice.payment_reference)
    else:
        text = invoice.payment_reference or invoice.number
    return segno.helpers.make_epc_qr(name=regie.name[:70], iban=regie.iban, amount=invoice.outstanding,
                                     reference=reference, text=text, bic=regie.bic or None)


def epc_qr_data_uri(invoice: Invoice) -> str:
    """The code as a PNG in a data: URI, which the PDF renderer embeds without reading any file."""
    buffer = io.BytesIO()
    epc_payload(invoice).save(buffer, kind="png", scale=4, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
