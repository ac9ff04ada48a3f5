"""Finding a drug in a real browser: brand names, misspellings, classes, the keyboard."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request

from clincalc_site.publish.search import expand_drug_index

from .support import Served

pytestmark = pytest.mark.browser

BOX = "#site-search-input"
LIST = "#site-search-suggestions"


def drugs_of(site: Served) -> list[dict[str, object]]:
    data = json.loads((site.root / "search" / "drugs.json").read_text(encoding="utf-8"))
    return expand_drug_index(data)


def result_names(page: Page) -> list[str]:
    """The names in the results on the search page, once the search has finished."""
    page.wait_for_selector(".search-status:not(:text-is('Searching…'))")
    return page.locator(".search-result h3").all_inner_texts()


def open_results(page: Page, site: Served, query: str) -> list[str]:
    page.goto(site.url(f"search/?q={quote(query)}"))
    return result_names(page)


def test_brand_name_typed_in_the_box_finds_its_drug(page: Page, real: Served) -> None:
    page.goto(real.url("drugs/warfarin/"))
    page.click(BOX)
    page.keyboard.type("Imnovid")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # no suggestion chosen: the full results
    assert urlsplit(page.url).path == "/search/"
    assert result_names(page)[0] == "Pomalidomide"
    first = page.locator(".search-result").first
    assert "Immunomodulator" in first.locator(".result-class").inner_text()
    assert "multiple myeloma" in first.locator(".result-summary").inner_text()
    first.locator("h3 a").click()
    page.wait_for_url("**/drugs/pomalidomide/")
    assert page.locator("h1").inner_text().startswith("Pomalidomide")


@pytest.mark.parametrize(
    ("query", "expected", "slug"),
    [
        pytest.param("pomalidomid", "Pomalidomide", "pomalidomide", id="missing-last-letter"),
        pytest.param("warfarine", "Warfarin", "warfarin", id="extra-letter"),
        pytest.param("warfrin", "Warfarin", "warfarin", id="missing-middle-letter"),
        pytest.param("pomalidmoide", "Pomalidomide", "pomalidomide", id="swapped-letters"),
    ],
)
def test_misspelling_finds_the_drug(
    page: Page, real: Served, query: str, expected: str, slug: str
) -> None:
    assert open_results(page, real, query)[0] == expected
    page.locator(".search-result h3 a").first.click()
    page.wait_for_url(f"**/drugs/{slug}/")


def test_class_name_finds_its_members_first(page: Page, real: Served) -> None:
    members = sorted(str(d["name"]) for d in drugs_of(real) if d["class"] == "Anticoagulant")
    assert len(members) >= 2
    names = open_results(page, real, "anticoagulant")
    assert sorted(names[: len(members)]) == members


def test_full_text_finds_words_in_the_sections(page: Page, real: Served) -> None:
    names = open_results(page, real, "cereblon")  # in the mechanism sections, in no name
    assert "Pomalidomide" in names
    assert page.locator(".result-excerpt mark").count() >= 1


def test_a_name_match_leaves_the_full_text_to_a_link(page: Page, real: Served) -> None:
    # At 10,000 monographs the full text costs about a megabyte; a drug's name needs the drug
    # list only. The full text is one link away, and finds the pages that mention the drug.
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(urlsplit(request.url).path))
    names = open_results(page, real, "warfarin")
    assert names == ["Warfarin"]
    assert "by name, brand or class" in page.locator(".search-status").inner_text()
    assert not [path for path in fetched if path.startswith("/pagefind/")]
    with page.expect_navigation():
        page.get_by_role("link", name="Search the text of every monograph for “warfarin”").click()
    assert urlsplit(page.url).query == "q=warfarin&text=1"
    names = result_names(page)
    assert names[0] == "Warfarin"  # the name match still first
    assert {"Apixaban", "Rivaroxaban"} <= set(names)  # their texts name warfarin
    assert page.locator(".result-excerpt mark").count() >= 2
    assert [path for path in fetched if path.startswith("/pagefind/")]


def test_no_match_says_so(page: Page, real: Served) -> None:
    assert open_results(page, real, "zzqxj") == []
    assert "No monograph matches" in page.locator(".search-status").inner_text()


def test_type_ahead_with_the_keyboard_only(page: Page, real: Served) -> None:
    page.goto(real.url("classes/"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(8):
        if page.evaluate("document.activeElement.id") == BOX[1:]:
            break
        page.keyboard.press("Tab")
    box = page.locator(BOX)
    assert page.evaluate("document.activeElement.id") == BOX[1:], "search box not reachable"
    assert box.get_attribute("role") == "combobox"

    page.keyboard.type("p")
    assert page.locator(LIST).is_hidden()  # one letter: nothing yet
    page.keyboard.type("r")
    page.wait_for_selector(f"{LIST}:not([hidden])")
    assert box.get_attribute("aria-expanded") == "true"
    options = page.locator(f"{LIST} [role=option]")
    count = options.count()
    assert count >= 3

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = options.nth(1)
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    assert second.get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # wraps round to the last
    assert box.get_attribute("aria-activedescendant") == options.nth(count - 1).get_attribute("id")

    page.keyboard.press("Escape")
    assert page.locator(LIST).is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "pr"
    page.keyboard.press("Escape")
    assert box.input_value() == ""

    page.keyboard.type("warf")
    page.wait_for_selector(f"{LIST}:not([hidden])")
    assert options.first.locator(".suggestion-name").inner_text() == "Warfarin"
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/drugs/warfarin/"


def test_brand_suggestion_names_the_drug(page: Page, real: Served) -> None:
    page.goto(real.url())
    page.click(BOX)
    page.keyboard.type("imnov")
    page.wait_for_selector(f"{LIST}:not([hidden])")
    first = page.locator(f"{LIST} [role=option]").first
    assert first.locator(".suggestion-name").inner_text() == "Pomalidomide"
    assert "Imnovid" in first.locator(".suggestion-detail").inner_text()
    first.click()
    page.wait_for_url("**/drugs/pomalidomide/")


def test_search_files_load_only_when_the_box_is_used(page: Page, real: Served) -> None:
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    page.goto(real.url("drugs/pomalidomide/"))
    page.wait_for_load_state("networkidle")
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in requested), requested
    assert not [u for u in requested if "/pagefind/" in u or "/search/" in u], requested
    assert not [u for u in requested if u.endswith((".woff", ".woff2", ".ttf", ".otf"))]
    with page.expect_request("**/search/drugs.json"):
        page.focus(BOX)
    page.keyboard.type("war")
    page.wait_for_selector(f"{LIST}:not([hidden])")
    assert not [u for u in requested if "/pagefind/" in u], "Pagefind loaded by the type-ahead"


def test_without_javascript_the_box_leads_to_the_a_to_z(browser: Browser, real: Served) -> None:
    """The search page says search needs JavaScript and offers the letters: two taps on."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(real.url("drugs/pomalidomide/"))
        assert page.locator(BOX).get_attribute("role") is None
        page.fill(BOX, "warfarin")
        with page.expect_navigation():
            page.press(BOX, "Enter")
        assert urlsplit(page.url).path == "/search/"
        assert "Search needs JavaScript" in page.locator("main").inner_text()
        page.get_by_role("link", name="W", exact=True).click()
        page.wait_for_url("**/a-z/w/")
        page.locator("a[href='/drugs/warfarin/']").click()
        page.wait_for_url("**/drugs/warfarin/")
    finally:
        context.close()


