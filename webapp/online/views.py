"""The family's side, without an account: the invoice's payment page reached by its signed link, the return from
PayFiP, and PayFiP's notification (which only prompts us to ask PayFiP)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, make_response, redirect, request, url_for
from wtforms import EmailField
from wtforms.validators import Email, InputRequired, Length

from webapp import db
from webapp.errors import DomainError
from webapp.extensions import csrf
from webapp.forms import Form, form_status, submit
from webapp.headers import content_security_policy
from webapp.htmx import render
from webapp.mail import link
from webapp.online import jobs, services  # noqa: F401 (jobs declares the periodic sweep)
from webapp.online.models import OnlinePayment
from webapp.online.qr import epc_qr_data_uri, offers_qr, qr_data_uri, shows_qr
from webapp.online.tokens import LinkExpired, invoice_for, token_for

bp = Blueprint("online", __name__, url_prefix="/paiement")


class PayForm(Form):
    # PayFiP mails its receipt there; 6 to 80 characters is PayFiP's own rule.
    email = EmailField("Votre adresse e-mail (pour le reçu de paiement)",
                       [InputRequired(), Email(message="Adresse e-mail invalide."), Length(min=6, max=80)])


def pay_online_link(invoice: Any) -> str | None:
    """The link printed on the invoice and in its e-mail, when its régie offers online payment."""
    return link("online.pay", token=token_for(invoice)) if services.offers_online_payment(invoice.regie) else None


# The invoice's PDF and e-mail, also made by jobs.
for _global in (pay_online_link, shows_qr, epc_qr_data_uri, offers_qr, qr_data_uri):
    bp.add_app_template_global(_global)


def _invoice(token: str) -> Any:
    try:
        invoice = invoice_for(token)
    except LinkExpired:
        return None
    if not services.offers_online_payment(invoice.regie):
        abort(404)
    return invoice


@bp.route("/<token>", methods=["GET", "POST"])
def pay(token: str) -> Any:
    invoice = _invoice(token)
    if invoice is None:
        return render("online/expired.html", status=410)
    form = PayForm()
    started = submit(form, lambda data: services.start(
        invoice, data["email"], return_url=link("online.back", token=token),
        notify_url=link("online.notification")))
    if started:
        response = redirect(started[1], 303)
    else:
        response = make_response(render("online/pay.html", status=form_status(form), form=form, invoice=invoice,
                                         reason=services.why_not_payable(invoice), pending=services.pending(invoice)))
    payfip_origin = "{0.scheme}://{0.netloc}".format(urlsplit(current_app.config["PAYFIP_PAYMENT_URL"]))
    response.headers["Content-Security-Policy"] = content_security_policy(payfip_origin)
    return response


@bp.route("/<token>/retour", methods=["GET", "POST"])
@csrf.exempt  # PayFiP sends the family back here, with no token of ours; nothing here trusts what it posts
def back(token: str) -> Any:
    invoice = _invoice(token)
    if invoice is None:
        return render("online/expired.html", status=410)
    operation = db.session.scalar(sa.select(OnlinePayment).where(OnlinePayment.invoice_id == invoice.id)
                                  .order_by(OnlinePayment.id.desc()).limit(1))
    if operation is None:
        return redirect(url_for("online.pay", token=token), 303)
    try:
        services.resolve(operation)
    except DomainError as error:
        db.session.rollback()
        return render("online/back.html", invoice=invoice, operation=operation, error=error.message, token=token)
    return render("online/back.html", invoice=invoice, operation=operation, error=None, token=token)


@bp.post("/notification")
@csrf.exempt  # PayFiP's server posts idOp here; we ask PayFiP itself what became of it
def notification() -> Any:
    idop = request.values.get("idOp") or request.values.get("idop") or ""
    operation = db.session.scalar(sa.select(OnlinePayment).where(OnlinePayment.idop == idop[:64]))
    if operation is None:
        abort(404)
    try:
        services.resolve(operation)
    except DomainError:
        db.session.rollback()
    return "OK", 200, {"Content-Type": "text/plain; charset=utf-8"}
