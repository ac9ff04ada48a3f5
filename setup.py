"""Packaging hook: the wheel carries the default templates and static files.

``templates/`` and ``static/`` at the top of the repository stay the source of truth (editors
and the tests use them where they are); a built wheel gets a copy inside the package, at
``clincalc_site/defaults/``, so that ``pip install clincalc-site`` builds a site from a folder
that holds only content.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DEFAULTS = ("templates", "static")


class BuildPyWithDefaults(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "clincalc_site" / "defaults"
        for name in DEFAULTS:
            shutil.copytree(ROOT / name, target / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithDefaults})
