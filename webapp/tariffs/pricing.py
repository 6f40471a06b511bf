"""Which tariff applies to a consumption, and what it costs: pure functions, no database.

The rules: a tariff applies when the day, the family's quotient, its category and the child's rank all
fall in its ranges; exactly one must apply. None is an error naming what was looked for; two are a
conflict naming both (the tariff forms refuse conflicts, so billing should never meet one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from webapp.errors import DomainError
from webapp.tariffs.models import PricingMode, Tariff

CENT = Decimal("0.01")


class PricingError(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class Terms:
    """A tariff's pricing terms as plain values: billing reads them hundreds of thousands of times,
    and an ORM attribute costs ten times a slot."""

    id: int
    label: str
    valid_from: date
    valid_to: date | None
    qf_min: Decimal | None
    qf_max: Decimal | None
    category: str
    rank_from: int | None
    rank_to: int | None
    mode: PricingMode
    price: Decimal | None
    slot_minutes: int | None
    daily_cap: Decimal | None
    effort_rate: Decimal | None
    price_floor: Decimal | None
    price_ceiling: Decimal | None

    @classmethod
    def of(cls, tariff: Tariff) -> Terms:
        return cls(**{name: getattr(tariff, name) for name in cls.__slots__})

    def __str__(self) -> str:
        return self.label or f"Tarif n° {self.id}"


@dataclass(frozen=True)
class Criteria:
    day: date
    quotient: Decimal | None
    category: str
    rank: int

    def describe(self) -> str:
        qf = "QF inconnu ou expiré" if self.quotient is None else f"QF {self.quotient}"
        category = f"catégorie « {self.category} »" if self.category else "catégorie standard"
        return f"le {self.day:%d/%m/%Y}, {qf}, {category}, rang {self.rank}"


@dataclass(frozen=True)
class Priced:
    label: str
    unit_price: Decimal
    quantity: Decimal
    amount: Decimal


def _in(value: Decimal | int | None, low: Decimal | int | None, high: Decimal | int | None, *, high_open: bool) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    if low is not None and value < low:
        return False
    if high is None:
        return True
    return value < high if high_open else value <= high


def covers(tariff: Tariff | Terms, day: date) -> bool:
    return tariff.valid_from <= day and (tariff.valid_to is None or day <= tariff.valid_to)


def fits(tariff: Tariff | Terms, quotient: Decimal | None, category: str, rank: int) -> bool:
    """Everything but the day: what billing can decide once per family instead of once per attendance."""
    return (
        _in(quotient, tariff.qf_min, tariff.qf_max, high_open=True)
        and tariff.category == category
        and _in(rank, tariff.rank_from, tariff.rank_to, high_open=False)
    )


def applies(tariff: Tariff | Terms, criteria: Criteria) -> bool:
    return covers(tariff, criteria.day) and fits(tariff, criteria.quotient, criteria.category, criteria.rank)


def select(tariffs: Iterable[Tariff | Terms], criteria: Criteria, *, activity: str, child: str) -> Tariff | Terms:
    found = [t for t in tariffs if applies(t, criteria)]
    if not found:
        raise PricingError(f"Aucun tarif « {activity} » pour {child} {criteria.describe()}.")
    if len(found) > 1:
        names = " et ".join(f"« {t} »" for t in found[:2])
        raise PricingError(f"Tarifs en conflit pour « {activity} » ({child}, {criteria.describe()}) : {names}.")
    return found[0]


def _ranges_meet(a_low, a_high, b_low, b_high, *, high_open: bool) -> bool:  # noqa: ANN001
    """Two ranges with optional bounds share at least one value."""
    if a_high is not None and b_low is not None and (a_high <= b_low if high_open else a_high < b_low):
        return False
    if b_high is not None and a_low is not None and (b_high <= a_low if high_open else b_high < a_low):
        return False
    return True


def conflicts(tariff: Tariff, others: Sequence[Tariff]) -> list[Tariff]:
    """The other tariffs of the same activity that would apply to some consumption this one applies to."""
    return [
        other for other in others
        if other is not tariff and other.id != tariff.id
        and _ranges_meet(tariff.valid_from, tariff.valid_to, other.valid_from, other.valid_to, high_open=False)
        and _ranges_meet(tariff.qf_min, tariff.qf_max, other.qf_min, other.qf_max, high_open=True)
        and tariff.category == other.category
        and _ranges_meet(tariff.rank_from, tariff.rank_to, other.rank_from, other.rank_to, high_open=False)
    ]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def price(tariff: Tariff | Terms, criteria: Criteria, *, quantity: Decimal = Decimal(1), minutes: int | None = None) -> Priced:
    """The priced consumption of one day; its amount is always unit price × quantity."""
    if tariff.mode is PricingMode.UNIT:
        unit = tariff.price
        return Priced(str(tariff), unit, quantity, _money(unit * quantity))
    if tariff.mode is PricingMode.EFFORT:
        if criteria.quotient is None:
            raise PricingError(f"Le tarif « {tariff} » se calcule sur le QF : {criteria.describe()}.")
        unit = min(max(_money(criteria.quotient * tariff.effort_rate), tariff.price_floor), tariff.price_ceiling)
        return Priced(str(tariff), unit, quantity, _money(unit * quantity))
    if not minutes or minutes <= 0:
        raise PricingError(f"Heures d'arrivée et de départ manquantes pour le tarif « {tariff} », {criteria.describe()}.")
    slots = Decimal(math.ceil(minutes / tariff.slot_minutes))
    amount = _money(tariff.price * slots)
    if tariff.daily_cap is not None and amount > tariff.daily_cap:
        return Priced(f"{tariff} (plafond journalier)", tariff.daily_cap, Decimal(1), tariff.daily_cap)
    return Priced(f"{tariff} ({tariff.slot_minutes} min)", tariff.price, slots, amount)
