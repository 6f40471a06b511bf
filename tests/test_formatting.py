from datetime import date
from decimal import Decimal

from webapp import formatting


def test_french_money_and_dates(app):
    with app.test_request_context():
        # Babel groups with a narrow no-break space and puts a no-break space before the euro sign.
        assert formatting.money(Decimal("1234.5")).replace("\u202f", " ").replace("\xa0", " ") == "1 234,50 €"
        assert formatting.money(Decimal("9")).replace("\xa0", " ") == "9,00 €"
        assert formatting.short_date(date(2026, 1, 31)) == "31/01/2026"
        assert formatting.iban("FR7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"


def test_a_negative_amount_has_a_real_minus_sign(app):
    with app.test_request_context():
        assert formatting.money(Decimal("-5")).replace("\xa0", " ") == "\u22125,00 €"
        assert formatting.money("-78.00").replace("\xa0", " ") == "\u221278,00 €"  # as the audit log keeps it
        assert formatting.money(Decimal("-1234.50")) == "\u22121\u202f234,50\xa0€"


def test_de_elides_before_a_vowel_or_a_mute_h():
    from webapp.text import de

    assert de("Arthur") == "d'Arthur" and de("Ambre") == "d'Ambre" and de("Éloïse") == "d'Éloïse"
    assert de("Hélène") == "d'Hélène" and de("Yves") == "d'Yves"
    assert de("Paul") == "de Paul" and de("Hugo") == "de Hugo" and de("") == "de "
