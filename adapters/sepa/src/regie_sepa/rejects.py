"""Read a bank's status report (pain.002, any version) into rejected transactions.

Each reject keeps the raw ISO reason code and texts, plus a French label for
the codes an agent meets (labels aligned on the usual French bank lists;
unknown codes are kept verbatim, never dropped). When the whole file is
rejected (``GrpSts`` = ``RJCT`` with no transaction detail), ``group_status``
says so and every transaction of the original file is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

from .errors import FileFormatError, cut
from .records import Batch, Transaction
from .xml import Source, namespace, parse

PAIN_002 = "urn:iso:std:iso:20022:tech:xsd:pain.002.001."

REASONS = {
    "AC01": "Coordonnées bancaires incorrectes (IBAN invalide)",
    "AC04": "Compte clôturé",
    "AC06": "Compte bloqué / prélèvements bloqués par le débiteur",
    "AG01": "Prélèvement interdit sur ce type de compte",
    "AG02": "Code opération ou format incorrect",
    "AM04": "Provision insuffisante",
    "AM05": "Opération en double",
    "BE05": "Identifiant créancier (ICS) incorrect",
    "CNOR": "Banque du créancier non joignable",
    "DNOR": "Banque du débiteur non joignable",
    "FF01": "Format de fichier invalide",
    "FF05": "Type de prélèvement (CORE/B2B) incorrect",
    "MD01": "Absence de mandat ou mandat invalide",
    "MD02": "Données du mandat absentes ou incorrectes",
    "MD06": "Remboursement demandé par le débiteur",
    "MD07": "Débiteur décédé",
    "MS02": "Refus du débiteur (motif non communiqué)",
    "MS03": "Motif non communiqué par la banque",
    "RC01": "BIC incorrect",
    "RR01": "Compte ou identification du débiteur manquant (motif réglementaire)",
    "RR02": "Nom ou adresse du débiteur manquant (motif réglementaire)",
    "RR03": "Nom ou adresse du créancier manquant (motif réglementaire)",
    "RR04": "Motif réglementaire",
    "SL01": "Service spécifique de la banque du débiteur (ex. liste de créanciers bloqués)",
}


@dataclass(frozen=True)
class Reason:
    """An ISO reason: ``code`` (4 letters) or ``proprietary`` text, with its French label."""

    code: str | None
    proprietary: str | None = None
    additional_info: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """French label; the raw code or text when the code is unknown."""
        if self.code in REASONS:
            return REASONS[self.code]
        return " ".join(filter(None, (self.code, self.proprietary, *self.additional_info))) or "Motif non précisé"


@dataclass(frozen=True)
class Reject:
    """One rejected transaction, matched by (message id, payment block id, end-to-end id)."""

    end_to_end_id: str | None
    payment_info_id: str | None
    status: str
    reasons: tuple[Reason, ...]
    amount: Decimal | None = None
    collection_date: date | None = None
    mandate_reference: str | None = None


@dataclass(frozen=True)
class StatusReport:
    message_id: str
    original_message_id: str
    original_message_type: str
    group_status: str | None
    group_reasons: tuple[Reason, ...]
    rejects: tuple[Reject, ...]

    @property
    def whole_file_rejected(self) -> bool:
        return self.group_status == "RJCT"


def rejected_transactions(report: StatusReport, batch: Batch) -> list[tuple[Transaction, tuple[Reason, ...]]]:
    """The transactions of ``batch`` that ``report`` rejects, with their reasons.

    A whole-file reject (``GrpSts`` = ``RJCT``) rejects every transaction with
    the group reasons. Raises :class:`FileFormatError` when the report is about
    another file.
    """
    if report.original_message_id != batch.message_id:
        raise FileFormatError(f"ce compte rendu concerne le fichier {cut(report.original_message_id)}, "
                              f"pas {batch.message_id}", field="OrgnlMsgId", value=report.original_message_id)
    if report.whole_file_rejected:
        return [(tx, report.group_reasons) for tx in batch.transactions]
    reasons = {reject.end_to_end_id: reject.reasons for reject in report.rejects}
    return [(tx, reasons[tx.end_to_end_id]) for tx in batch.transactions if tx.end_to_end_id in reasons]


def read_status_report(source: Source) -> StatusReport:
    """Return the rejects of a pain.002 file; raise :class:`FileFormatError` otherwise.

    ``source`` is the file's ``bytes``, a path or a binary file object, as for :func:`regie_sepa.read`.
    """
    root = parse(source, "pain.002")
    ns = namespace(root)
    if not ns.startswith(PAIN_002):
        raise FileFormatError(f"ce n'est pas un compte rendu pain.002 (espace de noms « {cut(ns)} »)",
                              line=root.sourceline)
    return _Report({"p": ns}).report(root)


class _Report:
    def __init__(self, ns: dict[str, str]) -> None:
        self.ns = ns

    def text(self, element: etree._Element, path: str) -> str | None:
        found = element.find("p:" + path.replace("/", "/p:"), self.ns)
        return None if found is None or found.text is None else found.text.strip()

    def required(self, element: etree._Element, path: str) -> str:
        value = self.text(element, path)
        if not value:
            raise FileFormatError("élément obligatoire absent du compte rendu pain.002",
                                  field=path.rsplit("/", 1)[-1], line=element.sourceline)
        return value

    def report(self, root: etree._Element) -> StatusReport:
        body = root.find("p:CstmrPmtStsRpt", self.ns)
        if body is None:
            raise FileFormatError("bloc CstmrPmtStsRpt absent", line=root.sourceline)
        header = body.find("p:GrpHdr", self.ns)
        group = body.find("p:OrgnlGrpInfAndSts", self.ns)
        if header is None or group is None:
            raise FileFormatError("en-tête (GrpHdr) ou informations du fichier d'origine (OrgnlGrpInfAndSts) absents",
                                  line=body.sourceline)
        rejects = []
        for block in body.iterfind("p:OrgnlPmtInfAndSts", self.ns):
            block_id = self.text(block, "OrgnlPmtInfId")
            block_status = self.text(block, "PmtInfSts")
            for tx in block.iterfind("p:TxInfAndSts", self.ns):
                status = self.text(tx, "TxSts") or block_status
                if status == "RJCT":
                    rejects.append(self.reject(tx, block_id, status))
        return StatusReport(
            message_id=self.required(header, "MsgId"),
            original_message_id=self.required(group, "OrgnlMsgId"),
            original_message_type=self.required(group, "OrgnlMsgNmId"),
            group_status=self.text(group, "GrpSts"),
            group_reasons=self.reasons(group),
            rejects=tuple(rejects),
        )

    def reject(self, tx: etree._Element, block_id: str | None, status: str) -> Reject:
        amount = self.text(tx, "OrgnlTxRef/Amt/InstdAmt")
        day = self.text(tx, "OrgnlTxRef/ReqdColltnDt")
        try:
            return Reject(
                end_to_end_id=self.text(tx, "OrgnlEndToEndId"),
                payment_info_id=block_id,
                status=status,
                reasons=self.reasons(tx),
                amount=None if amount is None else Decimal(amount),
                collection_date=None if day is None else date.fromisoformat(day),
                mandate_reference=self.text(tx, "OrgnlTxRef/MndtRltdInf/MndtId"),
            )
        except (ArithmeticError, ValueError) as e:
            raise FileFormatError("montant ou date illisible dans la transaction rejetée",
                                  line=tx.sourceline, value=amount or day) from e

    def reasons(self, element: etree._Element) -> tuple[Reason, ...]:
        return tuple(
            Reason(self.text(info, "Rsn/Cd"), self.text(info, "Rsn/Prtry"),
                   tuple(line.text.strip() for line in info.iterfind("p:AddtlInf", self.ns) if line.text))
            for info in element.iterfind("p:StsRsnInf", self.ns)
        )
