"""Belgian CODA bank statements and structured communications."""

from importlib.metadata import version

__version__ = version("regie-coda")
