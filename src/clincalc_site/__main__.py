"""``python -m clincalc_site``: the same as the ``clincalc-site`` command."""

from .cli import run

run()
