"""``python -m regie_ormc``."""

import sys

from .cli import main

sys.exit(main())
