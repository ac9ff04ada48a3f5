"""Small screens: no horizontal scrolling from 320 px, tap targets of at least 24 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from .support import Served

pytestmark = pytest.mark.browser

PAGES = [
    ("real", ""),
    ("real", "drugs/pomalidomide/"),
    ("real", "classes/"),
    ("real", "a-z/p/"),
    ("real", "search/?q=warfarin"),
    ("dose", "drugs/apixaban/"),  # a dose table: it scrolls in its own box, not the page
]
MIN_TARGET = 24


@pytest.mark.parametrize("width", [320, 375])
def test_no_horizontal_overflow(
    request: pytest.FixtureRequest, browser: Browser, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 740})
    try:
        page = context.new_page()
        for site, path in PAGES:
            served: Served = request.getfixturevalue(site)
            page.goto(served.url(path))
            if "?q=" in path:
                page.wait_for_selector(".search-result")
            sizes = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert sizes[0] <= sizes[1], f"{path or 'home'} scrolls sideways at {width} px: {sizes}"
    finally:
        context.close()


def test_controls_are_big_enough_to_tap(browser: Browser, real: Served) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 740}, has_touch=True)
    try:
        page = context.new_page()
        page.goto(real.url("drugs/pomalidomide/"))
        page.click("#site-search-input")
        page.keyboard.type("pr")
        page.wait_for_selector("#site-search-suggestions:not([hidden])")
        controls = page.evaluate(
            """() => [...document.querySelectorAll(
                   '.site-header a, summary, input, button, [role=option], .offline-save button')]
                 .filter((el) => el.getClientRects().length)
                 .map((el) => {
                   const box = el.getBoundingClientRect();
                   return [el.outerHTML.slice(0, 60), box.width, box.height];
                 })"""
        )
        assert len(controls) >= 5
        small = [c for c in controls if c[1] < MIN_TARGET or c[2] < MIN_TARGET]
        assert not small, small
    finally:
        context.close()
