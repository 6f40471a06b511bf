"""Families, guardians and children: the business actions on them, and the family search."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from webapp import db
from webapp.audit.services import apply_changes, declare, record, record_creation
from webapp.db import Page, paginate, utcnow
from webapp.errors import DomainError
from webapp.families.models import Child, Civility, Family, Guardian
from webapp.formatting import number, short_date, today
from webapp.organisations.models import Country, Organisation
from webapp.tariffs.services import categories as tariff_categories
from webapp.text import de, fold

FAMILY_FIELDS = (
    "number", "direct_debit", "quotient", "quotient_valid_from", "quotient_valid_to",
    "tariff_category", "note",
)
GUARDIAN_FIELDS = (
    "is_payer", "civility", "last_name", "first_name", "address_line1", "address_line2",
    "postcode", "city", "country", "email", "phone",
)

declare({"family": "Famille", "guardian": "Responsable", "child": "Enfant"}, {
    "number": "numéro", "direct_debit": "prélèvement", "quotient": "quotient familial",
    "quotient_valid_from": "QF valable du", "quotient_valid_to": "QF valable au",
    "tariff_category": "catégorie tarifaire", "note": "note", "archived_at": "archivé le", "is_payer": "payeur",
    "civility": "civilité", "last_name": "nom", "first_name": "prénom", "birth_date": "date de naissance",
    "school": "école", "school_class": "classe", "canteen_id": "identifiant cantine", "address_line1": "adresse",
    "address_line2": "complément", "postcode": "code postal", "city": "commune", "country": "pays",
    "email": "e-mail", "phone": "téléphone",
}, {"quotient": number, "country": Country})
CHILD_FIELDS = ("last_name", "first_name", "birth_date", "school", "school_class", "canteen_id")


def _strip(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: data[f].strip() if isinstance(data.get(f), str) else data.get(f) for f in fields}


def next_family_number(org: Organisation) -> str:
    """The next free number: one more than the largest all-digit number in use, zero-padded to 5."""
    numbers = db.session.scalars(sa.select(Family.number).where(Family.organisation_id == org.id))
    largest = max((int(n) for n in numbers if n.isdigit()), default=0)
    return f"{largest + 1:05d}"


def _clean_family(org: Organisation, data: dict[str, Any], current: Family | None = None) -> dict[str, Any]:
    clean = _strip(data, FAMILY_FIELDS)
    clean["number"] = clean["number"] or (current.number if current else next_family_number(org))
    clean["direct_debit"] = bool(clean["direct_debit"])
    clean["tariff_category"] = _tariff_category(org, clean["tariff_category"] or "", current)
    clean["note"] = clean["note"] or ""
    quotient = clean["quotient"]
    if quotient is not None:
        quotient = Decimal(quotient).quantize(Decimal("0.01"))
        if quotient < 0:
            raise DomainError("Le quotient familial ne peut pas être négatif.", "quotient")
        clean["quotient"] = quotient
    start, end = clean["quotient_valid_from"], clean["quotient_valid_to"]
    if start and end and end < start:
        raise DomainError("La fin de validité du quotient précède son début.", "quotient_valid_to")
    others = sa.select(Family).where(Family.organisation_id == org.id, Family.number == clean["number"])
    if current is not None:
        others = others.where(Family.id != current.id)
    if db.session.scalar(sa.select(others.exists())):
        raise DomainError(f"Le numéro de famille {clean['number']} est déjà utilisé.", "number")
    return clean


def _tariff_category(org: Organisation, wanted: str, current: Family | None) -> str:
    """One of the categories the tariffs define, spelt as they spell it (« hors commune » is their « Hors commune »:
    billing compares them exactly). A family keeps a category no tariff defines only while nobody changes it."""
    if not wanted or current is not None and wanted == current.tariff_category:
        return wanted
    known = {fold(category): category for category in tariff_categories(org.id)}
    found = known.get(fold(" ".join(wanted.split())))
    if found is None:
        raise DomainError(f"Aucun tarif ne prévoit la catégorie « {wanted} » : choisissez une catégorie de la liste "
                          "(elles se créent sur les tarifs des activités).", "tariff_category")
    return found


def _clean_guardian(data: dict[str, Any]) -> dict[str, Any]:
    clean = _strip(data, GUARDIAN_FIELDS)
    if clean["civility"] not in set(Civility):
        raise DomainError("Choisissez la civilité du responsable (Mme ou M.).", "civility")
    clean["civility"] = Civility(clean["civility"])
    clean["is_payer"] = bool(clean["is_payer"])
    clean["last_name"] = clean["last_name"] or ""
    clean["first_name"] = clean["first_name"] or ""
    for field, label in (("last_name", "nom"), ("first_name", "prénom")):
        if not clean[field]:
            raise DomainError(f"Le {label} du responsable est obligatoire.", field)
    clean["email"] = (clean["email"] or "").lower()
    clean["country"] = (clean["country"] or "FR").upper()
    if clean["country"] not in set(Country):
        raise DomainError("Choisissez le pays : France ou Belgique.", "country")
    for field in ("address_line1", "address_line2", "postcode", "city", "phone"):
        clean[field] = clean[field] or ""
    clean["postcode"] = _postcode(clean["postcode"], Country(clean["country"]))
    clean["phone"] = _phone(clean["phone"], Country(clean["country"]))
    return clean


# A postcode is all digits, five in France (01000 to 98xxx), four in Belgium (1000 to 9999): none is below 1000.
POSTCODE_DIGITS = {Country.FR: 5, Country.BE: 4}


def _postcode(value: str, country: Country) -> str:
    digits, compact = POSTCODE_DIGITS[country], value.replace(" ", "")
    if compact and not (compact.isascii() and compact.isdigit() and len(compact) == digits and int(compact) >= 1000):
        raise DomainError(f"Code postal « {value} » invalide : {digits} chiffres en {country.label}.", "postcode")
    return compact


def _phone(value: str, country: Country) -> str:
    """Checked by libphonenumber and written the usual way: national for a number of the guardian's country
    (« 06 12 34 56 78 »), international for any other (« +32 2 634 05 00 »)."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, country.value)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise DomainError(f"Numéro de téléphone « {value} » invalide en {country.label} : vérifiez les chiffres, "
                          "ou commencez par l'indicatif du pays (+33, +32…).", "phone")
    if number.extension:
        raise DomainError(f"Numéro de téléphone « {value} » : indiquez le numéro sans poste (ext.).", "phone")
    same_country = phonenumbers.region_code_for_number(number) == country.value
    style = phonenumbers.PhoneNumberFormat.NATIONAL if same_country else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def _clean_child(data: dict[str, Any]) -> dict[str, Any]:
    clean = _strip(data, CHILD_FIELDS)
    for field, label in (("last_name", "nom"), ("first_name", "prénom")):
        if not clean[field]:
            raise DomainError(f"Le {label} de l'enfant est obligatoire.", field)
    if clean["birth_date"] is not None and clean["birth_date"] > today():
        raise DomainError(f"La date de naissance ({short_date(clean['birth_date'])}) est dans le futur.", "birth_date")
    clean["school"] = clean["school"] or ""
    clean["school_class"] = clean["school_class"] or ""
    clean["canteen_id"] = clean["canteen_id"] or ""
    return clean


