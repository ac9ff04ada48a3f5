"""Fixtures for the tests of what a browser receives: built sites, a local server, Chromium.

Two sites are built once per session with ``clincalc-site build`` (so the search and offline
finish hook runs exactly as in production): the real ``monographs/`` and a two-monograph
fixture with a verified dose. Each is served by ``http.server`` on 127.0.0.1 on a free port.
Chromium is Debian's ``/usr/bin/chromium``, driven by Playwright (never ``playwright install``);
tests that need it are marked ``browser`` and are skipped only when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from dose_fixtures import FULL_MONOGRAPH, FULL_SITE_YAML, write_registry

from .support import (
    BANNER,
    CHROMIUM,
    CHROMIUM_ARGS,
    FIXTURE_EPOCH,
    REPO,
    VERIFIED,
    Served,
    build_site,
    serve,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real formulary (``monographs/``), built today's date into a temporary folder."""
    return build_site(REPO / "monographs", tmp_path_factory.mktemp("real") / "_site")


@pytest.fixture(scope="session")
def dose_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-monograph site: Apixaban with a verified dose, Warfarin with the banner."""
    root = tmp_path_factory.mktemp("dose")
    content = root / "monographs"
    content.mkdir()
    write_registry(root)  # the fictitious people and the source the verified dose names
    (content / "apixaban.yaml").write_text(VERIFIED, encoding="utf-8")
    (content / "warfarin.yaml").write_text(BANNER, encoding="utf-8")
    return build_site(content, root / "_site", FIXTURE_EPOCH)


@pytest.fixture(scope="session")
def full_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One monograph with every optional part: a verified dose, every safety section, a
    formulary status with flags, restrictions and notes (the heaviest page)."""
    root = tmp_path_factory.mktemp("full")
    content = root / "monographs"
    content.mkdir()
    write_registry(root)
    (root / "site.yaml").write_text(FULL_SITE_YAML, encoding="utf-8")
    (content / "pomalidomide.yaml").write_text(FULL_MONOGRAPH, encoding="utf-8")
    return build_site(content, root / "_site", FIXTURE_EPOCH)


@pytest.fixture(scope="session")
def full(full_site: Path) -> Iterator[Served]:
    """The every-section fixture site, served."""
    yield from serve(full_site)


@pytest.fixture(scope="session")
def real(real_site: Path) -> Iterator[Served]:
    """The real formulary, served."""
    yield from serve(real_site)


@pytest.fixture(scope="session")
def dose(dose_site: Path) -> Iterator[Served]:
    """The verified-dose fixture site, served."""
    yield from serve(dose_site)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium; the test is skipped when it is not installed."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile (no service worker, no caches) per test."""
    fresh = browser.new_context()
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page whose JavaScript errors fail the test."""
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    assert not errors, errors
