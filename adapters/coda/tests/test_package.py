import regie_coda


def test_version_comes_from_the_distribution():
    assert regie_coda.__version__ == "0.3.0"
