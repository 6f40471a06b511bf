"""DGFiP rules an ORMC roll must meet before it is written, each refusal naming article and zone.

The PES V2 schema checks the structure; these checks add what it leaves to its
documentation (upper-case IBAN/BIC, 5-digit postcode, civility of a person,
totals, SEPA character set) and give a message an agent can act on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.exceptions import ValidationError
from stdnum.fr import siret

from . import keys
from .errors import FieldError
from .records import BankAccount, Bordereau, Debit, Debtor, Header, Line, Piece, Roll

#: ``SequencePres`` codes of the SEPA sequence types.
SEQUENCE_CODES = {"OOFF": "01", "FRST": "02", "RCUR": "03", "FNAL": "04"}
#: ``Edition`` values allowed on an ORMC title (03 ASAP ORMC CPP, 06 ASAP ORMC ENSU).
ORMC_EDITIONS = frozenset({"03", "06"})
MAX_AMOUNT = Decimal("999999999999.99")  # 14 digits, 2 decimals

_SEPA_TEXT = re.compile(r"[0-9a-zA-Z/?:()., \-+']+")
_POST_ID = re.compile(r"02[AB][0-9]{3,4}|[0-9]{6,7}")
_BUDGET = re.compile(r"[0-9A-Z][0-9]")
_INVOICE = re.compile(r"[ \-/_+0-9a-zA-Z]{1,20}")
_ALNUM = re.compile(r"[0-9a-zA-Z]+")
_PRODUCT = re.compile(r"[0-9a-zA-Z]{1,4}")


def text(value: str | None, field: str, size: int, *, piece: int | None = None, required: bool = True) -> None:
    """A text zone: present if required, at most ``size`` characters, no control character."""
    if value is None or value == "":
        if required:
            raise FieldError("zone obligatoire non renseignée", piece=piece, field=field, value=value)
        return
    if len(value) > size:
        raise FieldError(
            f"texte trop long : {len(value)} caractères pour {size} au plus, à raccourcir",
            piece=piece,
            field=field,
            value=value,
        )
    if value != value.strip() or any(unicodedata.category(c) == "Cc" for c in value):
        raise FieldError(
            "espaces en début ou fin ou caractère de contrôle interdits", piece=piece, field=field, value=value
        )


def digits(value: str, field: str, sizes: Iterable[int], *, piece: int | None = None) -> None:
    """A zone of digits only, whose length is one of ``sizes``."""
    allowed = tuple(sizes)
    if not (value.isascii() and value.isdigit() and len(value) in allowed):
        lengths = " ou ".join(str(n) for n in allowed)
        raise FieldError(f"{lengths} chiffres attendus", piece=piece, field=field, value=value)


def pattern(value: str, regex: re.Pattern[str], field: str, message: str, *, piece: int | None = None) -> None:
    if not regex.fullmatch(value):
        raise FieldError(message, piece=piece, field=field, value=value)


def number(value: int, field: str, width: int, *, piece: int | None = None) -> None:
    """A positive integer of at most ``width`` digits."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**width:
        raise FieldError(f"nombre entier de 1 à {width} chiffres attendu", piece=piece, field=field, value=value)


def amount(value: Decimal, field: str, *, piece: int | None = None) -> None:
    """Amounts are strictly positive with at most two decimals (``Base_Montant``)."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise FieldError("montant décimal attendu", piece=piece, field=field, value=value)
    if value <= 0:
        raise FieldError("le montant doit être strictement positif", piece=piece, field=field, value=str(value))
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2 or value > MAX_AMOUNT:
        raise FieldError(
            "montant à deux décimales au plus et inférieur à mille milliards",
            piece=piece,
            field=field,
            value=str(value),
        )


def sepa_text(value: str | None, field: str, size: int, *, piece: int, required: bool = False) -> None:
    """SEPA zones accept only ``a-z A-Z 0-9 / ? : ( ) . , ' + -`` and space."""
    text(value, field, size, piece=piece, required=required)
    if value and not _SEPA_TEXT.fullmatch(value):
        raise FieldError(
            "caractère hors du jeu SEPA (lettres sans accent, chiffres, / ? : ( ) . , ' + - et espace)",
            piece=piece,
            field=field,
            value=value,
        )


def iban(value: str, field: str, *, piece: int | None = None) -> None:
    """A valid IBAN written compact and upper case, as Hélios demands."""
    try:
        compact = IBAN(value, validate_bban=True).compact
    except SchwiftyException as e:
        raise FieldError(f"IBAN invalide ({e})", piece=piece, field=field, value=value) from e
    if compact != value:
        raise FieldError(
            f"IBAN à écrire en majuscules sans espaces : {compact}", piece=piece, field=field, value=value
        )


def bic(value: str, field: str, *, piece: int | None = None) -> None:
    try:
        compact = BIC(value).compact
    except SchwiftyException as e:
        raise FieldError(f"BIC invalide ({e})", piece=piece, field=field, value=value) from e
    if compact != value:
        raise FieldError(f"BIC à écrire en majuscules : {compact}", piece=piece, field=field, value=value)


