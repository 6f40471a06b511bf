"""The CODA record layouts, version 2 and where version 1 differs.

Positions are 1-based and inclusive as in the Febelfin tables (see
``shared/formats/coda.md``). Only fields that carry data are declared; the
rest is blank. Fields marked ``read=False`` (next and link codes, the paper
statement number of a movement) are computed by the writer and not read.
"""

from __future__ import annotations

from .fields import Field as F
from .fields import Layout

RECORD = 128

SEQUENCE = (F("sequence", 3, 4, "int", "numéro de séquence"), F("detail", 7, 4, "int", "numéro de détail"))

HEADER = Layout(
    "0",
    RECORD,
    F("zeros", 2, 4, "digits", "zéros"),
    F("creation_date", 6, 6, "date", "date de création"),
    F("bank_id", 12, 3, "text", "numéro d'identification de la banque"),
    F("application", 15, 2, "digits", "code d'application"),
    F("duplicate", 17, 1, "text", "code duplicata"),
    F("file_reference", 25, 10, "text", "référence du fichier"),
    F("addressee", 35, 26, "text", "nom du destinataire"),
    F("bic", 61, 11, "text", "BIC de la banque"),
    F("holder_id", 72, 11, "text", "numéro d'identification du titulaire"),
    F("separate_application", 84, 5, "text", "code application séparée"),
    F("transaction_reference", 89, 16, "text", "référence de transaction"),
    F("related_reference", 105, 16, "text", "référence liée"),
    F("version", 128, 1, "int", "version"),
)

OLD_BALANCE = Layout(
    "1",
    RECORD,
    F("structure", 2, 1, "int", "structure du compte"),
    F("number", 3, 3, "int", "numéro d'extrait"),
    F("account_block", 6, 37, "text", "compte et devise"),
    F("debit", 43, 1, "sign", "signe de l'ancien solde"),
    F("balance", 44, 15, "amount", "ancien solde"),
    F("balance_date", 59, 6, "date", "date de l'ancien solde"),
    F("holder", 65, 26, "text", "nom du titulaire"),
    F("description", 91, 35, "text", "description du compte"),
    F("coda_number", 126, 3, "int", "numéro de séquence CODA"),
)

NEW_BALANCE = Layout(
    "8",
    RECORD,
    F("number", 2, 3, "int", "numéro d'extrait"),
    F("account_block", 5, 37, "text", "compte et devise"),
    F("debit", 42, 1, "sign", "signe du nouveau solde"),
    F("balance", 43, 15, "amount", "nouveau solde"),
    F("balance_date", 58, 6, "date", "date du nouveau solde"),
    F("link", 128, 1, "text", "code de liaison", read=False),
)

# The 37-character account block of records 1 and 8, by account structure
# (0 Belgian BBAN, 1 foreign BBAN, 2 Belgian IBAN, 3 foreign IBAN); version 1
# has only the Belgian number and the currency.
_ACCOUNT = F("account", 1, 34, "text", "numéro de compte")
_CURRENCY_LONG = F("currency", 35, 3, "text", "devise")
_BBAN = (F("account", 1, 12, "text", "numéro de compte"), F("currency", 14, 3, "text", "devise"))
ACCOUNT_BLOCKS = {
    0: Layout("", 37, *_BBAN, F("country", 17, 3, "text", "qualification et pays")),
    1: Layout("", 37, _ACCOUNT, _CURRENCY_LONG),
    2: Layout("", 37, F("account", 1, 16, "text", "IBAN"), _CURRENCY_LONG),
    3: Layout("", 37, _ACCOUNT, _CURRENCY_LONG),
}
ACCOUNT_BLOCK_V1 = Layout("", 37, *_BBAN)

MOVEMENT = Layout(
    "21",
    RECORD,
    *SEQUENCE,
    F("bank_reference", 11, 21, "text", "référence bancaire"),
    F("debit", 32, 1, "sign", "signe du montant"),
    F("amount", 33, 15, "amount", "montant"),
    F("value_date", 48, 6, "date", "date valeur"),
    F("transaction_code", 54, 8, "digits", "code de transaction"),
    F("structured", 62, 1, "int", "code structure de la communication"),
    F("communication", 63, 53, "raw", "communication"),
    F("entry_date", 116, 6, "date", "date de comptabilisation"),
    F("paper_number", 122, 3, "text", "numéro d'extrait papier", read=False),
    F("globalisation_code", 125, 1, "int", "code de globalisation"),
    F("next", 126, 1, "text", "code suite", read=False),
    F("link", 128, 1, "text", "code de liaison", read=False),
)

