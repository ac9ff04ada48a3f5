"""A monograph page's JSON-LD in Chromium: data under the page's Content-Security-Policy.

The policy allows no inline script; a ``<script type="application/ld+json">`` is a data block
the browser never runs, so it must cause no violation, and still read as JSON in the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from .support import Served

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

pytestmark = pytest.mark.browser

# Collects every CSP violation the page reports, from before its first script runs.
LISTEN = """
window.violations = [];
document.addEventListener("securitypolicyviolation",
  (event) => window.violations.push(event.violatedDirective + " " + event.blockedURI));
"""
READ = """() => JSON.parse(
  document.head.querySelector('script[type="application/ld+json"]').textContent)"""


def test_json_ld_reads_as_json_and_breaks_no_content_security_policy(
    page: Page, full: Served
) -> None:
    errors: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type == "error":  # a CSP refusal is also logged here
            errors.append(message.text)

    page.on("console", note)
    page.add_init_script(LISTEN)
    page.goto(full.url("drugs/pomalidomide/"), wait_until="load")

    data = page.evaluate(READ)
    assert data["@type"] == "MedicalWebPage"
    assert data["about"]["name"] == "Pomalidomide"
    assert page.evaluate("window.violations") == []
    assert errors == []
    # the listener sees a violation when there is one: an inline script of code is refused
    page.evaluate(
        "document.head.append(Object.assign(document.createElement('script'),"
        " {textContent: 'window.ran = true'}))"
    )
    page.wait_for_function("window.violations.length > 0")
    assert page.evaluate("window.ran === undefined")
