"""Tenants (organisations) and their cash offices (régies)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.db import Base, Timestamped, enum_column
from webapp.labels import Labelled

if TYPE_CHECKING:
    from webapp.auth.models import Membership


class Country(Labelled):
    FR = "FR", "France"
    BE = "BE", "Belgique"


class OrganisationKind(Labelled):
    COMMUNE = "commune", "Commune"
    SYNDICATE = "syndicat", "Syndicat intercommunal"


class PayfipMode(Labelled):
    """The `saisie` PayFiP expects: a client number moves from test to activation to production."""

    TEST = "T", "Test"
    ACTIVATION = "X", "Activation"
    PRODUCTION = "W", "Production"


class Organisation(Timestamped, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[OrganisationKind] = enum_column(OrganisationKind)
    country: Mapped[Country] = enum_column(Country)
    active: Mapped[bool] = mapped_column(default=True)

    regies: Mapped[list[Regie]] = relationship(
        back_populates="organisation", order_by="Regie.name"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")

    def __str__(self) -> str:
        return self.name


class Regie(Timestamped, Base):
    __tablename__ = "regies"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "name", name="uq_regies_organisation_id_name"),
        sa.UniqueConstraint(
            "organisation_id", "invoice_prefix", name="uq_regies_organisation_id_invoice_prefix"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    address_line: Mapped[str] = mapped_column(sa.String(200), default="")
    postcode: Mapped[str] = mapped_column(sa.String(10), default="")
    city: Mapped[str] = mapped_column(sa.String(80), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    iban: Mapped[str] = mapped_column(sa.String(34))
    bic: Mapped[str] = mapped_column(sa.String(11))
    creditor_id: Mapped[str] = mapped_column(sa.String(35))
    company_number: Mapped[str] = mapped_column(sa.String(14))
    invoice_prefix: Mapped[str] = mapped_column(sa.String(10))
    # What the documents say beyond the figures; empty means the country's wording (webapp/organisations/mentions.py).
    regisseur: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    payment_terms: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    regulation: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    complaints: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The EPC QR code of a transfer on the invoices: always in Belgium, where families pay by transfer.
    transfer_qr: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    payfip_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    payfip_client: Mapped[str] = mapped_column(sa.String(6), default="", server_default="")
    payfip_mode: Mapped[PayfipMode] = enum_column(PayfipMode, default=PayfipMode.TEST, server_default="T")
    # Direct debits: lead times in TARGET2 business days (the bank's defaults: 2), one file or one per
    # sequence, the pain.008 version, and the DFT account when the régie collects through the Trésor public.
    debit_lead_first: Mapped[int] = mapped_column(default=2, server_default="2")
    debit_lead_recurrent: Mapped[int] = mapped_column(default=2, server_default="2")
    debit_single_file: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    sepa_version: Mapped[str] = mapped_column(sa.String(2), default="02", server_default="02")
    dft_iban: Mapped[str] = mapped_column(sa.String(34), default="", server_default="")
    # Treasury (mise en titre, ORMC): the codes Hélios knows the budget by, and when a debt goes to it.
    treasury_office: Mapped[str] = mapped_column(sa.String(7), default="", server_default="")
    treasury_collectivity: Mapped[str] = mapped_column(sa.String(3), default="", server_default="")
    treasury_budget: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")
    treasury_product: Mapped[str] = mapped_column(sa.String(4), default="", server_default="")
    titles_after_days: Mapped[int] = mapped_column(default=60, server_default="60")
    debtor_category: Mapped[str] = mapped_column(sa.String(2), default="01", server_default="01")  # CatTiers
    debtor_legal_nature: Mapped[str] = mapped_column(sa.String(2), default="01", server_default="01")  # NatJur
    title_signatory: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    title_mentions: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Rolls (communes whose treasury collects the whole lot): "" none, "pes" ORMC, "rolmre" legacy; ROLCOL/ROLNAT
    # (the ORMC Cle1 inputs) and ROLREC, as agreed with the trésorerie.
    roll_format: Mapped[str] = mapped_column(sa.String(6), default="", server_default="")
    roll_collectivity: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")
    roll_nature: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")
    roll_revenue: Mapped[str] = mapped_column(sa.String(2), default="", server_default="")

    organisation: Mapped[Organisation] = relationship(back_populates="regies")

    def __str__(self) -> str:
        return self.name
