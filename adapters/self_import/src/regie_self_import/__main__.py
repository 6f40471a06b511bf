"""``python -m regie_self_import`` is the ``regie-self-import`` command."""

import sys

from .cli import main

sys.exit(main())
