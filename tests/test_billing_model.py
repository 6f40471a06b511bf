"""The batch's transition table and the typed line item, without a database."""

from datetime import date
from decimal import Decimal

import pytest

from webapp.invoicing.models import BATCH_TRANSITIONS, BatchAction, BatchStatus, LineItem

D = Decimal
NEW, COMPUTED, NUMBERED, EXPORTED = BatchStatus


@pytest.mark.parametrize("status, allowed", [
    (NEW, {BatchAction.COMPUTE, BatchAction.DISCARD}),
    (COMPUTED, {BatchAction.COMPUTE, BatchAction.NUMBER, BatchAction.DISCARD}),
    (NUMBERED, {BatchAction.EXPORT}),
    (EXPORTED, set()),
])
def test_each_status_allows_its_actions_only(status, allowed):
    assert {action for action in BatchAction if status.may(action)} == allowed
    assert {action for action in BatchAction if status.may(action.value)} == allowed  # as templates ask


@pytest.mark.parametrize("status, is_open, computed, numbered", [
    (NEW, True, False, False), (COMPUTED, True, True, False),
    (NUMBERED, False, True, True), (EXPORTED, False, True, True),
])
def test_what_the_pages_and_the_import_ask_of_a_status(status, is_open, computed, numbered):
    assert (status.open, status.computed, status.numbered) == (is_open, computed, numbered)


def test_an_action_leads_to_its_status_and_a_forbidden_one_is_a_programming_error():
    assert [NEW.after(BatchAction.COMPUTE), COMPUTED.after(BatchAction.COMPUTE), COMPUTED.after(BatchAction.NUMBER),
            NUMBERED.after(BatchAction.EXPORT)] == [COMPUTED, COMPUTED, NUMBERED, EXPORTED]
    with pytest.raises(ValueError):
        NEW.after(BatchAction.NUMBER)
    with pytest.raises(ValueError):
        EXPORTED.after(BatchAction.COMPUTE)


def test_every_status_is_reached_by_an_action_the_first_only_by_discarding_the_drafts():
    assert {transition.end for transition in BATCH_TRANSITIONS.values()} == set(BatchStatus)
    assert [action for action, transition in BATCH_TRANSITIONS.items() if transition.end is NEW] == [BatchAction.DISCARD]


@pytest.mark.parametrize("item, stored", [
    (LineItem(date(2026, 3, 2), D("2.10"), attendance_id=7), {"id": 7, "day": "2026-03-02", "amount": "2.10"}),
    (LineItem(date(2026, 3, 3), D("-2.10"), attendance_id=8, billed=D("0.00")),
     {"id": 8, "day": "2026-03-03", "amount": "-2.10", "billed": "0.00"}),
    (LineItem(date(2026, 3, 2), D("-3.50"), consumption_id=4),
     {"consumption": 4, "day": "2026-03-02", "amount": "-3.50"}),
])
def test_a_line_item_keeps_the_stored_json_shape_and_reads_it_back(item, stored):
    assert item.to_json() == stored
    assert LineItem.from_json(stored) == item


def test_an_attendance_counts_as_billed_at_its_amount_or_at_the_regularised_total():
    assert LineItem(date(2026, 3, 2), D("4.20"), attendance_id=1).billed_amount == D("4.20")
    assert LineItem(date(2026, 3, 2), D("-2.10"), attendance_id=1, billed=D("2.10")).billed_amount == D("2.10")
