"""The treasury: mise en titre of unpaid debts."""

from webapp.auth.access import tenant_blueprint

bp = tenant_blueprint("treasury", __name__, "/tresor")
