"""Self-service canteen consumption TSV."""

from importlib.metadata import version

__version__ = version("regie-self-import")
