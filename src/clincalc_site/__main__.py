"""``python -m clincalc_site``: the same as the ``clincalc-site`` command."""

import sys

from .cli import main

sys.exit(main())
