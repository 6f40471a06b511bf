"""Tariff selection and pricing, without a database: brackets, ranks, dates, caps, conflicts, missing price."""

from datetime import date
from decimal import Decimal

import pytest

from webapp.tariffs.models import PricingMode, Tariff
from webapp.tariffs.pricing import Criteria, PricingError, conflicts, price, select

D = Decimal


def tariff(id_: int, **kw) -> Tariff:
    defaults = {"label": f"T{id_}", "valid_from": date(2026, 1, 1), "valid_to": None, "qf_min": None, "qf_max": None,
                "category": "", "rank_from": None, "rank_to": None, "mode": PricingMode.UNIT, "price": D("3.50")}
    return Tariff(id=id_, **{**defaults, **kw})


def crit(day=date(2026, 3, 2), qf=D("650"), category="", rank=1) -> Criteria:
    return Criteria(day, qf, category, rank)


BRACKETS = [tariff(1, qf_max=D(500), price=D("1.20")), tariff(2, qf_min=D(500), qf_max=D(1000), price=D("2.40")),
            tariff(3, qf_min=D(1000), price=D("3.90"))]


@pytest.mark.parametrize("qf, expected", [(D(0), 1), (D("499.99"), 1), (D(500), 2), (D("999.99"), 2), (D(1000), 3)])
def test_brackets_meet_without_gap_or_overlap(qf, expected):
    assert select(BRACKETS, crit(qf=qf), activity="Cantine", child="Léo").id == expected


def test_unknown_quotient_names_what_was_looked_for():
    with pytest.raises(PricingError) as error:
        select(BRACKETS, crit(qf=None), activity="Cantine", child="Léo DUPONT")
    assert error.value.message == (
        "Aucun tarif « Cantine » pour Léo DUPONT le 02/03/2026, QF inconnu ou expiré, catégorie standard, rang 1.")


def test_sibling_ranks_and_categories():
    tariffs = [tariff(1, rank_to=1, price=D(4)), tariff(2, rank_from=2, price=D(3)),
               tariff(3, category="Hors commune", price=D(6))]
    assert select(tariffs[:2], crit(rank=1), activity="A", child="c").id == 1
    assert select(tariffs[:2], crit(rank=3), activity="A", child="c").id == 2
    assert select(tariffs[2:], crit(category="Hors commune"), activity="A", child="c").id == 3
    with pytest.raises(PricingError, match="catégorie « Hors commune »"):
        select(tariffs[:1] + [tariff(4, category="Personnel")], crit(category="Hors commune", rank=2),
               activity="A", child="c")


def test_dates_a_new_school_year_price_takes_over_on_its_day():
    tariffs = [tariff(1, valid_to=date(2026, 8, 31), price=D("3.50")),
               tariff(2, valid_from=date(2026, 9, 1), price=D("3.60"))]
    assert select(tariffs, crit(day=date(2026, 8, 31)), activity="A", child="c").id == 1
    assert select(tariffs, crit(day=date(2026, 9, 1)), activity="A", child="c").id == 2
    with pytest.raises(PricingError):
        select(tariffs, crit(day=date(2025, 12, 31)), activity="A", child="c")


def test_two_matching_tariffs_are_a_conflict_naming_both():
    tariffs = [tariff(1, qf_max=D(800)), tariff(2, qf_min=D(600))]
    with pytest.raises(PricingError, match="Tarifs en conflit .*« T1 » et « T2 »"):
        select(tariffs, crit(qf=D(700)), activity="A", child="c")
    assert conflicts(tariffs[0], tariffs) == [tariffs[1]]
    assert conflicts(BRACKETS[0], BRACKETS) == []
    assert conflicts(tariff(5, category="X"), [tariff(6, category="Y")]) == []
    assert conflicts(tariff(5, valid_to=date(2026, 8, 31)), [tariff(6, valid_from=date(2026, 9, 1))]) == []
    assert conflicts(tariff(5, rank_to=1), [tariff(6, rank_from=1)]) != []


def test_slots_are_started_and_capped():
    care = tariff(1, mode=PricingMode.SLOT, price=D("0.50"), slot_minutes=30, daily_cap=D("2.00"))
    assert price(care, crit(), minutes=61) == price(care, crit(), minutes=90)
    assert price(care, crit(), minutes=61).amount == D("1.50")
    assert price(care, crit(), minutes=61).quantity == 3
    capped = price(care, crit(), minutes=300)
    assert (capped.unit_price, capped.quantity, capped.amount) == (D("2.00"), 1, D("2.00"))
    assert "plafond" in capped.label
    with pytest.raises(PricingError, match="arrivée et de départ"):
        price(care, crit(), minutes=None)


def test_effort_rate_with_floor_and_ceiling():
    effort = tariff(1, mode=PricingMode.EFFORT, price=None, effort_rate=D("0.00450"),
                    price_floor=D("0.80"), price_ceiling=D("4.50"))
    assert price(effort, crit(qf=D(650))).unit_price == D("2.93")  # 650 × 0,0045 = 2,925 rounded half up
    assert price(effort, crit(qf=D(100))).unit_price == D("0.80")
    assert price(effort, crit(qf=D(3000))).unit_price == D("4.50")
    assert price(effort, crit(qf=D(650)), quantity=D("0.5")).amount == D("1.47")
    with pytest.raises(PricingError):
        price(effort, crit(qf=None))