MOVEMENT_2 = Layout(
    "22",
    RECORD,
    *SEQUENCE,
    F("communication", 11, 53, "raw", "communication (suite)"),
    F("customer_reference", 64, 35, "text", "référence du client"),
    F("counterparty_bic", 99, 11, "text", "BIC de la contrepartie"),
    F("r_type", 113, 1, "text", "type de R-transaction"),
    F("reason", 114, 4, "text", "code motif ISO"),
    F("category_purpose", 118, 4, "text", "catégorie de l'objet"),
    F("purpose", 122, 4, "text", "objet"),
    F("next", 126, 1, "text", "code suite", read=False),
    F("link", 128, 1, "text", "code de liaison", read=False),
)

# Record 2.3: a blank at position 23 means a Belgian BBAN (account 11–22,
# currency 24–26); otherwise an IBAN or foreign account (11–44, currency 45–47).
_NAME = F("counterparty_name", 48, 35, "text", "nom de la contrepartie")
_COMMUNICATION_3 = F("communication", 83, 43, "raw", "communication (suite)")
_LINK = F("link", 128, 1, "text", "code de liaison", read=False)
_COUNTERPARTY_BBAN = (
    F("counterparty_account", 11, 12, "text", "compte de la contrepartie"),
    F("counterparty_currency", 24, 3, "text", "devise de la contrepartie"),
)
MOVEMENT_3 = Layout("23", RECORD, *SEQUENCE, *_COUNTERPARTY_BBAN, _NAME, _COMMUNICATION_3, _LINK)
MOVEMENT_3_LONG = Layout(
    "23",
    RECORD,
    *SEQUENCE,
    F("counterparty_account", 11, 34, "text", "compte de la contrepartie"),
    F("counterparty_currency", 45, 3, "text", "devise de la contrepartie"),
    _NAME,
    _COMMUNICATION_3,
    _LINK,
)
# Version 1: Belgian account only, a longer name and no communication.
MOVEMENT_3_V1 = Layout(
    "23",
    RECORD,
    *SEQUENCE,
    *_COUNTERPARTY_BBAN,
    F("counterparty_name", 48, 78, "text", "nom de la contrepartie"),
    _LINK,
)
BBAN_LENGTH = 12

INFORMATION = Layout(
    "31",
    RECORD,
    *SEQUENCE,
    F("bank_reference", 11, 21, "text", "référence bancaire"),
    F("transaction_code", 32, 8, "digits", "code de transaction"),
    F("structured", 40, 1, "int", "code structure de la communication"),
    F("communication", 41, 73, "raw", "communication"),
    F("next", 126, 1, "text", "code suite", read=False),
    F("link", 128, 1, "text", "code de liaison", read=False),
)

INFORMATION_2 = Layout(
    "32",
    RECORD,
    *SEQUENCE,
    F("communication", 11, 105, "raw", "communication (suite)"),
    F("next", 126, 1, "text", "code suite", read=False),
    F("link", 128, 1, "text", "code de liaison", read=False),
)

INFORMATION_3 = Layout(
    "33",
    RECORD,
    *SEQUENCE,
    F("communication", 11, 90, "raw", "communication (suite)"),
    F("next", 126, 1, "text", "code suite", read=False),
    F("link", 128, 1, "text", "code de liaison", read=False),
)

FREE = Layout(
    "4 ",
    RECORD,
    *SEQUENCE,
    F("text", 33, 80, "text", "communication libre"),
    F("link", 128, 1, "text", "code de liaison", read=False),
)

TRAILER = Layout(
    "9",
    RECORD,
    F("count", 17, 6, "int", "nombre d'enregistrements"),
    F("debit", 23, 15, "amount", "total des débits"),
    F("credit", 38, 15, "amount", "total des crédits"),
    F("last", 128, 1, "text", "code fichier multiple", read=False),
)

# Widths of the communication pieces of a movement (2.1, 2.2, 2.3) and of an
# information (3.1, 3.2, 3.3); a structured communication starts with its
# 3-digit type, which takes that much room from the first piece.
MOVEMENT_PIECES = (53, 53, 43)
MOVEMENT_PIECES_V1 = (53, 53)
INFORMATION_PIECES = (73, 105, 90)
STRUCTURED_TYPE = 3
