"""Closings: a cash day closed with the counted cash (and reopened by a régisseur, for a reason, while none of
its money has left on a final slip), a school year closed by carrying every balance into the next; what is
closed takes nothing more.

The lock order every money action follows starts here: the régie's row, held shared by a booking and
exclusively by a closing (and by the making of slips), then the family's account, then its invoices or the
slip. A booking thus never lands in a day or a year being closed at that moment, and bookings do not wait for
each other on the régie. Numbering holds the batch's row and its number sequence before it books (and so takes
the régie's row last): no closing takes those two, so the two orders cannot deadlock.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from webapp import db
from webapp.audit.services import actor_id, record, record_creation
from webapp.counter.amounts import checked_amount
from webapp.counter.journal import day_journal
from webapp.counter.models import (
    Account,
    AccountEntry,
    CashClosing,
    CashReopening,
    DepositSlip,
    EntryKind,
    Payment,
    SchoolYearClosure,
    SlipItem,
    SlipStatus,
)
from webapp.counter.school_years import school_year_bounds, school_year_label, school_year_of
from webapp.errors import DomainError
from webapp.formatting import money, today
from webapp.organisations.models import Regie


def hold_regie(regie_id: int, *, exclusive: bool = False) -> None:
    """The régie's row: shared for a booking, exclusive for a closing. Always taken before an account's row."""
    db.session.execute(sa.select(Regie.id).where(Regie.id == regie_id).with_for_update(read=not exclusive))


def live() -> sa.ColumnElement[bool]:
    """A closing that was not reopened since."""
    return ~sa.exists().where(CashReopening.closing_id == CashClosing.id)


def last_closed_day(regie_id: int) -> date | None:
    """The till is closed up to this day: nothing is booked on it or before."""
    return db.session.scalar(sa.select(sa.func.max(CashClosing.day)).where(CashClosing.regie_id == regie_id, live()))


def booking_day(regie_id: int, day: date) -> date:
    """The day money the bank received on `day` is booked on: that day, or, when the till was closed since, the
    first day after the closing (the bank's own date stays on the movement)."""
    closed = last_closed_day(regie_id)
    return day if closed is None or day > closed else closed + timedelta(days=1)


def last_closed_year(regie_id: int) -> int | None:
    return db.session.scalar(sa.select(sa.func.max(SchoolYearClosure.school_year))
                             .where(SchoolYearClosure.regie_id == regie_id))


def refuse_closed_day(regie_id: int, day: date | None, field: str) -> date:
    """The day money moves on: not in the future, and not on a closed day (the régie held, see above)."""
    if day is None:
        raise DomainError("Saisissez la date.", field)
    if day > today():
        raise DomainError(f"Le {day:%d/%m/%Y} est dans le futur : saisissez le jour où l'argent a été reçu.", field)
    hold_regie(regie_id)
    closed = last_closed_day(regie_id)
    if closed is not None and day <= closed:
        today_instead = "enregistrez à la date d'aujourd'hui, ou " if closed < today() else ""
        raise DomainError(f"La caisse est clôturée jusqu'au {closed:%d/%m/%Y} inclus : {today_instead}demandez à un "
                          f"régisseur de rouvrir la journée du {closed:%d/%m/%Y} (journal de caisse, « Rouvrir la "
                          "journée », avec la raison).", field)
    return day


def refuse_closed_year(regie_id: int, school_year: int) -> None:
    """A closed school year, and every one before it, takes nothing more: their balances were carried."""
    hold_regie(regie_id)
    closed = last_closed_year(regie_id)
    if closed is not None and school_year <= closed:
        raise DomainError(f"L'année scolaire {school_year_label(school_year)} est clôturée (soldes reportés "
                          f"jusqu'à {school_year_label(closed)}) : plus rien ne s'y enregistre.", "school_year")


def close_day(regie: Regie, day: date, counted: Decimal | None, comment: str) -> CashClosing:
    """Record the count: the difference with the journal is kept as it is, and the day takes no more entries."""
    if counted is None:
        raise DomainError("Saisissez le montant des espèces comptées (0 s'il n'y en a pas).", "counted_cash")
    counted = checked_amount(counted, "counted_cash", zero=True)
    if day > today():
        raise DomainError("On ne clôture pas une journée à venir.", "day")
    hold_regie(regie.id, exclusive=True)
    journal = day_journal(regie, day)
    if journal.closing is not None:
        raise DomainError(f"La caisse du {day:%d/%m/%Y} est déjà clôturée.", "day")
    reopened = _reopened_before(regie.id, day)
    if reopened is not None:
        raise DomainError(f"La caisse du {reopened:%d/%m/%Y} a été rouverte : clôturez-la d'abord.", "day")
    difference = counted - journal.expected_cash
    comment = (comment or "").strip()
    if difference and not comment:
        raise DomainError(f"La caisse présente un écart de {money(difference)} : expliquez-le en commentaire.",
                          "comment")
    closing = CashClosing(regie_id=regie.id, day=day, attempt=len(journal.reopened) + 1,
                          expected_cash=journal.expected_cash, counted_cash=counted, difference=difference,
                          comment=comment, created_by_id=actor_id())
    db.session.add(closing)
    record_creation("cash_closing", closing, ("day", "expected_cash", "counted_cash", "difference", "comment"),
                    organisation_id=regie.organisation_id)
    return closing


def _reopened_before(regie_id: int, day: date) -> date | None:
    """A reopened day left open before `day`: closing a later one first would lock it without its count."""
    closed_again = sa.select(CashClosing.day).where(CashClosing.regie_id == regie_id, live())
    return db.session.scalar(sa.select(sa.func.min(CashClosing.day)).where(
        CashClosing.regie_id == regie_id, CashClosing.day < day, ~live(), CashClosing.day.not_in(closed_again)))


def final_slips_of(regie_id: int, day: date) -> list[DepositSlip]:
    """The final slips that carried money received that day to the bank."""
    return list(db.session.scalars(
        sa.select(DepositSlip).where(DepositSlip.regie_id == regie_id, DepositSlip.status == SlipStatus.FINAL,
                                     DepositSlip.id.in_(sa.select(SlipItem.slip_id).join(Payment).where(
                                         Payment.regie_id == regie_id, Payment.received_on == day)))
        .order_by(DepositSlip.number)))


def reopen_day(regie: Regie, day: date, reason: str) -> CashReopening:
    """Open the last closed day again, for a reason, while none of its money has left on a final slip. Its
    closing stays as counted; the day is closed again with a new count. A slip made final after this is one of
    an open day, like any other."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Indiquez la raison de la réouverture (règlement oublié, erreur de saisie…).", "reason")
    hold_regie(regie.id, exclusive=True)  # as a closing does: no booking lands while the day changes state
    closing = db.session.scalar(sa.select(CashClosing).where(CashClosing.regie_id == regie.id, CashClosing.day == day,
                                                             live()))
    if closing is None:
        raise DomainError(f"La caisse du {day:%d/%m/%Y} n'est pas clôturée : il n'y a rien à rouvrir.")
    last = last_closed_day(regie.id)
    if last != day:
        raise DomainError(f"La caisse est clôturée jusqu'au {last:%d/%m/%Y} : rouvrez d'abord cette journée-là, une "
                          "journée à la fois en remontant.")
    refuse_closed_year(regie.id, school_year_of(day))
    if slips := final_slips_of(regie.id, day):
        names = ", ".join(slip.number or "" for slip in slips)
        raise DomainError(f"La journée du {day:%d/%m/%Y} ne se rouvre plus : des règlements de ce jour sont sur "
                          f"{'le bordereau définitif' if len(slips) == 1 else 'les bordereaux définitifs'} {names}, "
                          "déjà remis à la banque. Corrigez par une annulation datée d'un jour ouvert.")
    reopening = CashReopening(closing=closing, reason=reason, created_by_id=actor_id())
    db.session.add(reopening)
    record_creation("cash_reopening", reopening, ("reason",), organisation_id=regie.organisation_id)
    return reopening


def close_school_year(regie: Regie, school_year: int) -> SchoolYearClosure:
    """Carry every account's balance for the year into the next one: a closing entry on the last day and
    an opening entry on the first, so each year's entries add up to what it left owed."""
    end = school_year_bounds(school_year)[1]
    if end > today():
        raise DomainError(f"L'année scolaire {school_year_label(school_year)} n'est pas terminée.", "school_year")
    hold_regie(regie.id, exclusive=True)
    last = last_closed_year(regie.id)
    if last is not None and school_year <= last:
        raise DomainError(f"L'année scolaire {school_year_label(school_year)} est déjà clôturée"
                          + ("." if school_year == last else f", avec tout ce qui précède {school_year_label(last)}."),
                          "school_year")
    earlier = db.session.scalar(sa.select(sa.func.min(AccountEntry.school_year)).join(Account).where(
        Account.regie_id == regie.id, AccountEntry.school_year < school_year,
        AccountEntry.school_year > (last if last is not None else 0)))
    if earlier is not None:
        raise DomainError(f"Clôturez d'abord l'année scolaire {school_year_label(earlier)}.", "school_year")
    db.session.execute(sa.select(Account.id).where(Account.regie_id == regie.id).order_by(Account.id).with_for_update())
    accounts = db.session.execute(
        sa.select(Account.id, sa.func.sum(AccountEntry.amount)).join(AccountEntry)
        .where(Account.regie_id == regie.id, AccountEntry.school_year <= school_year).group_by(Account.id)).all()
    label = f"Report à nouveau {school_year_label(school_year)} → {school_year_label(school_year + 1)}"
    entries = []
    for account_id, total in accounts:
        if Decimal(total):
            entries.append({"account_id": account_id, "kind": EntryKind.CARRY_FORWARD, "amount": -Decimal(total),
                            "booked_on": end - timedelta(days=1), "school_year": school_year, "label": label})
            entries.append({"account_id": account_id, "kind": EntryKind.CARRY_FORWARD, "amount": Decimal(total),
                            "booked_on": end, "school_year": school_year + 1, "label": label})
    if entries:
        db.session.execute(sa.insert(AccountEntry), entries)
    closure = SchoolYearClosure(regie_id=regie.id, school_year=school_year, created_by_id=actor_id())
    db.session.add(closure)
    record("close", "school_year", closure, {"comptes reportés": [None, len(entries) // 2]},
           organisation_id=regie.organisation_id)
    return closure
