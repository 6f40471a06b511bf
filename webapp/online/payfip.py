"""PayFiP's web service through eopayment's `payfip_ws` backend (Entr'ouvert runs it in production): the SOAP
protocol, the result codes and the life of an operation are the library's, not ours. The addresses are settings,
so tests and the demo talk to a local fake service instead of the DGFiP's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from eopayment import common, payfip_ws
from flask import current_app

from webapp.errors import DomainError
from webapp.organisations.models import Regie

UNAVAILABLE = ("Le service de paiement en ligne ne répond pas : réessayez dans quelques minutes, ou payez à la "
               "régie.")


@dataclass(frozen=True)
class Answer:
    """What PayFiP says of an operation: `paid` by card (P) or debit (V), refused (R, Z), abandoned (A), still
    waiting (P5 within the operation's life) or expired (P1, or P5 too long after)."""

    result: str  # eopayment's PAID, DENIED, CANCELLED, WAITING, EXPIRED, ERROR
    code: str  # resultrans, or the error code
    amount: Decimal | None
    refdet: str


@cache
def _service(wsdl_url: str | None) -> payfip_ws.PayFiP:
    return payfip_ws.PayFiP(wsdl_url=wsdl_url, use_local_wsdl=wsdl_url is None)


def _backend(regie: Regie, return_url: str = "", notify_url: str = "") -> payfip_ws.Payment:
    backend = payfip_ws.Payment({"numcli": regie.payfip_client, "saisie": regie.payfip_mode.value,
                                 "normal_return_url": return_url, "automatic_return_url": notify_url})
    backend.payfip = _service(current_app.config["PAYFIP_WSDL_URL"])
    return backend


def create_operation(regie: Regie, *, amount: Decimal, email: str, refdet: str, fiscal_year: int, subject: str,
                     return_url: str, notify_url: str) -> tuple[str, str]:
    """(idOp, the address to send the family to)."""
    try:
        idop, _kind, _url = _backend(regie, return_url, notify_url).request(
            amount, email=email, refdet=refdet, exer=str(fiscal_year), subject=subject)
    except (payfip_ws.PayFiPError, common.PaymentException) as error:
        current_app.logger.warning("PayFiP creerPaiementSecurise failed: %s", error)
        raise DomainError(UNAVAILABLE) from None
    return idop, f"{current_app.config['PAYFIP_PAYMENT_URL']}?idop={idop}"


def ask(regie: Regie, idop: str, created_at: datetime) -> Answer:
    """PayFiP's own account of the operation (recupererDetailPaiementSecurise)."""
    try:
        response = _backend(regie).payment_status(idop, transaction_date=created_at)
    except (payfip_ws.PayFiPError, common.PaymentException) as error:
        current_app.logger.warning("PayFiP recupererDetailPaiementSecurise failed for %s: %s", idop, error)
        return Answer(common.ERROR, getattr(error, "code", "") or "", None, "")
    data = response.bank_data or {}
    montant = data.get("montant")
    return Answer(response.result, data.get("resultrans") or ("P5" if response.result == common.WAITING else
                                                              "P1" if response.result == common.EXPIRED else ""),
                  Decimal(montant) / 100 if montant else None, data.get("refdet") or "")
