"""Shared fixtures: write small inline content trees into a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sitetools import write_files

WriteContent = Callable[[Path, dict[str, str]], Path]


@pytest.fixture
def write_content() -> WriteContent:
    """``write_content(tmp_path, {"monographs/x.yaml": "name: X\\n..."})`` writes inline files."""
    return write_files


def pytest_addoption(parser: pytest.Parser) -> None:
    # Registered here (a conftest pytest reads at start-up) so a bare
    # `pytest --update-golden` works; tests/golden/conftest.py tolerates the duplicate.
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.html from the current build instead of comparing",
    )
