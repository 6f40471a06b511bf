from dataclasses import replace
from datetime import date, timedelta

import pytest
from conftest import make_batch, make_tx
from hypothesis import given, settings
from hypothesis import strategies as st

from regie_sepa import rules
from regie_sepa.errors import FieldError, MandateError
from regie_sepa.records import Amendment, Debtor, Mandate, MandateInfo, MandateStatus, Sequence

DEBTOR = Debtor("Mme Dupont", "FR7630004000010001234567830", "BNPAFRPP")
SAME_BANK = "FR7630004000010009876543240"  # BNP (30004), another account
OTHER_BANK = "FR7630006000011234567890189"  # Crédit agricole (30006)


def mandate(**changes) -> Mandate:
    return replace(Mandate("RUM-000000001", date(2024, 3, 10), DEBTOR), **changes)


def collected(on: date = date(2026, 10, 6), **changes) -> Mandate:
    return mandate(last_collection_date=on, last_sequence=Sequence.RCUR, **changes)


def test_same_bank_fixture_is_a_valid_iban():
    assert rules.same_bank(DEBTOR.iban, SAME_BANK)
    assert not rules.same_bank(DEBTOR.iban, OTHER_BANK)
    assert not rules.same_bank(DEBTOR.iban, "BE68539007547034")


def test_same_bank_refuses_bad_iban():
    with pytest.raises(FieldError):
        rules.same_bank(DEBTOR.iban, "FR00")


class TestSequence:
    def test_first_when_never_collected(self):
        assert rules.next_sequence(mandate()) is Sequence.FIRST

    def test_rcur_after_a_collection(self):
        assert rules.next_sequence(collected()) is Sequence.RCUR

    def test_first_after_a_change_of_bank(self):
        assert rules.next_sequence(rules.change_account(collected(), OTHER_BANK)) is Sequence.FIRST

    def test_rcur_only_creditor(self):
        assert rules.next_sequence(mandate(), rcur_only=True) is Sequence.RCUR

    def test_one_off(self):
        assert rules.next_sequence(mandate(one_off=True)) is Sequence.OOFF


class TestCaducity:
    def test_never_used_counts_from_signature(self):
        m = mandate(signed_on=date(2023, 11, 23))
        assert rules.expiry_date(m) == date(2026, 11, 23)
        assert not rules.is_lapsed(m, date(2026, 11, 23))
        assert rules.is_lapsed(m, date(2026, 11, 24))

    def test_counts_from_the_last_collection_due_date(self):
        m = collected(date(2024, 2, 29))
        assert rules.expiry_date(m) == date(2027, 2, 28)
        assert rules.status_on(m, date(2027, 3, 1)) == "lapsed"
        assert rules.status_on(m, date(2027, 2, 28)) == "active"

    def test_lapses_within(self):
        m = collected(date(2024, 1, 10))
        assert rules.lapses_within(m, date(2026, 12, 11), 30)
        assert not rules.lapses_within(m, date(2026, 12, 10), 30)
        assert not rules.lapses_within(m, date(2027, 2, 1), 30)  # already lapsed

    @pytest.mark.parametrize("status", [MandateStatus.REVOKED, MandateStatus.CLOSED])
    def test_stored_status_wins(self, status):
        assert rules.status_on(collected(status=status), date(2026, 11, 1)) == status.value

    def test_check_collectable(self):
        rules.check_collectable(collected(), date(2026, 12, 8))
        with pytest.raises(MandateError, match="caduc"):
            rules.check_collectable(collected(date(2022, 1, 3)), date(2026, 12, 8))
        with pytest.raises(MandateError, match="révoqué"):
            rules.check_collectable(collected(status=MandateStatus.REVOKED), date(2026, 12, 8))

    def test_batch_check_names_the_transaction(self):
        tx = make_tx(4, day=date(2026, 12, 8))
        rules.check_batch_mandates([tx], {"RUM-000000004": date(2024, 1, 5), "other": None})
        with pytest.raises(MandateError) as caught:
            rules.check_batch_mandates([tx], {"RUM-000000004": date(2023, 12, 7)})
        assert caught.value.transaction == "F26-11-0000004"
        with pytest.raises(MandateError):  # never used, signed 2026-09-01: fine; signed long ago: lapsed
            rules.check_batch_mandates([replace(tx, mandate=MandateInfo("R", date(2023, 1, 2)))], {"R": None})

    def test_never_used_first_lapses_from_its_signature_without_a_last_date(self):
        """A FIRST says the mandate was never used: caducity counts from the signature even when the
        caller gave no last collection date (fail closed)."""
        old = make_tx(4, day=date(2026, 12, 8), sequence=Sequence.FIRST, mandate=MandateInfo("R", date(2023, 12, 7)))
        with pytest.raises(MandateError, match="caduc") as caught:
            rules.check_batch_mandates([old], {})
        assert caught.value.transaction == "F26-11-0000004"
        rules.check_batch_mandates([replace(old, mandate=MandateInfo("R", date(2023, 12, 8)))], {})
        # a FIRST after a change of bank was used before: without its last date it is not judged
        smnda = replace(old, mandate=MandateInfo("R", date(2023, 12, 7), Amendment(new_bank=True)))
        rules.check_batch_mandates([smnda], {})
        rules.check_batch_mandates([replace(old, sequence=Sequence.RCUR)], {})


