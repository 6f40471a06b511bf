"""Reductions and family fees on the computed invoices."""

from datetime import date
from decimal import Decimal

import pytest

from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.families.services import add_child
from webapp.invoicing.models import LineKind
from webapp.invoicing.services import compute_batch, create_period
from webapp.tariffs.models import ChildDiscount, Discount, DiscountBasis, FamilyFee

D = Decimal


@pytest.fixture
def siblings(make_org, make_regie, make_activity, make_tariff, make_family):
    org = make_org()
    regie = make_regie(org)
    canteen = make_activity(regie, name="Cantine")
    make_tariff(canteen, label="Repas", price=D("4.00"))
    family = make_family(org, last_name="Martin")
    kids = [add_child(family, {"last_name": "Martin", "first_name": name, "birth_date": date(2015 + n, 1, 1)})
            for n, name in enumerate(("Aîné", "Cadet", "Benjamin"))]
    for kid in kids:
        for day in (2, 3, 5, 6, 9):
            set_attendance(kid, canteen, date(2026, 3, day), Presence.PRESENT)
    period = create_period(org, {"label": "Mars", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 31),
                                 "invoice_date": date(2026, 4, 1), "due_date": date(2026, 4, 30)}, [regie], [])
    return regie, canteen, kids, period


def _reductions(invoice):
    return sorted((line.child.first_name if line.child else "", line.label, line.amount)
                  for line in invoice.lines if line.kind in (LineKind.DISCOUNT, LineKind.FAMILY_FEE))


def test_sibling_rank_percent_and_children_billed_amount(siblings):
    regie, canteen, kids, period = siblings
    db.session.add_all([
        Discount(activity_id=canteen.id, label="Réduction 2e enfant et suivants", basis=DiscountBasis.RANK,
                 threshold=2, percent=D("25"), valid_from=date(2026, 1, 1)),
        Discount(activity_id=canteen.id, label="Famille nombreuse", basis=DiscountBasis.CHILDREN_BILLED,
                 threshold=3, amount_per_unit=D("0.30"), valid_from=date(2026, 1, 1)),
    ])
    (invoice,) = compute_batch(period.batches[0])
    assert _reductions(invoice) == [
        ("Aîné", "Famille nombreuse", D("-1.50")),
        ("Benjamin", "Famille nombreuse", D("-1.50")), ("Benjamin", "Réduction 2e enfant et suivants", D("-5.00")),
        ("Cadet", "Famille nombreuse", D("-1.50")), ("Cadet", "Réduction 2e enfant et suivants", D("-5.00")),
    ]
    assert invoice.total == D("60.00") - D("14.50")
    assert invoice.total == sum(line.amount for line in invoice.lines)


def test_exceptional_child_discount_never_below_zero_and_family_fee_once(siblings):
    regie, canteen, kids, period = siblings
    db.session.add_all([
        ChildDiscount(child_id=kids[0].id, activity_id=None, percent=D("100"), reason="Décision du CCAS",
                      valid_from=date(2026, 1, 1)),
        ChildDiscount(child_id=kids[0].id, activity_id=canteen.id, percent=D("50"), reason="Protocole PAI",
                      valid_from=date(2026, 1, 1)),
        FamilyFee(regie_id=regie.id, label="Adhésion annuelle", amount=D("10.00"), accounting_code="7588",
                  valid_from=date(2026, 1, 1)),
        FamilyFee(regie_id=regie.id, label="Frais expirés", amount=D("5.00"), accounting_code="7588",
                  valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31)),
    ])
    (invoice,) = compute_batch(period.batches[0])
    assert _reductions(invoice) == [("", "Adhésion annuelle", D("10.00")),
                                    ("Aîné", "Réduction : Décision du CCAS", D("-20.00"))]
    fee = next(line for line in invoice.lines if line.kind is LineKind.FAMILY_FEE)
    assert fee.accounting_code == "7588" and fee.child_id is None
    assert invoice.total == D("60.00") - D("20.00") + D("10.00")
