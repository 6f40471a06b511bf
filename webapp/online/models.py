"""PayFiP operations: one row per idOp the service gave us, kept whatever became of it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.counter.models import MONEY, Payment
from webapp.db import Base, enum_column, utcnow
from webapp.invoicing.models import Invoice
from webapp.organisations.models import PayfipMode
from webapp.labels import Labelled


class OnlineStatus(Labelled):
    PENDING = "en_cours", "En cours"
    PAID = "payee", "Payée"
    REFUSED = "refusee", "Refusée"
    CANCELLED = "abandonnee", "Abandonnée"
    EXPIRED = "expiree", "Expirée"

    @property
    def final(self) -> bool:
        return self is not OnlineStatus.PENDING


class OnlinePayment(Base):
    """A PayFiP operation for what an invoice still owed when the family clicked « Payer en ligne ». Its result
    comes only from PayFiP's own answer to `recupererDetailPaiementSecurise`, never from the notification."""

    __tablename__ = "online_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    regie_id: Mapped[int] = mapped_column(sa.ForeignKey("regies.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    idop: Mapped[str] = mapped_column(sa.String(64), unique=True)
    refdet: Mapped[str] = mapped_column(sa.String(30), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    mode: Mapped[PayfipMode] = enum_column(PayfipMode)
    status: Mapped[OnlineStatus] = enum_column(OnlineStatus, default=OnlineStatus.PENDING)
    # PayFiP's resultrans (P, V, R, Z, A) or its error code (P1, P5 …), as last read.
    result: Mapped[str] = mapped_column(sa.String(10), default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"), unique=True)

    invoice: Mapped[Invoice] = relationship()
    payment: Mapped[Payment | None] = relationship()

    def __str__(self) -> str:
        return f"Paiement en ligne {self.refdet}"
