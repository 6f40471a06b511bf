"""The titles file (PES V2 individual titles, written by `regie-indigo-titre`) and its « contrôle du fichier »: the
adapter reads the stored file back and its count and total must equal the list recomputed from the books."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from decimal import Decimal

import regie_indigo_titre as titre

from webapp.audit.services import record
from webapp.counter.amounts import ZERO
from webapp.db import utcnow
from webapp.errors import DomainError
from webapp.formatting import today
from webapp.organisations.models import Regie
from webapp.treasury import selection as chosen
from webapp.treasury.debtors import debtor_fields
from webapp.treasury.models import RunStatus, TitleRun
from webapp.treasury.runs import drop_file, refuse_settled

#: The régie's settings the file cannot go without: (attribute, label).
REQUIRED_SETTINGS = (("treasury_office", "poste comptable (codique)"), ("treasury_collectivity", "code collectivité"),
                     ("treasury_budget", "code budget"), ("treasury_product", "code produit"),
                     ("company_number", "SIRET"))


def refuse_missing_settings(regie: Regie) -> None:
    missing = [label for name, label in REQUIRED_SETTINGS if not getattr(regie, name).strip()]
    if missing:
        raise DomainError(f"Complétez les coordonnées de la régie pour le Trésor : {', '.join(missing)}.")


def _debtor(debts: chosen.FamilyDebts, regie: Regie) -> titre.Debtor:
    debtor, address = debtor_fields(debts.family, regie)
    return titre.Debtor(**debtor, address=titre.Address(**address))


def title_lines(debts: chosen.FamilyDebts, regie: Regie) -> tuple[titre.Line, ...]:
    """One line per accounting code (the nature Hélios books it on), summed over the family's invoices."""
    codes: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for invoice in debts.invoices:
        for code, amount in chosen.imputation(invoice, invoice.outstanding).items():
            codes[code] += amount
    return tuple(titre.Line(product_code=regie.treasury_product, nature=code, amount=amount)
                 for code, amount in sorted(codes.items()))


def records(run: TitleRun, found: chosen.Selection) -> titre.TitlesFile:
    regie = run.regie
    issued = today()
    header = titre.Header(file_name=file_name(run), created=issued, accounting_office=regie.treasury_office,
                          siret=regie.company_number, collectivity_code=regie.treasury_collectivity,
                          budget_code=regie.treasury_budget, sender="REGIE", application="Regie")
    titles = tuple(
        titre.Title(number=debts.title_number, object=run.object, debtor=_debtor(debts, regie),
                    lines=title_lines(debts, regie),
                    invoice_number=debts.invoices[0].number if len(debts.invoices) == 1 else None)
        for debts in found.titles)
    return titre.TitlesFile(header, titre.Bordereau(fiscal_year=run.fiscal_year, number=run.bordereau_number,
                                                    issued=issued, titles=titles))


def file_name(run: TitleRun) -> str:
    return f"PESALR1_{run.fiscal_year}_{run.bordereau_number:07d}.xml"


def _who(found: chosen.Selection, error: titre.TitreError) -> str:
    number = getattr(error, "title", None)
    debts = next((d for d in found.titles if d.title_number == number), None)
    return f"Titre n° {number} ({debts.family.label}) : " if debts else ""


def write_file(run: TitleRun) -> TitleRun:
    """The PES V2 file of the selection as it is now, checked and schema-validated by the adapter, kept with its
    hash; a file written before is replaced (and must be controlled again)."""
    refuse_settled(run)
    refuse_missing_settings(run.regie)
    found = chosen.select(run)
    if not found.titles:
        raise DomainError("Aucune famille à mettre en titre : rien à écrire.")
    try:
        # UTF-8: names and objects carry what ISO-8859-1 lacks (« – », « ’ »); PES V2 takes both.
        data = titre.write(records(run, found), cut=True, encoding="UTF-8")
    except titre.TitreError as error:
        raise DomainError(f"{_who(found, error)}{error}") from None
    drop_file(run)
    run.status = RunStatus.FILE
    run.file_name, run.file_data = file_name(run), data
    run.file_hash = hashlib.sha256(data).hexdigest()
    run.file_count, run.file_total = found.count, found.total
    record("write_file", "title_run", run, {"file": [None, f"{run.file_name} ({run.file_hash[:12]}…)"],
                                            "titles": [None, found.count], "total": [None, str(found.total)]},
           organisation_id=run.organisation_id)
    return run


def control(run: TitleRun) -> list[str]:
    """Read the stored file back and compare it with the list recomputed now; an empty list of problems marks the
    run controlled, any problem leaves it uncontrolled (and the settlement blocked)."""
    refuse_settled(run)
    if run.file_data is None:
        raise DomainError("Produisez le fichier avant de le contrôler.")
    found = chosen.select(run)
    problems = []
    if hashlib.sha256(run.file_data).hexdigest() != run.file_hash:
        problems.append("Le fichier enregistré ne correspond plus à son empreinte.")
    try:
        report = titre.check(run.file_data, expect_count=found.count, expect_total=found.total)
    except titre.TitreError as error:
        problems.append(f"Le fichier ne se relit pas : {error}")
    else:
        problems += list(report.problems) + ([f"… et {report.more} autres problèmes"] if report.more else [])
        in_file = {(title.number, title.total) for title in report.titles.bordereau.titles}
        in_list = {(debts.title_number, debts.total) for debts in found.titles}
        if not problems and in_file != in_list:
            problems.append("Les titres du fichier (numéros et montants) diffèrent de la liste.")
    if problems:
        run.status, run.controlled_at = RunStatus.FILE, None
    else:
        run.status, run.controlled_at = RunStatus.CONTROLLED, utcnow()
    record("control", "title_run", run, {"status": [None, run.status], "titles": [None, found.count],
                                         "total": [None, str(found.total)]}, organisation_id=run.organisation_id)
    return problems
