"""Write pain.008.001.02 / .08 from a :class:`~regie_sepa.records.Batch`.

Every file is checked (:mod:`regie_sepa.checks`), built, serialised, parsed
back and validated against the official XSD before it is returned: a file
that cannot be validated is never returned (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from lxml import etree

from .checks import ADDRESS_LIMITS, NAME, REMITTANCE, check_batch
from .errors import FieldError
from .records import Address, Amendment, Batch, Creditor, Party, Sequence, Transaction, Version
from .schema import validate_tree
from .text import clean
from .xml import parse

NOT_PROVIDED = "NOTPROVIDED"
SMNDA = "SMNDA"
FILE_NAMES = {seq: f"PRELEV_{seq.name}.XML" for seq in Sequence}
_ORDER = {seq: i for i, seq in enumerate(Sequence)}


def write(batch: Batch, version: Version = Version.V02) -> bytes:
    """Return the pain.008 file of ``batch`` as UTF-8 bytes, validated.

    Raises :class:`~regie_sepa.errors.FieldError` for bad data and
    :class:`~regie_sepa.errors.SchemaError` if the result (or the schema) fails.
    """
    check_batch(batch)
    root = _Builder(version).document(batch)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate_tree(etree.ElementTree(parse(data, "pain.008")), version)  # what is returned is what was checked
    return data


def write_files(batch: Batch, version: Version = Version.V02, *, single_file: bool = False,
                single_name: str = "PRELEV.XML") -> dict[str, bytes]:
    """French practice: one file per sequence (``PRELEV_FIRST.XML``, ``PRELEV_RCUR.XML``…).

    Only the sequences present get a file; each file's message id is the
    batch's suffixed with the sequence code. With ``single_file`` everything
    goes in one file named ``single_name``.
    """
    if single_file:
        return {single_name: write(batch, version)}
    return {FILE_NAMES[seq]: write(part, version) for seq, part in split_by_sequence(batch).items()}


def split_by_sequence(batch: Batch) -> dict[Sequence, Batch]:
    """One batch per sequence present, message id suffixed ``-FRST``, ``-RCUR``…"""
    if not batch.transactions:
        raise FieldError("le fichier ne contient aucune transaction", field="transactions")
    if len(batch.message_id) > 30:
        raise FieldError("30 caractères au plus pour pouvoir suffixer la séquence (-FRST, -RCUR)",
                           field="message_id", value=batch.message_id)
    parts: dict[Sequence, list[Transaction]] = {}
    for tx in batch.transactions:
        parts.setdefault(tx.sequence, []).append(tx)
    return {seq: replace(batch, message_id=f"{batch.message_id}-{seq.value}", transactions=tuple(parts[seq]))
            for seq in sorted(parts, key=_ORDER.__getitem__)}


def grouped(transactions: Iterable[Transaction]) -> list[tuple[tuple[Sequence, date], list[Transaction]]]:
    """Payment blocks: one per (sequence, collection date), in order of first appearance."""
    groups: dict[tuple[Sequence, date], list[Transaction]] = {}
    for tx in transactions:
        groups.setdefault((tx.sequence, tx.collection_date), []).append(tx)
    return list(groups.items())


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


class _Builder:
    """Builds the element tree of one version (tags differ only for the BIC)."""

    def __init__(self, version: Version) -> None:
        self.version = version
        self.ns = version.namespace
        self._tags: dict[str, str] = {}  # "Nm" -> "{urn:…}Nm", built once per tag
        self.bic_tag = "BIC" if version is Version.V02 else "BICFI"

    def _q(self, tag: str) -> str:
        qualified = self._tags.get(tag)
        if qualified is None:
            qualified = self._tags[tag] = f"{{{self.ns}}}{tag}"
        return qualified

    def sub(self, parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, self._q(tag))
        if text is not None:
            element.text = text
        return element

    def path(self, parent: etree._Element, tags: str, text: str) -> etree._Element:
        """``path(p, "Id/IBAN", x)`` adds the chain of elements and sets the leaf text."""
        for tag in tags.split("/"):
            parent = self.sub(parent, tag)
        parent.text = text
        return parent

    def document(self, batch: Batch) -> etree._Element:
        root = etree.Element(self._q("Document"), nsmap={None: self.ns})
        initiation = self.sub(root, "CstmrDrctDbtInitn")
        header = self.sub(initiation, "GrpHdr")
        self.sub(header, "MsgId", batch.message_id)
        self.sub(header, "CreDtTm", batch.created_at.isoformat(timespec="seconds"))
        self.sub(header, "NbOfTxs", str(len(batch.transactions)))
        self.sub(header, "CtrlSum", _amount(sum((tx.amount for tx in batch.transactions), Decimal(0))))
        self.party(header, "InitgPty", batch.initiating_party)
        for index, ((sequence, _), txs) in enumerate(grouped(batch.transactions), start=1):
            self.payment(initiation, batch, f"{batch.message_id[:27].rstrip('/')}-{index:03d}", sequence, txs)
        return root

    def payment(self, parent: etree._Element, batch: Batch, pmt_id: str, sequence: Sequence,
                txs: list[Transaction]) -> None:
        block = self.sub(parent, "PmtInf")
        self.sub(block, "PmtInfId", pmt_id)
        self.sub(block, "PmtMtd", "DD")
        self.sub(block, "NbOfTxs", str(len(txs)))
        self.sub(block, "CtrlSum", _amount(sum((tx.amount for tx in txs), Decimal(0))))
        kind = self.sub(block, "PmtTpInf")
        self.path(kind, "SvcLvl/Cd", "SEPA")
        self.path(kind, "LclInstrm/Cd", "CORE")
        self.sub(kind, "SeqTp", sequence.value)
        self.sub(block, "ReqdColltnDt", txs[0].collection_date.isoformat())
        creditor = batch.creditor
        self.party(block, "Cdtr", Party(creditor.name, address=creditor.address))
        self.path(block, "CdtrAcct/Id/IBAN", _compact(creditor.iban))
        self.agent(block, "CdtrAgt", creditor.bic)
        if batch.ultimate_creditor is not None:
            self.party(block, "UltmtCdtr", batch.ultimate_creditor)
        self.sub(block, "ChrgBr", "SLEV")
        self.scheme_id(block, "CdtrSchmeId", creditor)
        for tx in txs:
            self.transaction(block, tx, creditor)

    def transaction(self, parent: etree._Element, tx: Transaction, creditor: Creditor) -> None:
        element = self.sub(parent, "DrctDbtTxInf")
        self.path(element, "PmtId/EndToEndId", tx.end_to_end_id)
        self.sub(element, "InstdAmt", _amount(tx.amount)).set("Ccy", "EUR")
        mandate = self.path(element, "DrctDbtTx/MndtRltdInf/MndtId", tx.mandate.reference).getparent()
        self.sub(mandate, "DtOfSgntr", tx.mandate.signed_on.isoformat())
        if tx.mandate.amendment is not None:
            self.sub(mandate, "AmdmntInd", "true")
            self.amendment(self.sub(mandate, "AmdmntInfDtls"), tx.mandate.amendment)
        self.agent(element, "DbtrAgt", tx.debtor.bic)
        self.party(element, "Dbtr", Party(tx.debtor.name, address=tx.debtor.address))
        self.path(element, "DbtrAcct/Id/IBAN", _compact(tx.debtor.iban))
        if tx.remittance is not None:
            self.path(element, "RmtInf/Ustrd", clean(tx.remittance, REMITTANCE))

    def amendment(self, parent: etree._Element, amendment: Amendment) -> None:
        if amendment.original_reference is not None:
            self.sub(parent, "OrgnlMndtId", amendment.original_reference)
        if amendment.original_creditor_id is not None or amendment.original_creditor_name is not None:
            scheme = self.sub(parent, "OrgnlCdtrSchmeId")
            if amendment.original_creditor_name is not None:
                self.sub(scheme, "Nm", clean(amendment.original_creditor_name, NAME))
            if amendment.original_creditor_id is not None:
                self.scheme_other(scheme, amendment.original_creditor_id)
        if amendment.original_iban is not None:
            self.path(parent, "OrgnlDbtrAcct/Id/IBAN", _compact(amendment.original_iban))
        if amendment.new_bank:
            self.path(parent, "OrgnlDbtrAgt/FinInstnId/Othr/Id", SMNDA)

    def party(self, parent: etree._Element, tag: str, party: Party) -> None:
        element = self.sub(parent, tag)
        self.sub(element, "Nm", clean(party.name, NAME))
        if party.address is not None:
            self.address(element, party.address)
        if party.siret is not None:
            other = self.path(element, "Id/OrgId/Othr/Id", party.siret).getparent()
            self.path(other, "SchmeNm/Prtry", "SIRET")

    def address(self, parent: etree._Element, address: Address) -> None:
        element = self.sub(parent, "PstlAdr")
        for key, tag in (("street", "StrtNm"), ("building_number", "BldgNb"), ("postcode", "PstCd"), ("town", "TwnNm")):
            if (value := getattr(address, key)) is not None:
                self.sub(element, tag, clean(value, ADDRESS_LIMITS[key]))
        self.sub(element, "Ctry", address.country)
        for line in address.lines:
            self.sub(element, "AdrLine", clean(line, 70))

    def agent(self, parent: etree._Element, tag: str, bic: str | None) -> None:
        institution = self.sub(self.sub(parent, tag), "FinInstnId")
        if bic is None:
            self.path(institution, "Othr/Id", NOT_PROVIDED)
        else:
            self.sub(institution, self.bic_tag, _compact(bic))

    def scheme_id(self, parent: etree._Element, tag: str, creditor: Creditor) -> None:
        self.scheme_other(self.sub(parent, tag), creditor.creditor_id)

    def scheme_other(self, parent: etree._Element, creditor_id: str) -> None:
        other = self.path(parent, "Id/PrvtId/Othr/Id", creditor_id).getparent()
        self.path(other, "SchmeNm/Prtry", "SEPA")


def _compact(value: str) -> str:
    return value.replace(" ", "").upper()
