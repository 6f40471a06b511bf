"""The link printed on an invoice and in its e-mail: the family pays without an account, so the link itself is
the key. It names one invoice of one organisation, is signed with the server's secret and expires."""

from __future__ import annotations

from flask import abort, current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from webapp import db
from webapp.invoicing.models import Invoice

SALT = "regie.paiement-en-ligne"


class LinkExpired(Exception):
    pass


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token_for(invoice: Invoice) -> str:
    return _serializer().dumps([invoice.regie.organisation_id, invoice.id])


def invoice_for(token: str) -> Invoice:
    """The invoice the link names; 404 for a forged or altered link, or one naming another organisation's invoice."""
    max_age = current_app.config["ONLINE_LINK_DAYS"] * 86400
    try:
        organisation_id, invoice_id = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired from None
    except (BadSignature, ValueError, TypeError):
        abort(404)
    invoice = db.session.get(Invoice, invoice_id) if isinstance(invoice_id, int) else None
    if invoice is None or invoice.regie.organisation_id != organisation_id:
        abort(404)
    return invoice
