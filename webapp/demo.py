"""A living demo: an intercommunal syndicate with two régies, ~40 families and ~60 children,
plus a small Belgian commune, so tenancy and both countries show from the first run."""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

import schwifty
import sqlalchemy as sa
from stdnum import luhn
from stdnum.eu import at_02

from webapp import db
from webapp.audit.services import acting_as
from webapp.attendance import calendar
from webapp.attendance.enrolments import enrol_all
from webapp.attendance.models import Presence
from webapp.attendance.services import set_attendance
from webapp.auth.models import Role
from webapp.auth.services import create_user, grant
from webapp.counter import services as counter
from webapp.counter import slips
from webapp.counter.models import PaymentMode
from webapp.debits import mandates
from webapp.families.models import Child, Family
from webapp.families.services import add_child, add_guardian, create_family
from webapp.invoicing.models import Invoice
from webapp.invoicing.services import compute_batch, create_period, number_batch
from webapp.organisations.models import Organisation, Regie
from webapp.organisations.services import create_organisation, create_regie
from webapp.reminders.levels import add_level
from webapp.tariffs.models import Activity
from webapp.tariffs.services import create_activity, create_tariff
from webapp.text import fold

PASSWORD = "demo-regie-2026"
SYNDICATE = "SIVU des Trois Vallées"
LOGINS = [
    ("exploitant@demo.regie.fr", "exploitant du serveur"),
    ("admin@demo.regie.fr", "administrateur, SIVU des Trois Vallées"),
    ("regisseur@demo.regie.fr", "régisseur, SIVU des Trois Vallées"),
    ("agent@demo.regie.fr", "agent, SIVU des Trois Vallées (régie restauration)"),
    ("lecteur@demo.regie.fr", "lecteur, SIVU des Trois Vallées"),
    ("admin@lasne.demo.regie.be", "administrateur, Commune de Lasne (BE)"),
]

LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefèbvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
    "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas",
    "Perrin", "Morin", "Mathieu", "Clément", "Gauthier",
]
WOMEN = ["Hélène", "Camille", "Sophie", "Julie", "Aurélie", "Émilie", "Nadia", "Claire", "Léa", "Inès", "Sarah", "Anaïs"]
MEN = ["Julien", "Nicolas", "Thomas", "Karim", "Sébastien", "Mathieu", "Romain", "Antoine", "Yann", "Jérôme", "David"]
CHILDREN = ["Lucas", "Emma", "Hugo", "Jade", "Louis", "Chloé", "Gabriel", "Louise", "Arthur", "Alice", "Jules",
            "Lina", "Adam", "Rose", "Raphaël", "Zoé", "Noé", "Manon", "Timéo", "Ambre", "Maël", "Nina"]
TOWNS = [("38190", "Froges"), ("38570", "Le Cheylas"), ("38190", "Villard-Bonnot"), ("38660", "La Terrasse")]
STREETS = ["rue des Écoles", "chemin du Moulin", "avenue de la Gare", "impasse des Tilleuls", "route de Grenoble",
           "place de la Mairie", "allée des Cerisiers"]
SCHOOLS = [("École du Bourg", ["PS", "MS", "GS"]), ("École Jean-Moulin", ["CP", "CE1", "CE2", "CM1", "CM2"])]


def _siret(siren_body: str, nic_body: str) -> str:
    """SIREN (8 digits + Luhn) then NIC (4 digits + Luhn over the whole)."""
    siren = siren_body + luhn.calc_check_digit(siren_body)
    return siren + nic_body + luhn.calc_check_digit(siren + nic_body)


def _ics(national: str) -> str:
    return f"FR{at_02.calc_check_digits('FR00' + national)}{national}"


def _birth(rng: random.Random, school_class: str) -> date:
    age = {"PS": 3, "MS": 4, "GS": 5, "CP": 6, "CE1": 7, "CE2": 8, "CM1": 9, "CM2": 10}[school_class]
    return date(2026 - age - 1, rng.randint(1, 12), rng.randint(1, 28))


def _pairs(rng: random.Random, count: int) -> str:
    return " ".join(str(rng.randint(10, 99)) for _ in range(count))


