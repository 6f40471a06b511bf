"""SEPA direct-debit files (pain.008, pain.002), mandates and sequences."""

from importlib.metadata import version

__version__ = version("regie-sepa")
