import regie_indigo_titre


def test_version_comes_from_the_distribution():
    assert regie_indigo_titre.__version__ == "0.4.0"
