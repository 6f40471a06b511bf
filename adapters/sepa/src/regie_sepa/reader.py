"""Read a pain.008.001.02 / .08 file (ours or another tool's) back into a Batch.

The file is validated against its XSD first, so the reader can rely on the
structure; what the records need beyond the XSD (sequence type, mandate
reference and signature date, EUR, one creditor per file, exact counts and
control sums) is checked here, with the line of the faulty element.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from lxml import etree

from .errors import FileFormatError, cut
from .records import Address, Amendment, Batch, Creditor, Debtor, MandateInfo, Party, Sequence, Transaction, Version
from .schema import validate_tree
from .xml import Source, namespace, parse

SMNDA = "SMNDA"
T = TypeVar("T")


def detect_version(root: etree._Element) -> Version:
    ns = namespace(root)
    for version in Version:
        if ns == version.namespace:
            return version
    raise FileFormatError(
        f"ce n'est pas un fichier de prélèvement pain.008.001.02 ou .08 (espace de noms « {cut(ns)} »)",
        line=root.sourceline)


def read(source: Source) -> Batch:
    """Return the :class:`Batch` of a pain.008 file.

    ``source`` is the file's ``bytes``, a path (:class:`os.PathLike`, such as
    :class:`pathlib.Path`) or a binary file object; a path or a file is parsed
    as it is read, never held whole in memory. Opening a path may raise
    :class:`OSError`. Raises :class:`~regie_sepa.errors.FileFormatError` or
    :class:`~regie_sepa.errors.SchemaError` (both :class:`SepaError`).
    """
    root = parse(source, "pain.008")
    version = detect_version(root)
    validate_tree(etree.ElementTree(root), version)
    return _Reader(version).batch(root)


def validate(source: Source) -> Version:
    """Check ``source`` (as for :func:`read`) is a valid, consistent pain.008 file; return its version."""
    root = parse(source, "pain.008")
    version = detect_version(root)
    validate_tree(etree.ElementTree(root), version)
    _Reader(version).batch(root)
    return version


class _Reader:
    def __init__(self, version: Version) -> None:
        self.ns = {"p": version.namespace}

    def find(self, element: etree._Element, path: str) -> etree._Element | None:
        return element.find("p:" + path.replace("/", "/p:"), self.ns)

    def text(self, element: etree._Element, path: str) -> str | None:
        found = self.find(element, path)
        return None if found is None else found.text

    def required(self, element: etree._Element, path: str, what: str, transaction: str | None = None) -> str:
        value = self.text(element, path)
        if value is None:
            raise FileFormatError(f"élément absent : {what}", field=path.rsplit("/", 1)[-1], line=element.sourceline,
                                  transaction=transaction)
        return value

    def convert(self, func: Callable[[str], T], text: str, element: etree._Element,
                transaction: str | None = None) -> T:
        """Turn schema-valid text into a Python value; some valid values are not (a date with a time zone)."""
        try:
            return func(text)
        except (ValueError, ArithmeticError) as e:
            raise FileFormatError("valeur non prise en charge", field=etree.QName(element).localname, value=text,
                                  line=element.sourceline, transaction=transaction) from e

    def day(self, element: etree._Element, path: str, what: str, transaction: str | None = None) -> date:
        text = self.required(element, path, what, transaction)
        child = self.find(element, path)
        return self.convert(date.fromisoformat, text, element if child is None else child, transaction)

    def batch(self, root: etree._Element) -> Batch:
        initiation = self.find(root, "CstmrDrctDbtInitn")
        header = None if initiation is None else self.find(initiation, "GrpHdr")
        assert initiation is not None and header is not None  # guaranteed by the XSD
        transactions: list[Transaction] = []
        creditors: set[tuple[Creditor, Party | None]] = set()
        for block in initiation.iterfind("p:PmtInf", self.ns):
            creditor, ultimate, txs = self.payment(block)
            creditors.add((creditor, ultimate))
            transactions.extend(txs)
        if len(creditors) != 1:
            raise FileFormatError("plusieurs créanciers dans un même fichier : non pris en charge",
                                  line=initiation.sourceline)
        self.totals(header, transactions)
        (creditor, ultimate), = creditors
        return Batch(
            message_id=self.required(header, "MsgId", "identifiant du message"),
            created_at=self.convert(datetime.fromisoformat, self.required(header, "CreDtTm", "date de création"),
                                    header),
            initiating_party=self.party(self.find(header, "InitgPty"), "partie initiatrice"),
            creditor=creditor,
            transactions=tuple(transactions),
            ultimate_creditor=ultimate,
        )

    def totals(self, element: etree._Element, transactions: list[Transaction]) -> None:
        """``NbOfTxs`` and ``CtrlSum`` must be exact: a bank rejects the file otherwise."""
        count = self.text(element, "NbOfTxs")
        if count is not None and int(count) != len(transactions):
            raise FileFormatError(f"NbOfTxs annonce {count} transactions, le bloc en contient {len(transactions)}",
                                  field="NbOfTxs", line=element.sourceline)
        control = self.text(element, "CtrlSum")
        total = sum((tx.amount for tx in transactions), Decimal(0))
        if control is not None and Decimal(control) != total:
            raise FileFormatError(f"CtrlSum annonce {control}, la somme des montants est {total}",
                                  field="CtrlSum", line=element.sourceline)

    def payment(self, block: etree._Element) -> tuple[Creditor, Party | None, list[Transaction]]:
        code = self.required(block, "PmtTpInf/SeqTp", "type de séquence (SeqTp)")
        try:
            sequence = Sequence(code)
        except ValueError as e:
            raise FileFormatError(f"type de séquence {code} non pris en charge", field="SeqTp",
                                  value=code, line=block.sourceline) from e
        collection_date = self.day(block, "ReqdColltnDt", "date de prélèvement")
        creditor_party = self.party(self.find(block, "Cdtr"), "créancier")
        block_scheme = self.text(block, "CdtrSchmeId/Id/PrvtId/Othr/Id")
        ultimate = self.find(block, "UltmtCdtr")
        txs = []
        schemes = set()
        for element in block.iterfind("p:DrctDbtTxInf", self.ns):
            tx = self.transaction(element, sequence, collection_date)
            schemes.add(self.text(element, "DrctDbtTx/CdtrSchmeId/Id/PrvtId/Othr/Id") or block_scheme)
            txs.append(tx)
        if len(schemes) != 1 or None in schemes:
            raise FileFormatError("identifiant créancier SEPA (ICS) absent ou différent d'une transaction à l'autre",
                                  field="CdtrSchmeId", line=block.sourceline)
        self.totals(block, txs)
        creditor = Creditor(
            name=creditor_party.name,
            iban=self.required(block, "CdtrAcct/Id/IBAN", "IBAN du créancier"),
            bic=self.bic(self.find(block, "CdtrAgt/FinInstnId")),
            creditor_id=schemes.pop() or "",
            address=creditor_party.address,
        )
        return creditor, None if ultimate is None else self.party(ultimate, "créancier final"), txs

    def transaction(self, element: etree._Element, sequence: Sequence, collection_date: date) -> Transaction:
        ref = self.required(element, "PmtId/EndToEndId", "identifiant de bout en bout")
        amount = self.find(element, "InstdAmt")
        assert amount is not None and amount.text is not None  # guaranteed by the XSD
        if amount.get("Ccy") != "EUR":
            raise FileFormatError("seuls les montants en euros sont acceptés", field="InstdAmt",
                                  value=amount.get("Ccy"), line=amount.sourceline, transaction=ref)
        mandate = self.find(element, "DrctDbtTx/MndtRltdInf")
        if mandate is None:
            raise FileFormatError("informations du mandat absentes", field="MndtRltdInf",
                                  line=element.sourceline, transaction=ref)
        debtor = self.party(self.find(element, "Dbtr"), "débiteur", ref)
        remittance = [line.text for line in element.iterfind("p:RmtInf/p:Ustrd", self.ns)]
        return Transaction(
            end_to_end_id=ref,
            amount=self.convert(Decimal, amount.text, amount, ref),
            collection_date=collection_date,
            sequence=sequence,
            mandate=MandateInfo(
                reference=self.required(mandate, "MndtId", "référence unique du mandat (RUM)", ref),
                signed_on=self.day(mandate, "DtOfSgntr", "date de signature du mandat", ref),
                amendment=self.amendment(mandate),
            ),
            debtor=Debtor(
                name=debtor.name,
                iban=self.required(element, "DbtrAcct/Id/IBAN", "IBAN du débiteur", ref),
                bic=self.bic(self.find(element, "DbtrAgt/FinInstnId")),
                address=debtor.address,
            ),
            remittance=" ".join(remittance) if remittance else None,
        )

    def amendment(self, mandate: etree._Element) -> Amendment | None:
        if self.text(mandate, "AmdmntInd") not in ("true", "1"):
            return None
        details = self.find(mandate, "AmdmntInfDtls")
        if details is None:
            return None
        smnda = SMNDA in (self.text(details, "OrgnlDbtrAgt/FinInstnId/Othr/Id"),
                          self.text(details, "OrgnlDbtrAcct/Id/Othr/Id"))
        amendment = Amendment(
            original_reference=self.text(details, "OrgnlMndtId"),
            original_creditor_id=self.text(details, "OrgnlCdtrSchmeId/Id/PrvtId/Othr/Id"),
            original_creditor_name=self.text(details, "OrgnlCdtrSchmeId/Nm"),
            original_iban=self.text(details, "OrgnlDbtrAcct/Id/IBAN"),
            new_bank=smnda,
        )
        return None if amendment == Amendment() else amendment

    def bic(self, institution: etree._Element | None) -> str | None:
        assert institution is not None  # FinInstnId is mandatory in the XSD
        return self.text(institution, "BIC") or self.text(institution, "BICFI")

    def party(self, element: etree._Element | None, what: str, transaction: str | None = None) -> Party:
        assert element is not None  # every party read here is mandatory in the XSD
        siret = None
        for other in element.iterfind("p:Id/p:OrgId/p:Othr", self.ns):
            if self.text(other, "SchmeNm/Prtry") == "SIRET":
                siret = self.text(other, "Id")
        return Party(
            name=self.required(element, "Nm", f"nom du {what}", transaction),
            siret=siret,
            address=self.address(self.find(element, "PstlAdr")),
        )

    def address(self, element: etree._Element | None) -> Address | None:
        if element is None:
            return None
        return Address(
            town=self.text(element, "TwnNm"),
            country=self.text(element, "Ctry"),
            street=self.text(element, "StrtNm"),
            building_number=self.text(element, "BldgNb"),
            postcode=self.text(element, "PstCd"),
            lines=tuple(line.text or "" for line in element.iterfind("p:AdrLine", self.ns)),
        )
