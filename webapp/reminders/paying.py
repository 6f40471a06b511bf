"""A reminder's reference pays its invoices (its fee invoice last): the bank statements read every reference of a
régie, the family search and the counter find a reminder from the reference its letter prints (a structured
communication in Belgium, its number in France)."""

from webapp.counter.references import document_source
from webapp.reminders.models import RemindedInvoice, Reminder

SOURCE = document_source("cette relance", "REL", "Relance", Reminder, RemindedInvoice)
