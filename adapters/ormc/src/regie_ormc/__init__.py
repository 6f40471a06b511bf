"""PES V2 ORMC and legacy ROLMRE treasury rolls."""

from importlib.metadata import version

__version__ = version("regie-ormc")