def _families(org: Organisation, rng: random.Random, count: int, towns: list[tuple[str, str]], country: str) -> None:
    names = rng.sample(LAST_NAMES, count)
    for index, last_name in enumerate(names):
        postcode, city = rng.choice(towns)
        woman = rng.random() < 0.7
        payer = {
            "civility": "Mme" if woman else "M.", "last_name": last_name,
            "first_name": rng.choice(WOMEN if woman else MEN),
            "address_line1": f"{rng.randint(1, 80)} {rng.choice(STREETS)}", "postcode": postcode, "city": city,
            "country": country, "phone": f"06 {rng.randint(40, 89)} {_pairs(rng, 3)}" if country == "FR" else f"0470 {_pairs(rng, 3)}",
        }
        payer["email"] = fold(f"{payer['first_name']}.{last_name}@exemple.fr").replace(" ", "")
        quotient = Decimal(rng.randrange(300, 2400, 10))
        family = create_family(org, {
            "number": "", "direct_debit": rng.random() < 0.55, "quotient": quotient,
            "quotient_valid_from": date(2026, 1, 1), "quotient_valid_to": date(2026, 12, 31),
            "tariff_category": "Hors commune" if country == "FR" and rng.random() < 0.1 else "", "note": "",
        }, payer)
        if rng.random() < 0.6:
            add_guardian(family, {**payer, "civility": "M." if woman else "Mme",
                                  "first_name": rng.choice(MEN if woman else WOMEN), "email": "", "is_payer": False})
        for _ in range(1 if index % 3 else 2 + (index % 2)):
            school, classes = rng.choice(SCHOOLS)
            school_class = rng.choice(classes)
            add_child(family, {"last_name": last_name, "first_name": rng.choice(CHILDREN),
                               "birth_date": _birth(rng, school_class), "school": school, "school_class": school_class,
                               "canteen_id": f"{country}{rng.randrange(10**7):07d}"})


def _school_days(year: int, month: int) -> list[date]:
    """Mondays, Tuesdays, Thursdays and Fridays: the French school week."""
    return [d for d in _days_of_month(year, month) if d.weekday() in (0, 1, 3, 4)]


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _activities(canteen_regie: Regie, care_regie: Regie) -> tuple[Activity, Activity, Activity]:
    """Activities with their tariffs, made before the families: a family's category is one the tariffs define."""
    canteen = create_activity(canteen_regie, {"name": "Cantine", "unit": "repas", "accounting_code": "7067",
                                              "place": "Restaurant scolaire Jules-Ferry",
                                              "bill_unjustified_absence": True})
    for label, low, high, price in (("Repas QF 0 à 600", None, 600, "1.20"), ("Repas QF 600 à 1 200", 600, 1200, "2.60"),
                                    ("Repas QF 1 200 et plus", 1200, None, "4.10")):
        create_tariff(canteen, {"label": label, "valid_from": date(2026, 9, 1), "qf_min": low and Decimal(low),
                                "qf_max": high and Decimal(high), "mode": "unitaire", "price": Decimal(price)})
    create_tariff(canteen, {"label": "Repas hors commune", "valid_from": date(2026, 9, 1), "category": "Hors commune",
                            "mode": "unitaire", "price": Decimal("5.20")})
    evening = create_activity(care_regie, {"name": "Garderie du soir", "unit": "creneau", "accounting_code": "7066",
                                           "place": "École élémentaire de Froges", "bill_unjustified_absence": False})
    create_tariff(evening, {"label": "Garderie", "valid_from": date(2026, 9, 1), "mode": "creneau",
                            "price": Decimal("0.50"), "slot_minutes": 30, "daily_cap": Decimal("3.00")})
    wednesday = create_activity(care_regie, {"name": "Centre de loisirs du mercredi", "unit": "jour",
                                             "accounting_code": "7066", "monthly_fee": Decimal("5.00"),
                                             "place": "Centre de loisirs Les Écureuils"})
    create_tariff(wednesday, {"label": "Journée (taux d'effort)", "valid_from": date(2026, 9, 1), "mode": "taux_effort",
                              "effort_rate": Decimal("0.012"), "price_floor": Decimal("4.00"),
                              "price_ceiling": Decimal("18.00")})
    return canteen, evening, wednesday


