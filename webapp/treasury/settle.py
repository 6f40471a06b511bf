"""The irreversible settlement of a controlled « mise en titre »: each selected invoice is closed by title (never a
payment of money, never a write-off), its family's account moves by a « titre » entry, and the selection is frozen
into the titles. Two agents settling the same run take turns on its row: the second finds it settled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import regie_indigo_titre as titre
import sqlalchemy as sa

from webapp import db
from webapp.audit.services import actor_id, record
from webapp.counter import closings, ledger
from webapp.counter.models import Account, EntryKind
from webapp.counter.school_years import school_year_of
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.formatting import money, today
from webapp.treasury import selection as chosen
from webapp.treasury.models import RunStatus, TitledInvoice, TitleRun, TreasuryTitle
from webapp.treasury.runs import refuse_settled


def _locked(run: TitleRun) -> TitleRun:
    """The run's row, after the régie's (shared, as every booking), read again as the last holder left it."""
    closings.hold_regie(run.regie_id)
    return db.session.scalars(sa.select(TitleRun).where(TitleRun.id == run.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _confirmed(run: TitleRun, data: dict[str, Any]) -> None:
    """The agent typed the count and total the controlled file holds: a settlement is never one click."""
    if data.get("count") != run.file_count:
        raise DomainError(f"Le fichier contrôlé compte {run.file_count} titre(s) : confirmez ce nombre.", "count")
    total = data.get("total")
    if not isinstance(total, Decimal) or total != run.file_total:
        raise DomainError(f"Le fichier contrôlé totalise {money(run.file_total)} : confirmez ce montant.", "total")


def _refuse_taken_numbers(run: TitleRun, found: chosen.Selection) -> None:
    numbers = [debts.title_number for debts in found.titles]
    taken = db.session.scalars(sa.select(TreasuryTitle.number).where(
        TreasuryTitle.regie_id == run.regie_id, TreasuryTitle.fiscal_year == run.fiscal_year,
        TreasuryTitle.number.in_(numbers)).order_by(TreasuryTitle.number).limit(5)).all()
    if taken:
        raise DomainError(f"Les titres n° {', '.join(map(str, taken))} de {run.fiscal_year} existent déjà à cette "
                          "régie : ouvrez une mise en titre avec un autre premier numéro.")


def settle(run: TitleRun, data: dict[str, Any]) -> list[TreasuryTitle]:
    """Settle the controlled run: the selection, recomputed under lock, must be the file's, title for title."""
    run = _locked(run)
    refuse_settled(run)
    if run.status is not RunStatus.CONTROLLED or run.file_data is None:
        raise DomainError("Le fichier doit être produit puis contrôlé avant le règlement.")
    _confirmed(run, data)
    issued_on = today()
    school_year = school_year_of(issued_on)
    closings.refuse_closed_year(run.regie_id, school_year)
    # The families' accounts in id order (as a school year's closing takes them), then their invoices.
    families = [debts.family.id for debts in chosen.select(run).titles]
    accounts = {account.family_id: account for account in db.session.scalars(
        sa.select(Account).where(Account.regie_id == run.regie_id, Account.family_id.in_(families))
        .order_by(Account.id).with_for_update().execution_options(populate_existing=True))}
    found = chosen.select(run, lock=True)
    in_file = {(title.number, title.total) for title in titre.read(run.file_data).bordereau.titles}
    if {(debts.title_number, debts.total) for debts in found.titles} != in_file or found.total != run.file_total:
        raise DomainError("Les comptes des familles ont changé depuis le contrôle du fichier (un règlement, une "
                          "annulation…) : rien n'a été réglé. Produisez et contrôlez le fichier à nouveau.")
    _refuse_taken_numbers(run, found)
    titles = []
    for debts in found.titles:
        account = accounts[debts.family.id]
        title = TreasuryTitle(run_id=run.id, regie_id=run.regie_id, family_id=debts.family.id, account_id=account.id,
                              fiscal_year=run.fiscal_year, number=debts.title_number, amount=debts.total,
                              issued_on=issued_on)
        db.session.add(title)
        db.session.flush()
        for invoice in debts.invoices:
            amount = invoice.outstanding
            invoice.titled += amount
            db.session.add(TitledInvoice(title_id=title.id, invoice_id=invoice.id, amount=amount))
            ledger.post(account, EntryKind.TITLE, -amount, issued_on, school_year,
                        f"Facture {invoice.number} mise en titre : titre n° {title.number}/{title.fiscal_year}, "
                        "à payer au Trésor public", invoice_id=invoice.id)
        titles.append(title)
    run.status, run.settled_at, run.settled_by_id = RunStatus.SETTLED, utcnow(), actor_id()
    db.session.flush()
    record("settle", "title_run", run, {
        "status": [RunStatus.CONTROLLED, RunStatus.SETTLED], "total": [None, str(found.total)],
        "titles": [None, ", ".join(f"n° {t.number} : {t.amount}" for t in titles)],
    }, organisation_id=run.organisation_id)
    return titles
