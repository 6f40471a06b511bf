"""Reductions and family fees on the computed invoices."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from webapp import db
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.audit.models import AuditEntry
from webapp.families.services import add_child
from webapp.invoicing.models import LineKind
from webapp.invoicing.services import compute_batch, create_period, number_batch
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


def test_reductions_and_fees_are_created_through_the_screens_and_audited(siblings, login, make_user, session):
    regie, canteen, kids, period = siblings
    org_id = regie.organisation_id
    client = login(make_user(regie.organisation))
    base = f"/o/{org_id}/activites"
    assert client.post_form(f"{base}/{canteen.id}/reductions/nouvelle", {
        "label": "2e enfant", "basis": "rang", "threshold": "2", "percent": "25", "valid_from": "2026-01-01"},
    ).status_code == 303
    response = client.post_form(f"{base}/{canteen.id}/reductions/nouvelle", {
        "label": "Erreur", "basis": "rang", "threshold": "2", "percent": "10", "amount_per_unit": "1",
        "valid_from": "2026-01-01"})
    assert response.status_code == 422 and "soit un pourcentage, soit un montant" in response.get_data(as_text=True)
    assert client.post_form(f"{base}/frais/nouveaux", {
        "regie_id": str(regie.id), "label": "Adhésion", "amount": "12,00", "accounting_code": "7588",
        "valid_from": "2026-01-01"}).status_code == 303
    family_id = kids[0].family_id
    assert client.post_form(f"/o/{org_id}/familles/{family_id}/enfants/{kids[0].id}/reductions/nouvelle", {
        "activity_id": "0", "percent": "50", "reason": "Décision du CCAS", "valid_from": "2026-01-01"},
    ).status_code == 303
    assert "Décision du CCAS" in client.get(f"/o/{org_id}/familles/{family_id}").get_data(as_text=True)
    kinds = set(session.scalars(sa.select(AuditEntry.entity_type)))
    assert {"discount", "family_fee", "child_discount"} <= kinds


def test_a_yearly_fee_is_billed_once_per_fiscal_year(siblings):
    regie, canteen, kids, march = siblings
    db.session.add(FamilyFee(regie_id=regie.id, label="Adhésion", amount=D("15.00"), accounting_code="7588",
                             once_per_year=True, valid_from=date(2026, 1, 1)))
    (first,) = compute_batch(march.batches[0])
    number_batch(march.batches[0])
    set_attendance(kids[0], canteen, date(2026, 4, 2), Presence.PRESENT)
    april = create_period(regie.organisation, {"label": "Avril", "start_date": date(2026, 4, 1),
                                               "end_date": date(2026, 4, 30), "invoice_date": date(2026, 5, 2),
                                               "due_date": date(2026, 5, 30)}, [regie], [])
    (second,) = compute_batch(april.batches[0])
    assert [line.label for line in first.lines if line.kind is LineKind.FAMILY_FEE] == ["Adhésion"]
    assert [line.label for line in second.lines if line.kind is LineKind.FAMILY_FEE] == []