def _billing(sivu: Organisation, canteen_regie: Regie, care_regie: Regie, activities: tuple[Activity, Activity, Activity],
             rng: random.Random) -> None:
    """Two months of attendance, October billed and November to compute."""
    canteen, evening, wednesday = activities
    closed = {}
    for activity, weekdays in ((canteen, "1245"), (evening, "1245"), (wednesday, "3")):
        calendar.set_schedule(activity, weekdays, 12 if activity is wednesday else None)
        calendar.add_closure(activity, date(2026, 10, 17), date(2026, 11, 1), "Vacances de la Toussaint")
        closed[activity] = calendar.closed_days(activity, date(2026, 10, 1), date(2026, 11, 30))
    children = db.session.scalars(sa.select(Child).join(Family).where(Family.organisation_id == sivu.id)
                                  .order_by(Child.id)).all()
    for month in (10, 11):
        for child in children:
            eats, stays = rng.random() < 0.85, rng.random() < 0.35
            if stays:  # enrolled once (enrol_all skips the enrolled); the canteen enrols nobody: anyone may eat
                enrol_all([child], evening, date(2026, 9, 1), date(2027, 7, 3))
                enrol_all([child], wednesday, date(2026, 9, 1), date(2027, 7, 3))
            for day in _school_days(2026, month):
                if eats and rng.random() < 0.9 and day not in closed[canteen]:
                    presence = Presence.PRESENT if rng.random() < 0.96 else rng.choice(list(Presence)[1:])
                    set_attendance(child, canteen, day, presence)
                if stays and rng.random() < 0.6 and day not in closed[evening]:
                    set_attendance(child, evening, day, Presence.PRESENT, arrival=time(16, 30),
                                   departure=time(17 + rng.randint(0, 2), rng.choice((0, 15, 30, 45))))
            for day in [d for d in _days_of_month(2026, month) if d.weekday() == 2]:
                if stays and rng.random() < 0.7 and day not in closed[wednesday]:
                    set_attendance(child, wednesday, day, Presence.PRESENT)
    october = create_period(sivu, {"label": "Octobre 2026", "start_date": date(2026, 10, 1),
                                   "end_date": date(2026, 10, 31), "invoice_date": date(2026, 11, 4),
                                   "due_date": date(2026, 11, 30), "debit_date": date(2026, 11, 10)},
                            [canteen_regie, care_regie], [])
    for batch in october.batches:
        compute_batch(batch)
        number_batch(batch)
    create_period(sivu, {"label": "Novembre 2026", "start_date": date(2026, 11, 1), "end_date": date(2026, 11, 30),
                         "invoice_date": date(2026, 12, 3), "due_date": date(2026, 12, 31),
                         "debit_date": date(2026, 12, 10), "regularisation_from": date(2026, 10, 1)},
                  [canteen_regie, care_regie], [])


def _counter(regie: Regie, rng: random.Random) -> None:
    """A month of counter work on October's canteen invoices: cash and cheques, a partial payment, an
    overpayment kept as credit, a bounced cheque, a write-off, a final cash slip and a provisional cheque slip."""
    invoices = db.session.scalars(sa.select(Invoice).where(Invoice.regie_id == regie.id, Invoice.number.is_not(None))
                                  .order_by(Invoice.sequence)).all()
    banks = ("Crédit Agricole", "La Banque Postale", "Caisse d'Épargne", "Crédit Mutuel")
    day = date(2026, 11, 9)
    for index, invoice in enumerate(invoices[:18]):
        day = min(day + timedelta(days=index % 2), date(2026, 11, 27))
        family = db.session.get(Family, invoice.family_id)
        cheque = index % 3 != 0
        amount = invoice.total if index % 7 else (invoice.total / 2).quantize(Decimal("0.01"))
        data = {"mode": "cheque" if cheque else "especes", "amount": amount, "received_on": day,
                "bank": rng.choice(banks) if cheque else "", "cheque_number": f"{rng.randint(1000000, 9999999)}" if cheque else "",
                "holder": family.label if cheque else ""}
        if index == 5:
            data |= {"amount": invoice.total + Decimal("20.00"), "keep_credit": True, "comment": "Avance pour décembre"}
        payment = counter.record_payment(regie, family, data)
        if index == 4:
            counter.cancel_payment(payment, "Chèque retourné impayé par la banque", date(2026, 11, 24))
    slips.finalize(slips.create_slip(regie, PaymentMode.CASH))
    slips.create_slip(regie, PaymentMode.CHEQUE)
    unpaid = invoices[-1]
    counter.write_off(unpaid, {"kind": "seuil", "amount": min(unpaid.total, Decimal("3.00")),
                               "reason": "Reliquat inférieur au seuil de poursuite", "written_on": date(2026, 11, 27)})


