"""family tariff categories spelt as the tariffs spell them

Revision ID: 06dce6faa860
Revises: 56978bd243d9
Create Date: 2026-12-05 18:00:00

Families' categories were typed freely, and billing compares them exactly with the tariffs': « hors commune »
found no tariff made for « Hors commune ». A family's category that differs from one of its organisation's
tariff categories only by case, accents or spaces takes the tariff's spelling. Any other stays as it is (the
family form shows it as a category no tariff provides, kept until someone changes it).
"""

import unicodedata

import sqlalchemy as sa
from alembic import op


revision = '06dce6faa860'
down_revision = '56978bd243d9'
branch_labels = None
depends_on = None


def _key(value):
    """The same folding as webapp.text.fold, with the spaces evened out; kept here as it is today."""
    decomposed = unicodedata.normalize("NFKD", " ".join(value.split()))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def upgrade():
    conn = op.get_bind()
    spellings = {}
    for organisation_id, category in conn.execute(sa.text(
            "SELECT DISTINCT regies.organisation_id, tariffs.category FROM tariffs"
            " JOIN activities ON activities.id = tariffs.activity_id JOIN regies ON regies.id = activities.regie_id"
            " WHERE tariffs.category <> '' ORDER BY tariffs.category")):
        spellings.setdefault((organisation_id, _key(category)), category)
    families = conn.execute(sa.text(
        "SELECT id, organisation_id, tariff_category FROM families WHERE tariff_category <> ''")).all()
    for family_id, organisation_id, category in families:
        spelt = spellings.get((organisation_id, _key(category)))
        if spelt is not None and spelt != category:
            conn.execute(sa.text("UPDATE families SET tariff_category = :category WHERE id = :id"),
                         {"category": spelt, "id": family_id})


def downgrade():
    pass  # the tariffs' spelling is as good a category as the one typed before
