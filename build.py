"""``python build.py`` is ``clincalc-site build`` with defaults (monographs/ into _site/)."""

import sys

from clincalc_site.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