def test_every_drug_is_two_taps_from_the_home_page(page: Page, real: Served) -> None:
    """The home page lists the letters; each letter's page lists its drugs."""
    page.goto(real.url())
    assert page.locator("h1").inner_text() == "Drugs A–Z"
    letters = page.locator("nav.letters a")
    hrefs = [str(letters.nth(i).get_attribute("href")) for i in range(letters.count())]
    listed: list[str] = []
    for href in hrefs:
        page.goto(real.url(href.lstrip("/")))
        listed += [
            str(a)
            for a in page.locator(".drug-list a").evaluate_all(
                "links => links.map((a) => a.getAttribute('href'))"
            )
        ]
    assert sorted(listed) == sorted(f"/{d['url']}" for d in drugs_of(real))


def test_type_ahead_ranks_brands_classes_and_typos_as_before(page: Page, real: Served) -> None:
    """The indexed matcher (match.js DrugIndex) gives the plain ranking of every drug."""
    page.goto(real.url("classes/"))
    ranked = page.evaluate(
        """async () => {
          const match = await import("/static/js/match.js");
          const data = await (await fetch("/search/drugs.json")).json();
          const index = new match.DrugIndex(match.readDrugIndex(data));
          const top = (q) => index.rank(q, { limit: 3 }).map((hit) => hit.drug.name);
          return Object.fromEntries(
            ["Imnovid", "pomalidomid", "warfarine", "warfrin", "pomalidmoide", "beta blocker",
             "betablocker", "anticoag", "warf arin"].map((q) => [q, top(q)]),
          );
        }"""
    )
    assert ranked["Imnovid"][0] == "Pomalidomide"
    for query in ("pomalidomid", "pomalidmoide"):
        assert ranked[query][0] == "Pomalidomide"
    for query in ("warfarine", "warfrin", "warf arin"):
        assert ranked[query][0] == "Warfarin"
    anticoagulants = {str(d["name"]) for d in drugs_of(real) if d["class"] == "Anticoagulant"}
    assert set(ranked["anticoag"]) <= anticoagulants
    assert ranked["beta blocker"] and ranked["beta blocker"] == ranked["betablocker"]


def test_results_say_status_and_review_and_filter_by_formulary_status(
    page: Page, real: Served
) -> None:
    """The starter formulary's example vocabulary: only the thalidomide analogues are red."""
    names = open_results(page, real, "multiple myeloma")  # full text, all three analogues
    assert {"Pomalidomide", "Lenalidomide", "Thalidomide"} <= set(names)
    details = page.locator(".search-result .result-class").all_inner_texts()
    assert any("Red — specialist only" in d and "Reviewed 4 July 2026" in d for d in details)
    assert any("Draft, not yet reviewed" in d for d in details)

    page.get_by_role("link", name="Red — specialist only").click()
    filtered = result_names(page)
    assert "status=Red" in page.url.replace("+", " ").replace("%20", " ")
    assert filtered and set(filtered) <= {"Pomalidomide", "Lenalidomide", "Thalidomide"}


def test_type_ahead_says_which_drugs_are_drafts(page: Page, real: Served) -> None:
    page.goto(real.url("classes/"))
    page.click(BOX)
    page.keyboard.type("Lenalid")
    option = page.locator(f"{LIST} [role=option]").first
    option.wait_for()
    detail = option.locator(".suggestion-detail").inner_text()
    assert "Red — specialist only" in detail and "Draft, not yet reviewed" in detail
