"""A numbered lot exported as a treasury roll, for communes whose treasury collects the whole lot: PES V2 ORMC or
legacy ROLMRE, both written by `regie-ormc` from one roll, read back before they are kept (count and total), stored
with their hash, numbered per régie and fiscal year. « Suppression » is allowed until the treasury acknowledged
the roll, and audited; a deleted roll stays listed.

The SEPA block (`InfoPrelevementSEPA`, a `regie_ormc.Debit` on the piece's line and the payer's `BankAccount` on
its debtor) goes in `_piece` once direct-debit mandates exist: families with an active mandate are then collected
by the treasury.
"""

from __future__ import annotations

import hashlib

import regie_ormc as ormc
import sqlalchemy as sa

from webapp.treasury.queries import live, live_roll
from webapp.counter.settlement import owing
from webapp.debits.queries import invoices_on_runs
from webapp import db
from webapp.audit.services import actor_id, record, record_creation
from webapp.counter.amounts import ZERO
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.formatting import today
from webapp.invoicing.models import Batch, Invoice
from webapp.organisations.models import Regie
from webapp.plans.queries import plans_of
from webapp.treasury.debtors import debtor_fields
from webapp.treasury.models import RollExport, RollStatus
from webapp.treasury.titles_file import refuse_missing_settings

PERIOD = 1  # ORMC « Per » and ROLPER: one value, in the field and in both keys
FORMATS = {"pes": "ORMC (PES V2)", "rolmre": "ROLMRE"}



def debt_number(regie: Regie, invoice: Invoice) -> int:
    """NumDette / ROLDET: year, régie and invoice sequence on 12 digits (the keys take 13 at most)."""
    return int(f"{invoice.fiscal_year % 100:02d}{regie.id % 1000:03d}{invoice.sequence:07d}")


def _piece(number: int, regie: Regie, invoice: Invoice, basis: ormc.Cle1Basis) -> ormc.Piece:
    debtor, address = debtor_fields(invoice.family, regie)
    debt = debt_number(regie, invoice)
    line = ormc.Line(number=1, product_code=regie.treasury_product, amount=invoice.outstanding,
                     object=f"Facture {invoice.number}")
    return ormc.Piece(number=number, debt_number=debt, period=PERIOD,
                      cle1=ormc.keys.ormc_cle1(basis, invoice.fiscal_year, PERIOD, debt),
                      cle2=ormc.keys.ormc_cle2(invoice.fiscal_year, PERIOD, debt),
                      debtor=ormc.Debtor(**debtor, address=ormc.Address(**address)), lines=(line,),
                      object=f"Facture {invoice.number} {invoice.batch.period.label}"[:160],
                      invoice_number=invoice.number)


def _refuse_unready(batch: Batch) -> str:
    regie = batch.regie
    if not regie.roll_format:
        raise DomainError("Cette régie n'exporte pas ses lots en rôle : choisissez ORMC ou ROLMRE dans ses "
                          "coordonnées (Trésor public).")
    if not batch.status.numbered:
        raise DomainError("Seul un lot numéroté part en rôle.")
    if batch.period.fees_only:
        raise DomainError("Un lot de frais de relance ne part pas en rôle : les frais se paient avec la relance.")
    refuse_missing_settings(regie)
    needed = [("roll_collectivity", "code collectivité du rôle"), ("roll_nature", "code nature du rôle")]
    if regie.roll_format == "rolmre":
        needed.append(("roll_revenue", "code recette"))
    missing = [label for name, label in needed if not getattr(regie, name)]
    if missing:
        raise DomainError(f"Complétez les coordonnées de la régie pour le rôle : {', '.join(missing)}.")
    return regie.roll_format


