"""What each country asks an invoice to say beyond its figures. A régie's own wording (its settings) wins; these
are the words printed while it has none, so a new régie's documents are complete from the first day."""

from __future__ import annotations

from webapp.organisations.models import Country, Regie

DEFAULTS: dict[Country, dict[str, str]] = {
    Country.FR: {
        "payment_terms": "Moyens de paiement acceptés : espèces, chèque à l'ordre du Trésor public, carte bancaire, "
                         "virement. Où payer : au guichet de la régie, aux heures d'ouverture.",
        "regulation": "",
        "complaints": "",
    },
    Country.BE: {
        "payment_terms": "Paiement par virement avec la communication structurée, ou au guichet de la régie.",
        "regulation": "Redevance établie par le règlement-redevance adopté par le conseil communal.",
        "complaints": "Toute réclamation est adressée par écrit au Collège communal, à l'adresse de la régie, "
                      "dans les 30 jours de l'envoi de cette facture.",
    },
}


def mention(regie: Regie, name: str) -> str:
    """The régie's wording for `name`, else its country's."""
    return (getattr(regie, name) or "").strip() or DEFAULTS[regie.organisation.country][name]
