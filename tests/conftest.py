"""Shared fixtures: write small inline content trees into a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

WriteContent = Callable[[Path, dict[str, str]], Path]


def _write_content(root: Path, files: dict[str, str]) -> Path:
    """Write ``{"monographs/x.yaml": "..."}`` under ``root`` (folders created) and return root."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def write_content() -> WriteContent:
    """``write_content(tmp_path, {"monographs/x.yaml": "name: X\\n..."})`` writes inline files."""
    return _write_content


def pytest_addoption(parser: pytest.Parser) -> None:
    # Registered here (a conftest pytest reads at start-up) so a bare
    # `pytest --update-golden` works; tests/golden/conftest.py tolerates the duplicate.
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.html from the current build instead of comparing",
    )
