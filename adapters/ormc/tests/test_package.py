import regie_ormc


def test_version_comes_from_the_distribution():
    assert regie_ormc.__version__ == "0.0.0"
