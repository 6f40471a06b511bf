import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import regie_sepa

README = Path(__file__).parent.parent / "README.md"


def test_version_comes_from_the_distribution():
    assert regie_sepa.__version__ == "0.3.1"


def test_readme_example_runs(monkeypatch):
    monkeypatch.chdir(README.parent)  # the README reads examples/ relative to the package
    result = doctest.testfile(str(README), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("name", [m.name for m in pkgutil.iter_modules(regie_sepa.__path__) if m.name != "__main__"])
def test_module_doctests(name):
    result = doctest.testmod(importlib.import_module(f"regie_sepa.{name}"))
    assert result.failed == 0