def _refuse_shared_canteen_id(family: Family, canteen_id: str, child: Child | None = None) -> None:
    if not canteen_id:
        return
    taken = sa.select(Child).join(Family).where(
        Family.organisation_id == family.organisation_id, Child.canteen_id == canteen_id)
    if child is not None:
        taken = taken.where(Child.id != child.id)
    other = db.session.scalar(taken)
    if other is not None:
        raise DomainError(f"L'identifiant cantine {canteen_id} est déjà celui {de(str(other))}.", "canteen_id")


def refresh_search(family: Family) -> None:
    """Keep the list label and the folded search text in step with the names they are made of."""
    payer = family.payer
    family.label = f"{payer.last_name.upper()} {payer.first_name}" if payer else ""
    names = [f"{g.last_name} {g.first_name}" for g in family.guardians]
    names += [f"{c.last_name} {c.first_name}" for c in family.children]
    family.search_text = fold(" ".join([family.number, *names]))[:1000]


def create_family(org: Organisation, data: dict[str, Any], payer: dict[str, Any]) -> Family:
    family = Family(organisation_id=org.id, **_clean_family(org, data))
    guardian = Guardian(**_clean_guardian({**payer, "is_payer": True}))
    family.guardians.append(guardian)
    db.session.add(family)
    refresh_search(family)
    record_creation("family", family, FAMILY_FIELDS, organisation_id=org.id)
    record_creation("guardian", guardian, GUARDIAN_FIELDS, organisation_id=org.id)
    return family


def update_family(family: Family, data: dict[str, Any]) -> Family:
    org = db.session.get(Organisation, family.organisation_id)
    changes = apply_changes(family, _clean_family(org, data, family))
    if changes:
        refresh_search(family)
        record("update", "family", family, changes, organisation_id=family.organisation_id)
    return family


