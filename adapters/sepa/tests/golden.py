"""The batch behind the golden files ``samples/golden_02.xml`` and ``golden_08.xml``.

Regenerate after a reviewed change: ``python tests/golden.py`` from the package folder.
"""

from __future__ import annotations

from datetime import date

from conftest import SAMPLES, make_batch, make_tx

from regie_sepa.records import Address, Amendment, Debtor, Party, Sequence, Version
from regie_sepa.writer import write

GOLDEN = make_batch(
    make_tx(1, sequence=Sequence.FIRST,
            debtor=Debtor("Mme Helene Dupont", "FR7630004000010001234567830", "BNPAFRPP",
                          Address("Marville", "FR", "Rue des Ecoles", "12", "01234"))),
    make_tx(2, amount="18.00", bic=None,
            amendment=Amendment(original_iban="FR7630006000011234567890189")),
    make_tx(3, amount="63.20", sequence=Sequence.FIRST, amendment=Amendment(new_bank=True),
            debtor=Debtor("Mme Aicha Benali", "FR1420041010050500013M02606", None,
                          Address("Marville", "FR", lines=("3 chemin du Lavoir",)))),
    make_tx(4, amount="7.05", day=date(2026, 12, 10),
            amendment=Amendment(original_reference="OLD-42", original_creditor_id="FR76ZZZ000000",
                                original_creditor_name="Ancienne regie")),
    make_tx(5, amount="99.99", sequence=Sequence.FNAL, remittance=None),
    make_tx(6, amount="5.00", sequence=Sequence.OOFF),
    ultimate_creditor=Party("Commune de Marville", "73282932000074"),
)

FILES = {Version.V02: SAMPLES / "golden_02.xml", Version.V08: SAMPLES / "golden_08.xml"}

if __name__ == "__main__":
    for version, path in FILES.items():
        path.write_bytes(write(GOLDEN, version))