def _mandates(sivu: Organisation, regies: list[Regie]) -> None:
    """The direct-debit families sign a mandate at each régie: most in September, one whose mandate lapses
    within 60 days (signed three years ago, never used), one whose mandate has lapsed (listed apart by the run)."""
    families = db.session.scalars(sa.select(Family).where(Family.organisation_id == sivu.id, Family.direct_debit)
                                  .order_by(Family.id)).all()
    for index, family in enumerate(families):
        payer = family.payer
        signed_on = {0: date(2023, 12, 20), 1: date(2023, 6, 1)}.get(index, date(2026, 9, 1))
        iban = schwifty.IBAN.generate("FR", bank_code="30004" if index % 2 else "20041",
                                      branch_code="00001", account_code=f"{family.id:011d}").compact
        for regie in regies:
            mandates.create_mandate(regie, family, {
                "holder": f"{payer.civility} {payer.first_name} {payer.last_name}", "iban": iban,
                "signed_on": signed_on, "signed_at": payer.city, "street": payer.address_line1,
                "postcode": payer.postcode, "town": payer.city, "country": payer.country})


def _days_of_month(year: int, month: int) -> list[date]:
    return [date(year, month, d) for d in range(1, 32) if _valid(year, month, d)]


def seed() -> bool:
    """Create the demo once; False when it is already there. Its accounts, an operator among them, share the
    published PASSWORD: only `flask demo seed` in demo mode (REGIE_DEMO, set by `make run`) calls this."""
    if db.session.scalar(sa.select(Organisation).where(Organisation.name == SYNDICATE)):
        return False
    rng = random.Random(2026)
    with acting_as("données de démonstration"):
        create_user({"email": LOGINS[0][0], "full_name": "Exploitant Démo", "password": PASSWORD,
                                "is_operator": True})
        sivu = create_organisation({"name": SYNDICATE, "kind": "syndicat", "country": "FR"})
        canteen = create_regie(sivu, {
            "name": "Restauration scolaire", "address_line": "12 place de la Mairie", "postcode": "38190",
            "city": "Froges", "phone": "04 76 71 00 00",
            "iban": schwifty.IBAN.generate("FR", bank_code="30001", branch_code="00064", account_code="C6450000000").compact,
            "bic": "BDFEFRPPCCT", "creditor_id": _ics("ZZZ482913"), "company_number": _siret("21380123", "0001"),
            "invoice_prefix": "CANT", "regisseur": "Rémi Régisseur", "transfer_qr": True,
            # PayFiP in test mode, against the local fake service `make run` starts.
            "payfip_enabled": True, "payfip_client": "123456", "payfip_mode": "T",
            # The treasury's codes, and October's unpaid invoices past due long enough to go out as titles.
            "treasury_office": "038090", "treasury_collectivity": "123", "treasury_budget": "00",
            "treasury_product": "CANT", "titles_after_days": 3, "title_signatory": "Jean Martin, président du SIVU",
            "roll_format": "pes", "roll_collectivity": "23", "roll_nature": "12",
        })
        care = create_regie(sivu, {
            "name": "Périscolaire et centre de loisirs", "address_line": "12 place de la Mairie", "postcode": "38190",
            "city": "Froges", "phone": "04 76 71 00 01",
            "iban": schwifty.IBAN.generate("FR", bank_code="30001", branch_code="00064", account_code="C6450000001").compact,
            "bic": "BDFEFRPPCCT", "creditor_id": _ics("ZZZ482914"), "company_number": _siret("21380123", "0002"),
            "invoice_prefix": "PERI", "regisseur": "Rémi Régisseur",
        })
        people = [("admin", "Anne Administratrice", Role.ADMIN), ("regisseur", "Rémi Régisseur", Role.REGISSEUR),
                  ("agent", "Agathe Agent", Role.AGENT), ("lecteur", "Luc Lecteur", Role.READER)]
        for login, name, role in people:
            user = create_user({"email": f"{login}@demo.regie.fr", "full_name": name, "password": PASSWORD})
            grant(user, sivu, role, [canteen] if role is Role.AGENT else [])
        activities = _activities(canteen, care)
        _families(sivu, rng, 40, TOWNS, "FR")
        _mandates(sivu, [canteen, care])
        _billing(sivu, canteen, care, activities, rng)
        _counter(canteen, rng)
        _reminder_levels(canteen, [("0", "0"), ("5.00", "5.00"), ("15.00", "10.00")])

        lasne = create_organisation({"name": "Commune de Lasne", "kind": "commune", "country": "BE"})
        aes = create_regie(lasne, {
            "name": "Accueil extrascolaire", "address_line": "Place communale 1", "postcode": "1380", "city": "Lasne",
            "phone": "+32 2 634 05 00",
            "iban": schwifty.IBAN.generate("BE", bank_code="091", account_code="0122345").compact,
            "bic": "GKCCBEBB", "creditor_id": f"BE{at_02.calc_check_digits('BE00ZZZ0216754319')}ZZZ0216754319",
            "company_number": "0216754319", "invoice_prefix": "AES",
            "regulation": "Règlement-redevance relatif à l'accueil extrascolaire, conseil communal du 24 juin 2025.",
        })
        admin_be = create_user({"email": LOGINS[5][0], "full_name": "Benoît Bourgmestre", "password": PASSWORD})
        grant(admin_be, lasne, Role.ADMIN)
        _families(lasne, rng, 5, [("1380", "Lasne"), ("1380", "Ohain")], "BE")
        _lasne_billing(lasne, aes, rng)
        # Within the Belgian caps: the first reminder free, 7.50 at most, the last one's indemnity for 150.00.
        _reminder_levels(aes, [("0", "0"), ("5.00", "7.50"), ("150.00", "20.00")])
    return True


