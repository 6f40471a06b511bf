import regie_self_import


def test_version_comes_from_the_distribution():
    assert regie_self_import.__version__ == "0.3.0"