def encodable(value: str, encoding: str, field: str, *, piece: int | None = None) -> None:
    """Refuse, rather than silently replace, characters the file's encoding cannot carry."""
    try:
        value.encode(encoding)
    except UnicodeEncodeError as e:
        raise FieldError(
            f"caractère {value[e.start]!r} impossible en {encoding} : à remplacer (translittérer) avant l'envoi",
            piece=piece,
            field=field,
            value=value,
        ) from e


def check_header(header: Header) -> None:
    text(header.file_name, "NomFic", 100)
    text(header.sender, "Sigle", 32)
    text(header.application, "Adresse", 38)
    pattern(header.post_id, _POST_ID, "IdPost", "codique du poste comptable attendu (6 ou 7 chiffres)")
    try:
        siret.validate(header.siret)
    except ValidationError as e:
        raise FieldError(f"SIRET du budget invalide ({e})", field="IdColl", value=header.siret) from e
    digits(header.collectivity_code, "CodCol", (3,))
    pattern(header.budget_code, _BUDGET, "CodBud", "code budget de 2 caractères attendu (ex. 00)")
    text(header.post_label, "LibellePoste", 38, required=False)
    text(header.collectivity_label, "LibelleColBud", 38, required=False)


def check_bordereau(bordereau: Bordereau, pieces: int) -> None:
    keys.year_digits(bordereau.fiscal_year)
    number(bordereau.number, "IdBord", 7)
    text(bordereau.object, "Objet", 160, required=False)
    if bordereau.collection_date is not None and bordereau.collection_date < bordereau.date:
        raise FieldError(
            "la date d'ASAP ne peut précéder la date d'émission du bordereau",
            field="DteAsp",
            value=bordereau.collection_date.isoformat(),
        )
    if not 0 < pieces < 100000:
        raise FieldError("un rôle porte de 1 à 99 999 articles", field="NbrPce", value=pieces)


def check_bank_account(account: BankAccount, piece: int) -> None:
    iban(account.iban, "IBAN", piece=piece)
    if account.bic is not None:
        bic(account.bic, "BIC", piece=piece)
    text(account.holder, "TitCpte", 32, piece=piece)


def check_debtor(debtor: Debtor, piece: int) -> None:
    for field, value in (("CatTiers", debtor.category), ("NatJur", debtor.legal_nature), ("TypTiers", debtor.debtor_type)):
        digits(value, field, (2,), piece=piece)
    text(debtor.reference, "RefTiers", 30, piece=piece, required=False)
    text(debtor.last_name, "Nom", 38, piece=piece)
    text(debtor.name_complement, "ComplNom", 38, piece=piece, required=False)
    person = debtor.category == "01"
    text(debtor.first_name, "Prenom", 38, piece=piece, required=person)
    text(debtor.civility, "Civilite", 10, piece=piece, required=person)
    if debtor.civility is not None and debtor.civility.upper().rstrip(".") in {"MLLE", "MADEMOISELLE"}:
        raise FieldError("la civilité « Mademoiselle » n'existe plus : utiliser MME", piece=piece, field="Civilite")
    address = debtor.address
    if address.kind not in {"0", "1", "2"}:
        raise FieldError("type d'adresse 0, 1 ou 2 attendu", piece=piece, field="TypAdr", value=address.kind)
    text(address.extra, "Adr1", 38, piece=piece, required=False)
    text(address.street, "Adr2", 38, piece=piece)
    text(address.locality, "Adr3", 38, piece=piece, required=False)
    digits(address.postcode, "CP", (5,), piece=piece)
    text(address.town, "Ville", 38, piece=piece)
    if address.resident:
        if address.country_code not in (None, "100"):
            raise FieldError(
                "un résident n'a pas de code pays (ou 100)", piece=piece, field="CodPays", value=address.country_code
            )
    elif address.country_code is None:
        raise FieldError("code pays INSEE obligatoire pour un non-résident", piece=piece, field="CodPays")
    else:
        digits(address.country_code, "CodPays", (3,), piece=piece)
    if debtor.bank_account is not None:
        check_bank_account(debtor.bank_account, piece)


def check_debit(debit: Debit, piece: int, debtor: Debtor) -> None:
    if debit.nature not in {"01", "02"}:
        raise FieldError("nature de prélèvement 01 ou 02 attendue", piece=piece, field="NatPrel", value=debit.nature)
    if debit.periodicity not in {f"0{n}" for n in range(1, 8)}:
        raise FieldError("périodicité 01 à 07 attendue", piece=piece, field="PerPrel", value=debit.periodicity)
    amount(debit.amount, "MtPrel", piece=piece)
    if debit.sequence not in SEQUENCE_CODES:
        raise FieldError("séquence OOFF, FRST, RCUR ou FNAL attendue", piece=piece, field="SequencePres",
                           value=debit.sequence)
    sepa_text(debit.mandate_ref, "RefUniMdt", 35, piece=piece, required=True)
    sepa_text(debit.label, "LibPrel", 140, piece=piece)
    sepa_text(debit.former_mandate_ref, "AncienRUM", 35, piece=piece)
    if debit.former_creditor_id is not None:
        pattern(debit.former_creditor_id, _ALNUM, "AncienICS", "ancien ICS alphanumérique attendu", piece=piece)
        text(debit.former_creditor_id, "AncienICS", 13, piece=piece)
    sepa_text(debit.former_creditor_name, "AncienTiersCreancier", 70, piece=piece)
    if debit.former_bank is not None and debit.former_iban is not None:
        raise FieldError("indiquer soit l'ancienne banque, soit l'ancien IBAN, pas les deux", piece=piece,
                           field="AncienIBAN")
    if debit.former_iban is not None:
        iban(debit.former_iban, "AncienIBAN", piece=piece)
    if debit.nature == "01" and debtor.bank_account is None:
        raise FieldError("prélèvement par le Trésor sans coordonnées bancaires du débiteur", piece=piece,
                           field="CpteBancaire")


