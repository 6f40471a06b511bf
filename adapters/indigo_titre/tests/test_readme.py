"""The README's examples run as written (against the schema directory of the test setup)."""

from __future__ import annotations

import doctest

from conftest import PACKAGE


def test_readme_examples() -> None:
    result = doctest.testfile(str(PACKAGE / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted >= 10