class TestChangeAccount:
    def test_another_bank_means_smnda(self):
        m = rules.change_account(collected(), OTHER_BANK, "AGRIFRPP")
        assert m.amendment == Amendment(new_bank=True)
        assert (m.debtor.iban, m.debtor.bic) == (OTHER_BANK, "AGRIFRPP")

    def test_same_bank_reports_the_original_account(self):
        m = rules.change_account(collected(), SAME_BANK)
        assert m.amendment == Amendment(original_iban=DEBTOR.iban)
        assert rules.next_sequence(m) is Sequence.RCUR

    def test_two_changes_report_the_account_last_presented(self):
        m = rules.change_account(rules.change_account(collected(), SAME_BANK), "FR7630004000010005555555535")
        assert m.amendment == Amendment(original_iban=DEBTOR.iban)

    def test_going_back_reports_nothing(self):
        m = rules.change_account(rules.change_account(collected(), SAME_BANK), DEBTOR.iban)
        assert m.amendment is None

    def test_bank_change_is_sticky_until_collected(self):
        m = rules.change_account(rules.change_account(collected(), OTHER_BANK), DEBTOR.iban)
        assert m.amendment == Amendment(new_bank=True)

    def test_other_pending_amendments_are_kept(self):
        m = collected(amendment=Amendment(original_reference="OLD-1"))
        assert rules.change_account(m, OTHER_BANK).amendment == Amendment(original_reference="OLD-1", new_bank=True)

    def test_never_collected_needs_no_amendment(self):
        assert rules.change_account(mandate(), OTHER_BANK).amendment is None

    def test_same_iban_changes_only_the_bic(self):
        m = rules.change_account(collected(), "fr76 3000 4000 0100 0123 4567 830", None)
        assert m.amendment is None and m.debtor.bic is None

    def test_mandate_info_carries_the_amendment(self):
        m = rules.change_account(collected(), OTHER_BANK)
        assert rules.mandate_info(m) == MandateInfo(m.reference, m.signed_on, Amendment(new_bank=True))


class TestReferences:
    def test_make_and_next(self):
        assert rules.make_reference(1) == "RUM-000000001"
        assert rules.next_reference([]) == "RUM-000000001"
        assert rules.next_reference(["MIG-RUM-000000005"], migrated=True) == "MIG-RUM-000000006"
        assert rules.next_reference(["RUM-ABC", "OTHER-000000009"]) == "RUM-000000001"

    def test_bad_references(self):
        with pytest.raises(FieldError):
            rules.make_reference(-1)
        with pytest.raises(FieldError):
            rules.make_reference(1, prefix="X" * 30)
        with pytest.raises(FieldError):
            rules.make_reference(1, prefix="É")


