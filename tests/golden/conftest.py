"""Golden-page fixtures and the ``--update-golden`` option.

``pytest tests/golden --update-golden`` rewrites ``tests/golden/*.html`` from the current
templates; review the diff before committing it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from sitetools import build_fixture_site


def pytest_addoption(parser: pytest.Parser) -> None:
    # Tolerates a second registration, so tests/conftest.py may also import this hook
    # (only a conftest that pytest loads at start-up makes a bare `pytest --update-golden` work).
    with contextlib.suppress(ValueError):
        parser.addoption(
            "--update-golden",
            action="store_true",
            default=False,
            help="rewrite tests/golden/*.html from the current build instead of comparing",
        )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden", default=False))


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site built once (fixed date, base URL from its site.yaml); read-only."""
    return build_fixture_site(tmp_path_factory.mktemp("fixture-site"))
