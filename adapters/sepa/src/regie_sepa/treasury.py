"""French public-sector variant: a régie whose account is a DFT account at the treasury.

From one open-source implementation (Noethysweb, ``format = "public_dft"``),
not yet checked against the DGFiP's « Mise en place des prélèvements SEPA par
les remettants hors clientèle DFT — Tome 3 » (see the format note):

* the creditor (``Cdtr``) is the treasury (the *trésorerie*), the account is
  the commune's DFT IBAN, the commune is the ultimate creditor (``UltmtCdtr``)
  with its SIRET;
* ``MsgId`` is the file name ``{service}-DFT-SDD-{yy}{day of year}-{nnn}``;
* ``EndToEndId`` is ``1D`` + the 6-digit *poste comptable* + ``0`` + the
  transaction number.
"""

from __future__ import annotations

from datetime import date

from .errors import FieldError
from .records import Creditor, Party
from .text import check_identifier


def dft_message_id(service_id: str, day: date, number: int) -> str:
    """The file name / message id of the ``number``-th file sent on ``day``.

    >>> dft_message_id("TGDFT027", date(2026, 11, 23), 1)
    'TGDFT027-DFT-SDD-26327-001'
    """
    if not 1 <= number <= 999:
        raise FieldError("numéro du fichier dans la journée entre 1 et 999", field="number", value=number)
    return check_identifier(f"{service_id}-DFT-SDD-{day:%y}{day.timetuple().tm_yday:03d}-{number:03d}", "message_id")


def dft_end_to_end_id(poste: str, transaction: int) -> str:
    """``1D`` + poste comptable (6 digits) + ``0`` + transaction number.

    >>> dft_end_to_end_id("027000", 42)
    '1D027000042'
    """
    if len(poste) != 6 or not poste.isdigit():
        raise FieldError("poste comptable sur 6 chiffres attendu", field="poste", value=poste)
    if transaction < 0:
        raise FieldError("numéro de transaction négatif", field="transaction", value=transaction)
    return check_identifier(f"1D{poste}0{transaction}", "end_to_end_id")


def dft_parties(treasury_name: str, dft_iban: str, treasury_bic: str | None, creditor_id: str,
                commune: Party) -> tuple[Creditor, Party]:
    """The creditor (the treasury, credited on the commune's DFT account) and the ultimate creditor."""
    return Creditor(treasury_name, dft_iban, treasury_bic, creditor_id), commune
