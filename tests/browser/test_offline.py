"""Offline use in a real browser: the service worker, saved pages, "save the whole formulary"."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page

from .support import Served

pytestmark = pytest.mark.browser

NOTICE = ".offline-notice"


def wait_for_service_worker(page: Page) -> None:
    """Until the build's service worker is active and controls the page."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def footer_version(page: Page) -> str:
    return page.locator(".content-version").inner_text().strip()


def test_page_opened_once_reloads_offline_with_a_notice(
    context: BrowserContext, page: Page, real: Served
) -> None:
    page.goto(real.url("drugs/pomalidomide/"))
    wait_for_service_worker(page)
    page.reload()  # opened under the service worker: now kept
    assert page.locator(NOTICE).count() == 0  # online: no notice
    context.set_offline(True)
    try:
        page.reload()
        assert page.locator("h1").inner_text().startswith("Pomalidomide")
        notice = page.locator(NOTICE).inner_text()
        assert "Offline copy" in notice
        assert f"build {footer_version(page)}" in notice
        assert page.locator(".build-date").inner_text() in notice
        assert "Dosing — being independently re-sourced" in page.content()
    finally:
        context.set_offline(False)


def test_unsaved_page_offline_shows_the_index_and_says_so(
    context: BrowserContext, page: Page, real: Served
) -> None:
    page.goto(real.url())
    wait_for_service_worker(page)
    context.set_offline(True)
    try:
        page.goto(real.url("drugs/warfarin/"))
        assert page.locator("h1").inner_text() == "Drugs A–Z"
        assert "not saved on this device" in page.locator(NOTICE).inner_text()
    finally:
        context.set_offline(False)


def test_save_the_whole_formulary_then_browse_and_search_offline(
    context: BrowserContext, page: Page, real: Served
) -> None:
    listing = json.loads((real.root / "offline.json").read_text(encoding="utf-8"))
    page.goto(real.url())
    wait_for_service_worker(page)
    button = page.get_by_role("button", name="Save the whole formulary for offline use")
    button.click()
    status = page.locator(".offline-save-status")
    status.filter(has_text="Saved for offline use").wait_for(timeout=30_000)
    assert f"{len(listing['pages'])} pages" in status.inner_text()
    assert "could not be saved" not in status.inner_text()

    context.set_offline(True)
    try:
        page.goto(real.url("drugs/thalidomide/"))  # never opened
        assert page.locator("h1").inner_text().startswith("Thalidomide")
        assert "Offline copy" in page.locator(NOTICE).inner_text()
        page.goto(real.url("search/?q=warfrin"))
        page.wait_for_selector(".search-status:not(:text-is('Searching…'))")
        assert page.locator(".search-result h3").first.inner_text() == "Warfarin"
        page.goto(real.url("search/?q=cereblon"))  # a word of the monographs' text, no name
        page.wait_for_selector(".search-status:not(:text-is('Searching…'))")
        assert "Pomalidomide" in page.locator(".search-result h3").all_inner_texts()
        assert page.locator(".result-excerpt mark").count() >= 1
        assert "unavailable" not in page.locator(".search-status").inner_text()
        page.goto(real.url("drugs/pomalidomide/"))
        page.click("#site-search-input")
        page.keyboard.type("lenal")
        page.wait_for_selector("#site-search-suggestions:not([hidden])")
        with page.expect_navigation():
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
        assert urlsplit(page.url).path == "/drugs/lenalidomide/"
    finally:
        context.set_offline(False)
    # Back online, the page reports what is saved.
    page.goto(real.url())
    page.locator(".offline-save-status").filter(has_text="Saved for offline use").wait_for()