def _set_archived(obj: Family | Child, archived: bool, entity_type: str, organisation_id: int) -> None:
    if (obj.archived_at is not None) == archived:
        return
    before = obj.archived_at
    obj.archived_at = utcnow() if archived else None
    record(
        "archive" if archived else "unarchive", entity_type, obj,
        {"archived_at": [before and before.isoformat(), obj.archived_at and obj.archived_at.isoformat()]},
        organisation_id=organisation_id,
    )


def set_family_archived(family: Family, archived: bool) -> Family:
    """Archiving hides a family from lists and new billing; it is never deleted, money or not."""
    _set_archived(family, archived, "family", family.organisation_id)
    return family


def _make_sole_payer(family: Family, guardian: Guardian) -> None:
    for other in family.guardians:
        if other is not guardian and other.is_payer:
            other.is_payer = False
            record("update", "guardian", other, {"is_payer": [True, False]}, organisation_id=family.organisation_id)


def add_guardian(family: Family, data: dict[str, Any]) -> Guardian:
    guardian = Guardian(**_clean_guardian(data))
    family.guardians.append(guardian)
    if guardian.is_payer:
        _make_sole_payer(family, guardian)
    refresh_search(family)
    record_creation("guardian", guardian, GUARDIAN_FIELDS, organisation_id=family.organisation_id)
    return guardian


def update_guardian(guardian: Guardian, data: dict[str, Any]) -> Guardian:
    clean = _clean_guardian(data)
    if guardian.is_payer and not clean["is_payer"]:
        raise DomainError(
            "Une famille a toujours un payeur : désignez un autre responsable comme payeur.", "is_payer"
        )
    changes = apply_changes(guardian, clean)
    if changes:
        if guardian.is_payer:
            _make_sole_payer(guardian.family, guardian)
        refresh_search(guardian.family)
        record("update", "guardian", guardian, changes, organisation_id=guardian.family.organisation_id)
    return guardian


def add_child(family: Family, data: dict[str, Any]) -> Child:
    clean = _clean_child(data)
    _refuse_shared_canteen_id(family, clean["canteen_id"])
    child = Child(**clean)
    family.children.append(child)
    refresh_search(family)
    record_creation("child", child, CHILD_FIELDS, organisation_id=family.organisation_id)
    return child


def update_child(child: Child, data: dict[str, Any]) -> Child:
    clean = _clean_child(data)
    _refuse_shared_canteen_id(child.family, clean["canteen_id"], child)
    changes = apply_changes(child, clean)
    if changes:
        refresh_search(child.family)
        record("update", "child", child, changes, organisation_id=child.family.organisation_id)
    return child


def set_child_archived(child: Child, archived: bool) -> Child:
    _set_archived(child, archived, "child", child.family.organisation_id)
    return child


# Nobody types more words to find a family; a query of thousands would also be too deep for SQLite to parse.
MOST_WORDS = 8
# The ways other areas find a family from what an agent types whole (invoicing: an invoice number).
FINDERS: list[Callable[[str], sa.Select]] = []


def finds_families(finder: Callable[[str], sa.Select]) -> Callable[[str], sa.Select]:
    """Register a query of family ids for what was typed: the search also finds those families."""
    FINDERS.append(finder)
    return finder


def matching(query: str) -> sa.ColumnElement[bool]:
    """Every word of the query (its first MOST_WORDS) appears in a name or the family number, or a finder
    knows the query (an invoice number)."""
    words = fold(query).split()[:MOST_WORDS]
    if not words:
        return sa.true()
    by_name = []
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        by_name.append(Family.search_text.like(f"%{escaped}%", escape="\\"))
    return sa.or_(sa.and_(*by_name), *(Family.id.in_(finder(query)) for finder in FINDERS))


def exact_number_first(query: str) -> sa.ColumnElement[int]:
    return sa.case((Family.number == query.strip(), 0), else_=1)


def search_families(org: Organisation, query: str, *, archived: bool = False, page: int = 1,
                    per_page: int = 25) -> Page:
    """Every word of the query must appear in a name or the family number, or the query is an invoice number;
    a family number typed whole comes first."""
    return paginate(families_found(org, query, archived=archived), page, per_page)


def families_found(org: Organisation, query: str, *, archived: bool = False) -> sa.Select:
    """The family search's statement, for its pages and its export."""
    stmt = sa.select(Family).where(Family.organisation_id == org.id, matching(query))
    stmt = stmt.where(Family.archived_at.is_not(None) if archived else Family.archived_at.is_(None))
    stmt = stmt.order_by(exact_number_first(query), Family.label, Family.number)
    # The list shows each payer's town and the children's names: load them in two queries, not 50.
    return stmt.options(selectinload(Family.guardians), selectinload(Family.children))
