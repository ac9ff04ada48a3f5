"""axe-core (WCAG 2.0/2.1/2.2 A and AA) on the pages that matter, and keyboard-only use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .support import AXE_SCRIPT, AXE_TAGS, Served

pytestmark = pytest.mark.browser

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
  }));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci`")
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def axe_context(browser: Browser) -> Iterator[BrowserContext]:
    """CSP bypassed only so axe can be injected; the site's own scripts still run."""
    context = browser.new_context(bypass_csp=True)
    yield context
    context.close()


def violations(page: Page, axe_source: str) -> list[dict[str, object]]:
    page.add_script_tag(content=axe_source)
    found: list[dict[str, object]] = page.evaluate(RUN_AXE, AXE_TAGS)
    return found


def finished_results(page: Page) -> None:
    page.wait_for_selector(".search-status:not(:text-is('Searching…'))")


PAGES = [
    pytest.param(("real", "", "h1"), id="home"),
    pytest.param(("real", "classes/anticoagulant/", "h1"), id="class-page"),
    pytest.param(("real", "drugs/pomalidomide/", ".dosing-banner"), id="monograph-banner"),
    pytest.param(("dose", "drugs/apixaban/", ".dosing-verified table"), id="verified-dose"),
    pytest.param(("full", "drugs/pomalidomide/", ".formulary-status"), id="every-section"),
    pytest.param(("real", "formulary-status/", "h1"), id="formulary-status-legend"),
    pytest.param(("real", "drugs/lenalidomide/", ".formulary-status"), id="monograph-status"),
    pytest.param(("real", "a-z/p/", ".drug-list"), id="letter-page"),
    pytest.param(("real", "search/?q=warfarin", ".search-result"), id="search-results"),
    pytest.param(("real", "search/?q=zzqxj", ".search-status"), id="search-no-results"),
]


@pytest.mark.parametrize("target", PAGES)
def test_no_axe_violations(
    request: pytest.FixtureRequest,
    axe_context: BrowserContext,
    axe_source: str,
    target: tuple[str, str, str],
) -> None:
    """target: (site fixture, path, a selector present once the page is ready)."""
    site, path, ready = target
    served: Served = request.getfixturevalue(site)
    page = axe_context.new_page()
    page.goto(served.url(path))
    page.wait_for_selector(ready)
    if "?q=" in path:
        finished_results(page)
    assert violations(page, axe_source) == []


def test_no_axe_violations_with_suggestions_open(
    axe_context: BrowserContext, axe_source: str, real: Served
) -> None:
    page = axe_context.new_page()
    page.goto(real.url("drugs/pomalidomide/"))
    page.click("#site-search-input")
    page.keyboard.type("pr")
    page.wait_for_selector("#site-search-suggestions:not([hidden])")
    page.keyboard.press("ArrowDown")
    assert violations(page, axe_source) == []


def test_no_axe_violations_on_an_offline_copy(
    axe_context: BrowserContext, axe_source: str, real: Served
) -> None:
    page = axe_context.new_page()
    page.goto(real.url("drugs/pomalidomide/"))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()
    axe_context.set_offline(True)
    try:
        page.reload()
        page.wait_for_selector(".offline-notice")
        assert violations(page, axe_source) == []
    finally:
        axe_context.set_offline(False)


def test_skip_link_comes_first_and_jumps_to_the_content(page: Page, real: Served) -> None:
    page.goto(real.url("drugs/pomalidomide/"))
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # shown when focused
    page.keyboard.press("Enter")
    page.wait_for_url("**#main")
    page.keyboard.press("Tab")
    expect(page.locator("main :focus")).to_have_count(1)


def test_every_tab_stop_shows_focus(page: Page, real: Served) -> None:
    """The first tab stops (header, search, content links) all draw a visible outline."""
    page.goto(real.url("drugs/pomalidomide/"))
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        style = page.evaluate(
            """() => {
              const el = document.activeElement;
              const s = getComputedStyle(el);
              return [el.tagName + (el.id ? '#' + el.id : ''), s.outlineStyle, s.outlineWidth];
            }"""
        )
        seen.append(style)
        assert style[1] != "none" and style[2] != "0px", f"no focus indicator on {style[0]}"
    assert any(tag == "INPUT#site-search-input" for tag, _, _ in seen)


def test_axe_would_catch_a_violation(
    axe_context: BrowserContext, axe_source: str, real: Served
) -> None:
    """Guards the tests above: an unlabelled field must be reported."""
    page = axe_context.new_page()
    page.goto(real.url())
    page.evaluate("() => document.querySelector('main').append(document.createElement('input'))")
    assert [v["id"] for v in violations(page, axe_source)] == ["label"]
