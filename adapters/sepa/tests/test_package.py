import regie_sepa


def test_version_comes_from_the_distribution():
    assert regie_sepa.__version__ == "0.0.0"