def _reminder_levels(regie: Regie, levels: list[tuple[str, str]]) -> None:
    """Levels 1..n (minimum, fee): 15 days after the due date, then 15 after the previous reminder."""
    for rank, (minimum, fee) in enumerate(levels, 1):
        add_level(regie, {"rank": rank, "delay_days": 15, "after_previous": rank > 1,
                          "minimum_amount": Decimal(minimum), "fee": Decimal(fee), "last": rank == len(levels)})


def _lasne_billing(lasne: Organisation, regie: Regie, rng: random.Random) -> None:
    """October's after-school care billed in Lasne: invoices carrying structured communications, which
    examples/lasne-extraits-novembre.cod pays (some exactly, some not)."""
    care = create_activity(regie, {"name": "Accueil du soir", "unit": "jour", "accounting_code": "7066"})
    create_tariff(care, {"label": "Soirée", "valid_from": date(2026, 9, 1), "mode": "unitaire",
                         "price": Decimal("3.50")})
    children = db.session.scalars(sa.select(Child).join(Family).where(Family.organisation_id == lasne.id)
                                  .order_by(Child.id)).all()
    for child in children:
        for day in _school_days(2026, 10):
            if rng.random() < 0.5:
                set_attendance(child, care, day, Presence.PRESENT)
    october = create_period(lasne, {"label": "Octobre 2026", "start_date": date(2026, 10, 1),
                                    "end_date": date(2026, 10, 31), "invoice_date": date(2026, 11, 4),
                                    "due_date": date(2026, 11, 30)}, [regie], [])
    compute_batch(october.batches[0])
    number_batch(october.batches[0])
