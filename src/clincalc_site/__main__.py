"""``python -m clincalc_site``: the same as the ``clincalc-site`` command."""

from clincalc_site.cli import run

run()
