"""Every model, imported once so the metadata is complete for Alembic and the tests."""

from webapp.audit.models import AuditEntry
from webapp.auth.models import LoginAttempt, Membership, User
from webapp.db import Base
from webapp.families.models import Child, Family, Guardian
from webapp.organisations.models import Organisation, Regie

metadata = Base.metadata

__all__ = [
    "AuditEntry", "Child", "Family", "Guardian", "LoginAttempt", "Membership",
    "Organisation", "Regie", "User", "metadata",
]
