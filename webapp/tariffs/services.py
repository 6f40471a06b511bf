"""Activities and tariffs: created and changed here, and never left in conflict with each other."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from webapp import db
from webapp.audit.services import apply_changes, declare, record, record_creation
from webapp.errors import DomainError
from webapp.formatting import money, number
from webapp.organisations.models import Regie
from webapp.families.models import Child
from webapp.tariffs.models import Activity, ChildDiscount, Discount, DiscountBasis, FamilyFee, PricingMode, Tariff, Unit
from webapp.tariffs.pricing import conflicts

declare({"activity": "Activité", "tariff": "Tarif", "discount": "Réduction",
         "child_discount": "Réduction exceptionnelle", "family_fee": "Frais par famille"}, {
    "name": "nom", "label": "libellé", "unit": "unité", "basis": "base", "threshold": "seuil",
    "percent": "pourcentage", "amount_per_unit": "montant par unité", "valid_from": "du", "valid_to": "au",
    "reason": "raison", "amount": "montant", "accounting_code": "code comptable", "activity_id": "activité",
    "price": "prix", "mode": "calcul", "active": "active", "monthly_fee": "forfait mensuel",
    "bill_unjustified_absence": "absence injustifiée facturée", "qf_min": "QF minimum", "qf_max": "QF maximum",
    "category": "catégorie", "rank_from": "à partir du rang", "rank_to": "jusqu'au rang",
    "slot_minutes": "durée du créneau (min)", "daily_cap": "plafond journalier", "effort_rate": "taux d'effort",
    "price_floor": "prix plancher", "price_ceiling": "prix plafond", "once_per_year": "une fois par an", "place": "lieu",
}, {"unit": Unit, "mode": PricingMode, "basis": DiscountBasis, "price": money, "amount": money,
    "amount_per_unit": money, "monthly_fee": money, "daily_cap": money, "price_floor": money, "price_ceiling": money,
    "qf_min": number, "qf_max": number, "percent": number, "effort_rate": number})

ACTIVITY_FIELDS = ("name", "place", "unit", "accounting_code", "monthly_fee", "bill_unjustified_absence", "active")
TARIFF_FIELDS = ("label", "valid_from", "valid_to", "qf_min", "qf_max", "category", "rank_from", "rank_to", "mode",
                 "price", "slot_minutes", "daily_cap", "effort_rate", "price_floor", "price_ceiling")
REQUIRED_BY_MODE = {
    PricingMode.UNIT: (("price", "le prix unitaire"),),
    PricingMode.SLOT: (("price", "le prix du créneau"), ("slot_minutes", "la durée du créneau")),
    PricingMode.EFFORT: (("effort_rate", "le taux d'effort"), ("price_floor", "le prix plancher"),
                         ("price_ceiling", "le prix plafond")),
}


def _clean_activity(regie: Regie, data: dict[str, Any], current: Activity | None = None) -> dict[str, Any]:
    clean = {name: data.get(name) for name in ACTIVITY_FIELDS}
    clean["name"] = (clean["name"] or "").strip()
    clean["place"] = (clean["place"] or "").strip()
    clean["accounting_code"] = (clean["accounting_code"] or "").strip()
    clean["unit"] = Unit(clean["unit"])
    clean["bill_unjustified_absence"] = bool(clean["bill_unjustified_absence"])
    clean["active"] = bool(clean["active"]) if current else True
    if not clean["name"]:
        raise DomainError("Le nom de l'activité est obligatoire.", "name")
    if not clean["accounting_code"]:
        raise DomainError("Le code comptable est obligatoire : il part sur chaque ligne de facture.", "accounting_code")
    if clean["monthly_fee"] is not None and clean["monthly_fee"] <= 0:
        raise DomainError("Le forfait mensuel doit être positif, ou vide.", "monthly_fee")
    others = sa.select(Activity).where(Activity.regie_id == regie.id, Activity.name == clean["name"])
    if current is not None:
        others = others.where(Activity.id != current.id)
    if db.session.scalar(sa.select(others.exists())):
        raise DomainError("Cette régie a déjà une activité de ce nom.", "name")
    return clean


def create_activity(regie: Regie, data: dict[str, Any]) -> Activity:
    activity = Activity(regie_id=regie.id, **_clean_activity(regie, data))
    db.session.add(activity)
    record_creation("activity", activity, ACTIVITY_FIELDS, organisation_id=regie.organisation_id)
    return activity


def update_activity(activity: Activity, data: dict[str, Any]) -> Activity:
    changes = apply_changes(activity, _clean_activity(activity.regie, data, activity))
    if changes:
        record("update", "activity", activity, changes, organisation_id=activity.regie.organisation_id)
    return activity


def _clean_tariff(data: dict[str, Any]) -> dict[str, Any]:
    clean = {name: data.get(name) for name in TARIFF_FIELDS}
    clean["mode"] = PricingMode(clean["mode"])
    clean["label"] = (clean["label"] or "").strip()
    clean["category"] = (clean["category"] or "").strip()
    if clean["valid_from"] is None:
        raise DomainError("La date de début est obligatoire.", "valid_from")
    if clean["valid_to"] and clean["valid_to"] < clean["valid_from"]:
        raise DomainError("La fin de validité précède le début.", "valid_to")
    if clean["qf_min"] is not None and clean["qf_max"] is not None and clean["qf_max"] <= clean["qf_min"]:
        raise DomainError("Le QF maximum doit dépasser le QF minimum.", "qf_max")
    if clean["rank_from"] and clean["rank_to"] and clean["rank_to"] < clean["rank_from"]:
        raise DomainError("Le rang de fin précède le rang de début.", "rank_to")
    for field, label in REQUIRED_BY_MODE[clean["mode"]]:
        if clean[field] is None:
            raise DomainError(f"Indiquez {label} pour ce mode de calcul.", field)
    for field in ("price", "daily_cap", "price_floor", "price_ceiling"):
        if clean[field] is not None and clean[field] < 0:
            raise DomainError("Un prix ne peut pas être négatif.", field)
    if clean["mode"] is PricingMode.EFFORT and clean["price_ceiling"] < clean["price_floor"]:
        raise DomainError("Le plafond est inférieur au plancher.", "price_ceiling")
    # Fields of the other modes are cleared, so a tariff never carries a price it does not use.
    used = {field for field, _ in REQUIRED_BY_MODE[clean["mode"]]} | ({"daily_cap"} if clean["mode"] is PricingMode.SLOT else set())
    for field in ("price", "slot_minutes", "daily_cap", "effort_rate", "price_floor", "price_ceiling"):
        if field not in used:
            clean[field] = None
    return clean


def _refuse_conflicts(activity: Activity, tariff: Tariff) -> None:
    clashing = conflicts(tariff, [t for t in activity.tariffs if t is not tariff])
    if clashing:
        names = ", ".join(f"« {t} » (du {t.valid_from:%d/%m/%Y}{f' au {t.valid_to:%d/%m/%Y}' if t.valid_to else ''})"
                          for t in clashing)
        raise DomainError(
            f"Ce tarif s'appliquerait aux mêmes jours, QF, catégorie et rangs que {names} : "
            "réduisez l'une des plages, ou terminez l'ancien tarif la veille du nouveau.", "valid_from")


def create_tariff(activity: Activity, data: dict[str, Any]) -> Tariff:
    tariff = Tariff(**_clean_tariff(data))
    _refuse_conflicts(activity, tariff)
    activity.tariffs.append(tariff)
    record_creation("tariff", tariff, TARIFF_FIELDS, organisation_id=activity.regie.organisation_id)
    return tariff


def update_tariff(tariff: Tariff, data: dict[str, Any]) -> Tariff:
    clean = _clean_tariff(data)
    with db.session.no_autoflush:
        changes = apply_changes(tariff, clean)
        _refuse_conflicts(tariff.activity, tariff)
    if changes:
        record("update", "tariff", tariff, changes, organisation_id=tariff.activity.regie.organisation_id)
    return tariff


def renew_tariff(tariff: Tariff, starts_on: Any, prices: dict[str, Decimal | None]) -> Tariff:
    """A new price from a date: the old tariff ends the day before, the new one keeps its criteria."""
    if starts_on <= tariff.valid_from:
        raise DomainError("Le nouveau tarif doit commencer après le début de l'ancien.", "valid_from")
    if tariff.valid_to is not None and starts_on > tariff.valid_to + timedelta(days=1):
        raise DomainError("L'ancien tarif est déjà terminé avant cette date.", "valid_from")
    data = {name: getattr(tariff, name) for name in TARIFF_FIELDS}
    old_end = tariff.valid_to
    update_tariff(tariff, {**data, "valid_to": starts_on - timedelta(days=1)})
    return create_tariff(tariff.activity, {**data, **prices, "valid_from": starts_on, "valid_to": old_end})


DISCOUNT_FIELDS = ("label", "basis", "threshold", "percent", "amount_per_unit", "valid_from", "valid_to")
CHILD_DISCOUNT_FIELDS = ("activity_id", "percent", "reason", "valid_from", "valid_to")
FEE_FIELDS = ("label", "amount", "accounting_code", "once_per_year", "valid_from", "valid_to")


def _check_dates(clean: dict[str, Any]) -> None:
    if clean["valid_from"] is None:
        raise DomainError("La date de début est obligatoire.", "valid_from")
    if clean["valid_to"] and clean["valid_to"] < clean["valid_from"]:
        raise DomainError("La fin de validité précède le début.", "valid_to")


def _check_percent(value: Decimal | None, field: str = "percent") -> None:
    if value is not None and not Decimal(0) < value <= Decimal(100):
        raise DomainError("Un pourcentage est compris entre 0 et 100.", field)


def create_discount(activity: Activity, data: dict[str, Any]) -> Discount:
    clean = {name: data.get(name) for name in DISCOUNT_FIELDS}
    clean["label"] = (clean["label"] or "").strip()
    clean["basis"] = DiscountBasis(clean["basis"])
    if not clean["label"]:
        raise DomainError("Le libellé est imprimé sur la facture : il est obligatoire.", "label")
    if not clean["threshold"] or clean["threshold"] < 1:
        raise DomainError("Indiquez à partir de quel rang ou de combien d'enfants.", "threshold")
    if (clean["percent"] is None) == (clean["amount_per_unit"] is None):
        raise DomainError("Indiquez soit un pourcentage, soit un montant par unité.", "percent")
    _check_percent(clean["percent"])
    if clean["amount_per_unit"] is not None and clean["amount_per_unit"] <= 0:
        raise DomainError("Le montant par unité doit être positif.", "amount_per_unit")
    _check_dates(clean)
    discount = Discount(activity_id=activity.id, **clean)
    db.session.add(discount)
    record_creation("discount", discount, DISCOUNT_FIELDS, organisation_id=activity.regie.organisation_id)
    return discount


def create_child_discount(child: Child, organisation_id: int, data: dict[str, Any]) -> ChildDiscount:
    clean = {name: data.get(name) for name in CHILD_DISCOUNT_FIELDS}
    clean["reason"] = (clean["reason"] or "").strip()
    clean["activity_id"] = clean["activity_id"] or None
    if not clean["reason"]:
        raise DomainError("Une réduction exceptionnelle a toujours sa raison.", "reason")
    if clean["percent"] is None:
        raise DomainError("Indiquez le pourcentage de réduction.", "percent")
    _check_percent(clean["percent"])
    _check_dates(clean)
    discount = ChildDiscount(child_id=child.id, **clean)
    db.session.add(discount)
    record_creation("child_discount", discount, CHILD_DISCOUNT_FIELDS, organisation_id=organisation_id)
    return discount


def create_family_fee(regie: Regie, data: dict[str, Any]) -> FamilyFee:
    clean = {name: data.get(name) for name in FEE_FIELDS}
    clean["label"] = (clean["label"] or "").strip()
    clean["accounting_code"] = (clean["accounting_code"] or "").strip()
    if not clean["label"] or not clean["accounting_code"]:
        raise DomainError("Libellé et code comptable sont obligatoires.", "label")
    if clean["amount"] is None or clean["amount"] <= 0:
        raise DomainError("Le montant doit être positif.", "amount")
    clean["once_per_year"] = bool(clean["once_per_year"])
    _check_dates(clean)
    fee = FamilyFee(regie_id=regie.id, **clean)
    db.session.add(fee)
    record_creation("family_fee", fee, FEE_FIELDS, organisation_id=regie.organisation_id)
    return fee


def categories(organisation_id: int) -> list[str]:
    """The tariff categories the organisation's tariffs define, as they spell them: a family is put in one."""
    return list(db.session.scalars(
        sa.select(Tariff.category).distinct().join(Activity).join(Regie)
        .where(Regie.organisation_id == organisation_id, Tariff.category != "").order_by(Tariff.category)))