def check_line(line: Line, piece: int, debtor: Debtor) -> None:
    number(line.number, "IdLigne", 6, piece=piece)
    text(line.object, "ObjLignePce", 160, piece=piece, required=False)
    pattern(line.product_code, _PRODUCT, "CodProdLoc",
            "code produit local de 1 à 4 lettres ou chiffres attendu", piece=piece)
    if not (line.nature.isascii() and line.nature.isdigit() and 0 < len(line.nature) <= 12):
        raise FieldError("nature comptable de 1 à 12 chiffres attendue", piece=piece, field="Nature",
                           value=line.nature)
    amount(line.amount, "MtHT", piece=piece)
    if line.debit is not None:
        check_debit(line.debit, piece, debtor)


def expected_cle2(fiscal_year: int, piece: Piece) -> str:
    return keys.ormc_cle2(fiscal_year, piece.period, piece.debt_number)


def check_piece(piece: Piece, fiscal_year: int, *, check_keys: bool = True) -> None:
    n = piece.number
    number(n, "IdPce", 8, piece=n)
    try:
        keys.debt_digits(piece.debt_number)
        keys.period_digit(piece.period)
    except FieldError as e:
        raise FieldError(e.message, piece=n, field=e.field, value=e.value) from e
    text(piece.object, "ObjPce", 160, piece=n, required=False)
    if piece.invoice_number is not None:
        pattern(piece.invoice_number, _INVOICE, "NumeroFacture",
                "20 caractères au plus : lettres sans accent, chiffres, espace, - / _ +", piece=n)
    if piece.edition is not None and piece.edition not in ORMC_EDITIONS:
        raise FieldError("un titre ORMC n'admet que l'édition 03 ou 06", piece=n, field="Edition",
                           value=piece.edition)
    if not (len(piece.cle1) == 1 and piece.cle1.isascii() and piece.cle1.isdigit()):
        raise FieldError("clé 1 : un chiffre attendu", piece=n, field="Cle1", value=piece.cle1)
    if check_keys:
        expected = expected_cle2(fiscal_year, piece)
        if piece.cle2 != expected:
            raise FieldError(f"clé 2 fausse : {expected} attendue", piece=n, field="Cle2", value=piece.cle2)
    check_debtor(piece.debtor, n)
    if not piece.lines:
        raise FieldError("un article porte au moins une ligne", piece=n, field="LigneDePiece")
    seen: set[int] = set()
    debits = set()
    for line in piece.lines:
        check_line(line, n, piece.debtor)
        if line.number in seen:
            raise FieldError("numéro de ligne en double", piece=n, field="IdLigne", value=line.number)
        seen.add(line.number)
        if line.debit is not None:
            debits.add(_debit_without_amount(line.debit))
    if len(debits) > 1:
        raise FieldError("les lignes d'un même titre doivent porter les mêmes données de prélèvement",
                           piece=n, field="InfoPrelevementSEPA")


def _debit_without_amount(debit: Debit) -> tuple[object, ...]:
    return (debit.date, debit.sequence, debit.mandate_date, debit.mandate_ref, debit.label, debit.nature,
            debit.periodicity, debit.former_mandate_ref, debit.former_creditor_id, debit.former_creditor_name,
            debit.former_bank, debit.former_iban, debit.different_holder)


def check_roll(roll: Roll, *, check_keys: bool = True) -> None:
    """Every rule of this module over a whole roll; raises the first :class:`FieldError`."""
    check_header(roll.header)
    check_bordereau(roll.bordereau, len(roll.pieces))
    seen: set[int] = set()
    for piece in roll.pieces:
        check_piece(piece, roll.bordereau.fiscal_year, check_keys=check_keys)
        if piece.number in seen:
            raise FieldError("numéro d'article en double dans le rôle", piece=piece.number, field="IdPce")
        seen.add(piece.number)
    amount(roll.total, "MtBordHt")



def check_cle1(roll: Roll, basis: keys.Cle1Basis) -> None:
    """Every ``Cle1`` equals the key computed with the basis agreed with the trésorerie."""
    for piece in roll.pieces:
        expected = keys.ormc_cle1(basis, roll.bordereau.fiscal_year, piece.period, piece.debt_number)
        if piece.cle1 != expected:
            raise FieldError(f"clé 1 fausse : {expected} attendue", piece=piece.number, field="Cle1",
                               value=piece.cle1)
