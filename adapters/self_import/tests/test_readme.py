import doctest

from conftest import PACKAGE

import regie_self_import


def test_readme_examples_run():
    result = doctest.testfile(str(PACKAGE / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0


def test_package_docstring_example_runs():
    result = doctest.testmod(regie_self_import)
    assert result.attempted > 0
    assert result.failed == 0
