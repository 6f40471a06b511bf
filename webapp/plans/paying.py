"""A plan's reference pays its invoices while the plan is in force: the bank statements read every reference of a
régie, the family search and the counter find a plan from the reference its schedule prints (a structured
communication in Belgium, its number in France). A cancelled plan's reference pays nothing."""

from webapp.counter.references import document_source
from webapp.plans.models import PaymentPlan, PlanInvoice, PlanStatus

SOURCE = document_source("cet échéancier", "ECH", "Échéancier", PaymentPlan, PlanInvoice,
                         PaymentPlan.status == PlanStatus.IN_FORCE)
