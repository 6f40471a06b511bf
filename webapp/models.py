"""Every model, imported once so the metadata is complete for Alembic and the tests."""

from webapp.attendance.models import Attendance
from webapp.audit.models import AuditEntry
from webapp.auth.models import Invitation, LoginAttempt, Membership, User
from webapp.bank.models import BankMovement, BankStatement
from webapp.counter.models import (
    Account, AccountEntry, Allocation, Cancellation, CashClosing, CashReopening, DepositSlip, Payment,
    SchoolYearClosure, SlipItem, WriteOff,
)
from webapp.db import Base
from webapp.debits.models import BankReject, DebitFile, DebitRun, DebitRunItem, DebtorAccount, Mandate
from webapp.families.models import Child, Family, Guardian
from webapp.imports.models import ConsumptionImport, ImportedConsumption
from webapp.jobs.models import Job
from webapp.invoicing.models import Batch, BillingPeriod, Invoice, InvoiceLine, InvoiceNotice
from webapp.numbering import NumberSequence
from webapp.online.models import OnlinePayment
from webapp.organisations.models import Organisation, Regie
from webapp.plans.models import PaymentPlan, PlanInstalment, PlanInvoice
from webapp.reminders.models import (
    FamilyAtBailiff, InvoiceDispute, RemindedInvoice, Reminder, ReminderEmail, ReminderLevel, ReminderRun,
)
from webapp.submissions import Submission
from webapp.tariffs.models import Activity, ChildDiscount, Discount, FamilyFee, Tariff
from webapp.treasury.models import RollExport, TitledInvoice, TitleRun, TreasuryTitle

metadata = Base.metadata

__all__ = [
    "Activity", "Attendance", "Batch", "BillingPeriod", "Invoice", "NumberSequence", "InvoiceLine", "Tariff",
    "AuditEntry", "BankMovement", "BankStatement", "InvoiceNotice", "Job", "ConsumptionImport", "ImportedConsumption", "ChildDiscount", "Discount", "FamilyFee", "Child", "Family", "Guardian", "Invitation", "LoginAttempt", "Membership",
    "Organisation", "Regie", "User", "metadata", "Account", "AccountEntry", "Allocation", "Cancellation",
    "CashClosing", "CashReopening", "DepositSlip", "Payment", "SchoolYearClosure", "SlipItem", "Submission", "WriteOff",
    "OnlinePayment",
    "BankReject", "DebitFile", "DebitRun", "DebitRunItem", "DebtorAccount", "Mandate",
    "RollExport", "TitleRun", "TitledInvoice", "TreasuryTitle",
    "FamilyAtBailiff", "InvoiceDispute", "RemindedInvoice", "Reminder", "ReminderEmail", "ReminderLevel",
    "ReminderRun", "PaymentPlan", "PlanInstalment", "PlanInvoice",
]
