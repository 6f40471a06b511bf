"""Shared paths and Hypothesis settings: no example database, Hypothesis's files in a temporary directory."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir

settings.register_profile("regie", database=None, deadline=None)
settings.load_profile("regie")
HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="regie-self-import-hypothesis-")
set_hypothesis_home_dir(HYPOTHESIS_HOME)

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent
SAMPLES = HERE / "samples"
EXAMPLES = PACKAGE / "examples"


def pytest_sessionfinish() -> None:
    shutil.rmtree(HYPOTHESIS_HOME, ignore_errors=True)
