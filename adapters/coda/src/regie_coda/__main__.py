"""``python -m regie_coda`` runs the command line."""

import sys

from .cli import main

sys.exit(main())