class TestTransmitAndRollback:
    def test_advance_only_for_mandates_in_the_file(self):
        first, other = mandate(), collected()
        tx = make_tx(1, sequence=Sequence.FIRST, mandate=MandateInfo(first.reference, first.signed_on))
        advanced, untouched = rules.mark_transmitted([first, other], [tx])
        assert untouched is other
        assert (advanced.last_collection_date, advanced.last_sequence) == (tx.collection_date, Sequence.FIRST)
        assert rules.next_sequence(advanced) is Sequence.RCUR
        assert advanced.previous == first.state

    @pytest.mark.parametrize("sequence", [Sequence.FNAL, Sequence.OOFF])
    def test_final_collections_close(self, sequence):
        m = rules.record_collection(collected(), date(2026, 12, 8), sequence)
        assert m.status is MandateStatus.CLOSED

    def test_amendment_is_cleared_once_sent(self):
        m = rules.record_collection(rules.change_account(collected(), OTHER_BANK), date(2026, 12, 8), Sequence.FIRST)
        assert m.amendment is None and rules.next_sequence(m) is Sequence.RCUR

    def test_unknown_or_duplicate_mandate(self):
        tx = make_tx(1, mandate=MandateInfo("RUM-000000001", date(2024, 3, 10)))
        with pytest.raises(MandateError, match="deux fois"):
            rules.mark_transmitted([mandate()], [tx, replace(tx, end_to_end_id="E2")])
        with pytest.raises(MandateError, match="inconnu"):
            rules.mark_transmitted([], [tx])

    def test_rollback_reports(self):
        day = date(2026, 12, 8)
        sent = rules.record_collection(collected(), day, Sequence.RCUR)
        again = replace(rules.record_collection(sent, date(2027, 1, 8), Sequence.RCUR), reference="R2")
        settled = replace(rules.settle(sent), reference="R3")
        result = rules.rollback([sent, again, settled, mandate(reference="R4")], {(Sequence.RCUR, day)})
        assert result.restored == ("RUM-000000001",)
        assert result.collected_since == ("R2",)
        assert result.unrestorable == ("R3",)
        assert result.mandates[0] == collected()
        assert result.mandates[1:] == (again, settled, mandate(reference="R4"))

    def test_rollback_with_collections_of_a_batch(self):
        batch = make_batch(make_tx(1, sequence=Sequence.FIRST), make_tx(2, day=date(2026, 12, 10)))
        assert rules.collections(batch) == {(Sequence.FIRST, date(2026, 12, 8)), (Sequence.RCUR, date(2026, 12, 10))}


BASE = date(2022, 1, 3)


@st.composite
def histories(draw) -> list[Mandate]:
    """Mandates with a realistic past: some collected (and transmitted) several times, some settled."""
    count = draw(st.integers(1, 8))
    result = []
    for n in range(count):
        m = Mandate(f"RUM-{n:09d}", BASE, DEBTOR, one_off=draw(st.booleans()))
        day = BASE
        for _ in range(draw(st.integers(0, 4))):
            day += timedelta(days=draw(st.integers(1, 200)))
            if m.status is MandateStatus.ACTIVE:
                if draw(st.booleans()):
                    m = rules.change_account(m, draw(st.sampled_from([SAME_BANK, OTHER_BANK, DEBTOR.iban])))
                m = rules.record_collection(m, day, rules.next_sequence(m))
                if draw(st.booleans()):
                    m = rules.settle(m)
        result.append(m)
    return result


@settings(max_examples=150, deadline=None)
@given(histories(), st.data())
def test_collect_then_rollback_gives_back_the_same_mandates(mandates, data):
    """Transmit a FIRST + RCUR file (dates after every past collection), then roll it back."""
    first_day, rcur_day = date(2026, 12, 8), date(2026, 12, 10)
    active = [m for m in mandates if m.status is MandateStatus.ACTIVE]
    chosen = data.draw(st.lists(st.sampled_from(active), unique_by=lambda m: m.reference) if active else st.just([]))
    txs = []
    for n, m in enumerate(chosen):
        sequence = rules.next_sequence(m)
        day = rcur_day if sequence is Sequence.RCUR else first_day
        txs.append(make_tx(n + 1, sequence=sequence, day=day, mandate=rules.mandate_info(m)))
    transmitted = rules.mark_transmitted(mandates, txs)
    result = rules.rollback(transmitted, {(Sequence.FIRST, first_day), (Sequence.OOFF, first_day),
                                          (Sequence.RCUR, rcur_day)})
    assert list(result.mandates) == mandates
    assert set(result.restored) == {m.reference for m in chosen}
    assert result.collected_since == () and result.unrestorable == ()