def export_roll(batch: Batch) -> RollExport:
    """Write the lot's roll in the régie's format, read it back, keep it: one live roll per lot."""
    roll_format = _refuse_unready(batch)
    regie = batch.regie
    if (existing := live_roll(batch.id)) is not None:
        raise DomainError(f"Ce lot est déjà parti en rôle ({existing}) : supprimez ce rôle d'abord, tant que le Trésor "
                          "ne l'a pas pris en charge.")
    if on_runs := invoices_on_runs(db.session.scalars(sa.select(Invoice.id).where(Invoice.batch_id == batch.id))):
        raise DomainError(f"Des factures de ce lot sont prélevées ({next(iter(on_runs.values()))}) : le lot ne part "
                          "pas aussi en rôle.")
    invoices = list(db.session.scalars(sa.select(Invoice).where(Invoice.batch_id == batch.id, owing())
                                       .order_by(Invoice.sequence)))
    if not invoices:
        raise DomainError("Aucune facture de ce lot ne reste due : pas de rôle à écrire.")
    if in_plans := plans_of(invoice.id for invoice in invoices):
        invoice_id, plan = next(iter(in_plans.items()))
        held = next(invoice.number for invoice in invoices if invoice.id == invoice_id)
        raise DomainError(f"La facture {held} est dans l'échéancier {plan} en cours : le lot ne part pas en rôle "
                          "tant qu'il court.")
    fiscal_year = invoices[0].fiscal_year
    number = 1 + (db.session.scalar(live(sa.select(sa.func.max(RollExport.number)).where(
        RollExport.regie_id == regie.id, RollExport.fiscal_year == fiscal_year))) or 0)
    basis = ormc.Cle1Basis(regie.roll_collectivity, regie.roll_nature)
    name = f"{'ORMC' if roll_format == 'pes' else 'ROLMRE'}_{fiscal_year}_{number:06d}.{'xml' if roll_format == 'pes' else 'txt'}"
    header = ormc.Header(file_name=name, sender="REGIE", application="Regie", date=today(),
                         post_id=regie.treasury_office, siret=regie.company_number,
                         collectivity_code=regie.treasury_collectivity, budget_code=regie.treasury_budget)
    roll = ormc.Roll(header, ormc.Bordereau(fiscal_year=fiscal_year, number=number, date=today(),
                                            object=f"{regie.name} {batch.period.label}"[:160]),
                     tuple(_piece(n, regie, invoice, basis) for n, invoice in enumerate(invoices, start=1)))
    total = sum((invoice.outstanding for invoice in invoices), ZERO)
    try:
        if roll_format == "pes":
            data = ormc.write(roll, cle1_basis=basis, encoding="UTF-8")
            report = ormc.check_pes(data, cle1_basis=basis)
        else:
            data = ormc.rolmre.write(ormc.rolmre.from_roll(roll, basis, regie.roll_revenue))
            report = ormc.check_rolmre(data, expect_count=len(invoices), expect_total=total)
    except ormc.OrmcError as error:
        raise DomainError(f"Le rôle ne s'écrit pas : {error}") from None
    if not report.ok or (report.pieces, report.total) != (len(invoices), total):
        raise DomainError("Le rôle relu ne correspond pas au lot : " + "; ".join(report.problems or (
            f"{report.pieces} article(s) pour {report.total}",)))
    export = RollExport(organisation_id=regie.organisation_id, regie_id=regie.id, batch_id=batch.id,
                        roll_format=roll_format, fiscal_year=fiscal_year, number=number, file_name=name,
                        file_data=data, file_hash=hashlib.sha256(data).hexdigest(), count=len(invoices),
                        total=total, created_by_id=actor_id())
    db.session.add(export)
    db.session.flush()
    record_creation("roll_export", export, ("roll_format", "fiscal_year", "number", "file_name", "file_hash",
                                            "count", "total"), organisation_id=regie.organisation_id)
    return export


def acknowledge(export: RollExport) -> RollExport:
    """The treasury took the roll in charge (the agent saw its acknowledgement): it can no longer be deleted."""
    if export.status is not RollStatus.EXPORTED:
        raise DomainError(f"Ce rôle est déjà {export.status.label.lower()}.")
    return _change(export, RollStatus.ACKNOWLEDGED, "")


def delete(export: RollExport, reason: str) -> RollExport:
    """« Suppression » of a roll the treasury has not acknowledged: its number is free again, the file stays kept."""
    if export.status is RollStatus.ACKNOWLEDGED:
        raise DomainError("Le Trésor a pris ce rôle en charge : il ne se supprime plus.")
    if export.status is RollStatus.DELETED:
        raise DomainError("Ce rôle est déjà supprimé.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Indiquez pourquoi le rôle est supprimé.", "reason")
    return _change(export, RollStatus.DELETED, reason[:2000])


def _change(export: RollExport, status: RollStatus, reason: str) -> RollExport:
    before = export.status
    export.status, export.reason, export.changed_at, export.changed_by_id = status, reason, utcnow(), actor_id()
    changes = {"status": [before, status]} | ({"reason": [None, reason]} if reason else {})
    record("update", "roll_export", export, changes, organisation_id=export.organisation_id)
    return export
