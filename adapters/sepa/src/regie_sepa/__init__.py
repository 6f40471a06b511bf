"""SEPA direct-debit files (pain.008, pain.002), mandates and sequences.

The names below are the public API; see the README for a walk-through.
"""

from importlib.metadata import version

from .build import build_files
from .dates import LeadTime, check_collection_date, earliest_collection_date, is_business_day
from .errors import CollectionDateError, FileFormatError, FieldError, MandateError, SchemaError, SepaError
from .reader import read, validate
from .records import (Address, Amendment, Batch, Creditor, Debtor, Mandate, MandateInfo, MandateState,
                      MandateStatus, Party, Sequence, Transaction, Version)
from .rejects import Reason, Reject, StatusReport, read_status_report, rejected_transactions
from .writer import write, write_files

__version__ = version("regie-sepa")

__all__ = [
    "Address", "Amendment", "Batch", "CollectionDateError", "Creditor", "Debtor", "FileFormatError",
    "FieldError", "LeadTime", "Mandate", "MandateError", "MandateInfo", "MandateState", "MandateStatus",
    "Party", "Reason", "Reject", "SchemaError", "SepaError", "Sequence", "StatusReport", "Transaction",
    "Version", "build_files", "check_collection_date", "earliest_collection_date", "is_business_day", "read",
    "read_status_report", "rejected_transactions", "validate", "write", "write_files",
]
