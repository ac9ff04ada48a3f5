"""Under CI=true a skipped test fails the run, unless it is on the allow-list in conftest.py.

Shown the way CI would meet it: pytest in a subprocess, the browser tests pointed at a
Chromium that is not there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ALLOWED_SKIPS

REPO = Path(__file__).resolve().parents[1]
ONE_BROWSER_TEST = "tests/browser/test_layout.py"


def run_pytest(*, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    env["CLINCALC_CHROMIUM"] = "/nonexistent/chromium"
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_BROWSER_TEST],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.slow
def test_a_missing_browser_fails_the_run_under_ci() -> None:
    result = run_pytest(ci=True)

    assert result.returncode == pytest.ExitCode.TESTS_FAILED, result.stdout[-3000:]
    assert "skipped under CI=true" in result.stdout
    assert "/nonexistent/chromium is missing" in result.stdout


@pytest.mark.slow
def test_outside_ci_the_same_skips_are_reported_but_pass() -> None:
    result = run_pytest(ci=False)

    assert result.returncode == pytest.ExitCode.OK, result.stdout[-3000:]
    assert "skipped" in result.stdout
    assert "skipped under CI=true" not in result.stdout


def test_every_allowed_skip_names_a_test_that_exists_and_says_why() -> None:
    for nodeid, reason in ALLOWED_SKIPS.items():
        path, _, name = nodeid.partition("::")
        assert f"def {name}(" in (REPO / path).read_text(encoding="utf-8"), nodeid
        assert len(reason) > 30, nodeid
