import json
from datetime import date, datetime

from conftest import EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

from regie_sepa.build import build_files
from regie_sepa.errors import SepaError
from regie_sepa.jsonio import batch_from_json, batch_to_json, mandate_from_json

EXAMPLE = json.loads((EXAMPLES / "batch.json").read_text())
NOW = datetime(2026, 11, 23, 9, 0)


def leaves(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from leaves(value, (*path, index))
    yield path


PATHS = list(leaves(EXAMPLE))
values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                      max_leaves=5)


def replaced(data, path, value):
    if not path:
        return value
    copy = json.loads(json.dumps(data))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(PATHS), values)
def test_any_json_value_gives_a_batch_or_a_sepa_error(path, value):
    data = replaced(EXAMPLE, path, value)
    try:
        batch, last = batch_from_json(data, NOW)
        build_files(batch, last_collections=last)
    except SepaError:
        pass


def test_example_round_trips_through_json():
    batch, last = batch_from_json(EXAMPLE, NOW)
    assert batch_from_json(batch_to_json(batch), NOW)[0] == batch
    assert last == {"RUM-000000001": None, "RUM-000000002": date(2026, 11, 6), "RUM-000000003": date(2026, 10, 6)}


def test_defaults_for_message_id_and_creation_time():
    data = {key: value for key, value in EXAMPLE.items() if key not in ("message_id", "created_at")}
    batch, _ = batch_from_json(data, NOW)
    assert (batch.message_id, batch.created_at) == ("REGIE-20261123090000", NOW)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(leaves(json.loads((EXAMPLES / "mandates.json").read_text())["mandates"][1])))
       .filter(bool), values)
def test_any_mandate_value_gives_a_mandate_or_a_sepa_error(path, value):
    mandate = json.loads((EXAMPLES / "mandates.json").read_text())["mandates"][1]
    try:
        mandate_from_json(replaced(mandate, path, value), 0)
    except SepaError:
        pass


def test_a_huge_json_value_is_quoted_cut():
    data = json.loads(json.dumps(EXAMPLE))
    data["transactions"][0]["amount"] = "9" * 100 + "x" * 1_000_000
    data["transactions"][0]["end_to_end_id"] = "E" * 1_000_000
    try:
        batch_from_json(data, NOW)
    except SepaError as e:
        error = e
    assert error.value == "9" * 79 + "…"
    assert error.transaction == "E" * 79 + "…"
    assert len(str(error)) < 300
