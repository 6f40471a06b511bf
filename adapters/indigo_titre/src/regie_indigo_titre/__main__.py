"""``python -m regie_indigo_titre``: same as the ``regie-indigo-titre`` command."""

import sys

from .cli import main

sys.exit(main())
