import doctest

from conftest import PACKAGE


def test_readme_examples_run():
    result = doctest.testfile(str(PACKAGE / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5
    assert result.failed == 0
