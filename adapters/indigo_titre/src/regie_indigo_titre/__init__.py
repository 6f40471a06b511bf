"""PES V2 individual titles for the percepteur (successor of INDIGO-TITRE)."""

from importlib.metadata import version

__version__ = version("regie-indigo-titre")
