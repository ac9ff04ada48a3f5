"""Shared fixtures: write small inline content trees into a temporary folder."""

from __future__ import annotations

import os
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


# --- No silent skips in CI -------------------------------------------------------------------

# Skips CI accepts, by test id, with the reason. Any other skip fails a run with CI=true: a
# machine without Chromium, Java or git must not pass with part of the suite unrun.
ALLOWED_SKIPS: dict[str, str] = {
    "tests/security/test_security_failure.py"
    "::test_disk_full_on_a_tiny_tmpfs_keeps_the_previous_site": (
        "mounting a tmpfs needs root and a kernel that lets a container mount; "
        "test_file_size_limit_mid_write_keeps_the_previous_site covers a full disk without it"
    ),
    "tests/security/test_security_yaml_abuse.py::test_unreadable_file_is_a_located_error": (
        "as root the file modes are ignored unless setpriv (util-linux) can drop CAP_DAC_OVERRIDE"
    ),
}  # fmt: skip


class SkipGuard:
    """Collects the skipped tests that are not on ALLOWED_SKIPS; under CI=true they fail."""

    def __init__(self) -> None:
        self.unexpected: list[tuple[str, str]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        allowed = report.nodeid in ALLOWED_SKIPS
        if report.skipped and not hasattr(report, "wasxfail") and not allowed:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
            self.unexpected.append((report.nodeid, str(reason)))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.unexpected and in_ci():
            terminalreporter.section("skipped under CI=true (not on ALLOWED_SKIPS)", red=True)
            for nodeid, reason in self.unexpected:
                terminalreporter.line(f"{nodeid}: {reason}")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.unexpected and in_ci() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SkipGuard(), "clincalc-skip-guard")
