"""Shared fixtures: the DGFiP schema directory (``shared/`` beside the clone) and a valid roll."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from regie_ormc import jsonio, schema
from regie_ormc.records import Roll

# No example database, and Hypothesis's own cache in a temporary directory:
# the tests write nothing outside temporary directories.
settings.register_profile("regie", database=None)
settings.load_profile("regie")
HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="regie-ormc-hypothesis-")
set_hypothesis_home_dir(HYPOTHESIS_HOME)


def pytest_sessionfinish() -> None:
    shutil.rmtree(HYPOTHESIS_HOME, ignore_errors=True)

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent
EXAMPLES = PACKAGE / "examples"
SAMPLES = HERE / "samples"
# The repository is adapters/ormc/../..; shared/ is its sibling (CI clones it the same way).
SCHEMAS = Path(os.environ.get(schema.ENV_VAR) or HERE.parents[2].parent / "shared" / "schemas" / "pes_v2")


@pytest.fixture(autouse=True)
def schema_setting(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test sees the schema directory through the documented variable."""
    monkeypatch.setenv(schema.ENV_VAR, str(SCHEMAS))
    return SCHEMAS


def example_json(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture
def roll() -> Roll:
    return jsonio.roll_from_json(jsonio.loads((EXAMPLES / "ormc_roll.json").read_text(encoding="utf-8")))
