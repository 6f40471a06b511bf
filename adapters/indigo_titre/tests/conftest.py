"""Shared fixtures: the DGFiP schema directory (``shared/`` beside the clone) and the example file."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

from regie_indigo_titre import jsonio, schema
from regie_indigo_titre.records import TitlesFile

# No example database, Hypothesis's own files in a temporary directory (the tests
# write nothing outside temporary directories), and the same examples on every run.
settings.register_profile("regie", database=None, deadline=None, derandomize=True)
settings.load_profile("regie")
HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="regie-indigo-titre-hypothesis-")
set_hypothesis_home_dir(HYPOTHESIS_HOME)


def pytest_sessionfinish() -> None:
    shutil.rmtree(HYPOTHESIS_HOME, ignore_errors=True)


HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent
EXAMPLES = PACKAGE / "examples"
SAMPLES = HERE / "samples"
# tests → indigo_titre → adapters → the clone; shared/ sits beside the clone (CI clones it the same way).
SCHEMAS = Path(os.environ.get(schema.ENV_VAR) or HERE.parents[3] / "shared" / "schemas" / "pes_v2")
EXAMPLE = EXAMPLES / "titres_cantine.json"


@pytest.fixture(autouse=True)
def schema_setting(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test sees the schema directory through the documented variable."""
    monkeypatch.setenv(schema.ENV_VAR, str(SCHEMAS))
    return SCHEMAS


@pytest.fixture
def example() -> TitlesFile:
    return jsonio.loads(EXAMPLE.read_bytes())
