"""What a « mise en titre » prints: the « liste imputation » (titles per accounting account), the « liste détail »
(per activity) and the individual titles with the mentions of CGCT art. L1617-5. Before the settlement they follow
the selection; after it, the titles as they were settled, so the lists stay reprintable."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask import render_template

from webapp.counter.amounts import ZERO
from webapp.families.models import Family
from webapp.invoicing.models import Invoice, InvoiceLine
from webapp.pdf import html_to_pdf
from webapp.treasury import selection as chosen
from webapp.treasury.models import RunStatus, TitleRun

#: The wording printed when the régie set none: the delay and the court to contest (CGCT art. L1617-5, 2°).
DEFAULT_MENTIONS = (
    "Dans le délai de deux mois suivant la réception du présent titre (ou, à défaut, du premier acte procédant de "
    "celui-ci), vous pouvez contester la somme réclamée en saisissant directement le tribunal compétent : le "
    "tribunal judiciaire ou, pour une créance de nature administrative, le tribunal administratif (article L1617-5 "
    "du code général des collectivités territoriales). Le paiement s'effectue auprès du comptable public indiqué "
    "ci-dessus, et non plus à la régie.")


@dataclass
class TitleSheet:
    """One title as printed: its number, its family and what it takes of each invoice."""

    number: int
    family: Family
    debts: list[tuple[Invoice, Decimal]]

    @property
    def total(self) -> Decimal:
        return sum((amount for _, amount in self.debts), ZERO)


def sheets(run: TitleRun) -> list[TitleSheet]:
    if run.status is RunStatus.SETTLED:
        return [TitleSheet(t.number, t.family, [(ti.invoice, ti.amount) for ti in t.invoices]) for t in run.titles]
    return [TitleSheet(d.title_number, d.family, [(i, i.outstanding) for i in d.invoices])
            for d in chosen.select(run).titles]


def _activity(line: InvoiceLine) -> str:
    return line.activity.name if line.activity else "Frais et divers"


def split(titles: list[TitleSheet], by_activity: bool = False) -> dict[str, list[tuple[TitleSheet, Decimal]]]:
    """Each title's amount spread over accounting codes (or activities), title by title under each heading."""
    headings: dict[str, list[tuple[TitleSheet, Decimal]]] = defaultdict(list)
    for sheet in titles:
        parts: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for invoice, amount in sheet.debts:
            for name, share in chosen.imputation(invoice, amount, _activity if by_activity else None).items():
                parts[name] += share
        for name, share in parts.items():
            headings[name].append((sheet, share))
    return dict(sorted(headings.items()))


def mentions(run: TitleRun) -> str:
    return run.regie.title_mentions.strip() or DEFAULT_MENTIONS


def titles_pdf(run: TitleRun) -> bytes:
    return html_to_pdf(render_template("treasury/pdf/titles.html", run=run, sheets=sheets(run), mentions=mentions(run)))
