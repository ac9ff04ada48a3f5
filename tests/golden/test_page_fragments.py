"""Fragment checks on the built fixture site: what a reader relies on, page by page.

The golden files pin five pages exactly; these tests pin the rules (related links, drafts,
sitemap, safety headers, headings) across every page, including ones without a golden copy.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sitetools import (
    FIXTURE_BASE_URL,
    build,
    build_fixture_site,
    copy_fixture_site,
    elements_with_class,
    is_json_ld,
    links,
    read_page,
    section_html,
    snapshot,
    start_tags,
    visible_text,
    write_files,
)

BANNER_HEADING = "Dosing — being independently re-sourced"
DRAFT_NOTICE = "Draft — not yet reviewed by a clinician"
MONOGRAPHS = ["apixaban", "atenolol", "betaxolol", "bisoprolol", "lenalidomide", "propranolol"]
MONOGRAPHS.append("warfarin")


def html_pages(site: Path) -> dict[str, str]:
    return {
        path: data.decode("utf-8")
        for path, data in snapshot(site).items()
        if path.endswith(".html")
    }


def related_links(html: str) -> list[tuple[str, str]]:
    """(href, label) for each Related entry, in page order."""
    related = section_html(html, "related")
    return re.findall(
        r'<li><a href="([^"]+)">[^<]*</a> <span class="link-kind">([^<]+)</span>', related
    )


def sitemap_urls(site: Path) -> list[str]:
    return re.findall(r"<loc>([^<]+)</loc>", (site / "sitemap.xml").read_text(encoding="utf-8"))


# --- Monograph pages -------------------------------------------------------------------


def test_every_monograph_has_a_page(fixture_site: Path) -> None:
    built = sorted(p.parent.name for p in (fixture_site / "drugs").glob("*/index.html"))
    assert built == sorted(MONOGRAPHS)


def test_related_is_curated_in_editor_order_then_same_class_a_to_z(fixture_site: Path) -> None:
    html = read_page(fixture_site, "drugs/bisoprolol/")
    assert related_links(html) == [
        ("/drugs/warfarin/", "curated"),  # editor wrote [warfarin, betaxolol]: not A–Z
        ("/drugs/betaxolol/", "curated"),  # also same class: listed once, as curated
        ("/drugs/atenolol/", "same class"),
        ("/drugs/propranolol/", "same class"),
    ]


@pytest.mark.parametrize("slug", MONOGRAPHS)
def test_related_never_links_to_itself_or_twice(fixture_site: Path, slug: str) -> None:
    hrefs = [href for href, _ in related_links(read_page(fixture_site, f"drugs/{slug}/"))]
    assert f"/drugs/{slug}/" not in hrefs
    assert len(hrefs) == len(set(hrefs))
    assert len(hrefs) <= 6


def test_drug_alone_in_its_class_without_curated_links_lists_no_related(
    fixture_site: Path,
) -> None:
    assert related_links(read_page(fixture_site, "drugs/lenalidomide/")) == []


def test_related_stops_at_six_with_curated_links_kept_first(tmp_path: Path) -> None:
    names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India"]
    files = {
        f"monographs/{name.lower()}.yaml": monograph_yaml(name, "Test class") for name in names
    }
    files["monographs/hotel.yaml"] = monograph_yaml(
        "Hotel", "Test class", related=["india", "zulu", "golf"]
    )
    files["monographs/zulu.yaml"] = monograph_yaml("Zulu", "Other class")
    write_files(tmp_path, files)
    report = build(tmp_path / "monographs", tmp_path / "_site")
    assert not report.failed
    assert related_links(read_page(tmp_path / "_site", "drugs/hotel/")) == [
        ("/drugs/india/", "curated"),
        ("/drugs/zulu/", "curated"),
        ("/drugs/golf/", "curated"),
        ("/drugs/alpha/", "same class"),
        ("/drugs/bravo/", "same class"),
        ("/drugs/charlie/", "same class"),
    ]


def monograph_yaml(
    name: str, drug_class: str, related: list[str] | None = None, status: str = "draft"
) -> str:
    return (
        f"name: {name}\ndrug_class: {drug_class}\nsummary: {name} is a test drug.\n"
        f"mechanism: It is tested.\nreview:\n  status: {status}\n  date: 2026-01-01\n"
        f"related: [{', '.join(related or [])}]\n"
    )


@pytest.mark.parametrize(
    "slug", ["apixaban", "atenolol", "betaxolol", "lenalidomide", "propranolol", "warfarin"]
)
def test_unpublished_dose_shows_banner_and_no_dose_table(fixture_site: Path, slug: str) -> None:
    """apixaban's dose is verified, but the monograph is in review: it is held back."""
    html = read_page(fixture_site, f"drugs/{slug}/")
    assert elements_with_class(html, "section", "dosing-banner") == 1
    assert BANNER_HEADING in visible_text(html)
    assert "<table" not in html
    assert "verified by" not in html.lower()
    assert "5 mg" not in visible_text(html).replace("\xa0", " ")


@pytest.mark.parametrize("slug", ["bisoprolol"])
def test_verified_dose_shows_table_with_provenance_and_no_banner(
    fixture_site: Path, slug: str
) -> None:
    html = read_page(fixture_site, f"drugs/{slug}/")
    assert elements_with_class(html, "section", "dosing-verified") == 1
    assert elements_with_class(html, "section", "dosing-banner") == 0
    assert BANNER_HEADING not in html


def test_provenance_names_verifier_date_and_links_the_source(fixture_site: Path) -> None:
    html = read_page(fixture_site, "drugs/bisoprolol/")
    assert (
        "Prepared by C. Technician on 20 September 2026; independently verified by "
        "A. Pharmacist, MPharm on 1 October 2026, against Bisoprolol fumarate 5 mg tablets — "
        "SmPC, section 4.2 (revision of 1 September 2026)." in visible_text(html)
    )
    assert "https://www.medicines.org.uk/emc/product/0000/smpc" in links(html)
    assert "ctechnician" not in html and "apharmacist" not in html  # names, never ids


def test_no_draft_dose_text_anywhere_in_the_output(fixture_site: Path) -> None:
    for path, data in snapshot(fixture_site).items():
        assert b"SENTINEL" not in data, path
        assert b"sentinel.example.test" not in data, path


@pytest.mark.parametrize(
    ("slug", "status", "date"),
    [
        ("apixaban", "in-review", "2026-11-20"),
        ("atenolol", "clinician-reviewed", "2023-01-01"),
        ("bisoprolol", "clinician-reviewed", "2026-06-15"),
        ("propranolol", "draft", "2026-11-01"),
        ("warfarin", "clinician-reviewed", "2026-09-01"),
    ],
)
def test_review_status_and_date_on_each_page(
    fixture_site: Path, slug: str, status: str, date: str
) -> None:
    text = visible_text(read_page(fixture_site, f"drugs/{slug}/"))
    assert f"Monograph status: {status} ({date})" in text


@pytest.mark.parametrize("slug", MONOGRAPHS)
def test_overdue_notice_only_when_review_is_older_than_24_months(
    fixture_site: Path, slug: str
) -> None:
    text = visible_text(read_page(fixture_site, f"drugs/{slug}/"))
    assert ("Review overdue" in text) == (slug == "atenolol")


@pytest.mark.parametrize("slug", MONOGRAPHS)
def test_draft_notice_only_for_draft_and_in_review(fixture_site: Path, slug: str) -> None:
    text = visible_text(read_page(fixture_site, f"drugs/{slug}/"))
    assert (DRAFT_NOTICE in text) == (slug in ("apixaban", "propranolol"))


def test_empty_optional_sections_have_no_heading(fixture_site: Path) -> None:
    html = read_page(fixture_site, "drugs/warfarin/")
    headings = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", html)
    assert headings == [
        "Warfarin",
        BANNER_HEADING,
        "Clinical monograph",
        "How it works",
        "Related",
    ]
    assert "Brand names" not in html


def test_editor_markup_is_shown_as_text_and_unsafe_links_are_dropped(fixture_site: Path) -> None:
    html = read_page(fixture_site, "drugs/atenolol/")
    assert 'Editor text <script>alert("x")</script> & a bad link' in visible_text(html)
    scripts = [
        attrs.get("src") or ""
        for tag, attrs in start_tags(html)
        if tag == "script" and not is_json_ld(tag, attrs)
    ]
    assert all(src.startswith("/static/") for src in scripts), scripts
    assert "javascript:" not in html


def test_summary_stays_one_paragraph_when_written_as_blocks(fixture_site: Path) -> None:
    html = read_page(fixture_site, "drugs/lenalidomide/")
    summary = re.search(r'<p class="summary">(.*?)</p>', html, re.DOTALL)
    assert summary
    assert not re.search(r"<(p|ul|ol|li|blockquote)[\s>]", summary.group(1))
    assert visible_text(summary.group(1)) == (
        "Lenalidomide is an oral immunomodulatory agent. It is used in multiple myeloma."
    )


def test_unicode_name_renders_and_sorts_by_its_letter(fixture_site: Path) -> None:
    assert "<h1" in read_page(fixture_site, "drugs/betaxolol/")
    assert "Bétaxolol" in visible_text(read_page(fixture_site, "drugs/betaxolol/"))
    b_page = read_page(fixture_site, "a-z/b/")
    assert [h for h in links(b_page) if h.startswith("/drugs/")] == [
        "/drugs/betaxolol/",
        "/drugs/bisoprolol/",
    ]


# --- Home, classes, 404 ----------------------------------------------------------------


def test_home_links_to_a_page_per_letter_and_counts(fixture_site: Path) -> None:
    """The A–Z is a page a letter (as the BNF's): every drug two taps from the home page."""
    home = read_page(fixture_site, "")
    letters = [href for href in links(home) if href.startswith("/a-z/")]
    assert letters == ["/a-z/a/", "/a-z/b/", "/a-z/l/", "/a-z/p/", "/a-z/w/"]
    assert "7 monographs in 3 classes; 1 with a verified dose." in visible_text(home)
    assert not [href for href in links(home) if href.startswith("/drugs/")]
    listed = []
    for letter in letters:
        page = read_page(fixture_site, letter.lstrip("/"))
        assert f'<a href="{letter}" aria-current="page">' in page
        listed += [href for href in links(page) if href.startswith("/drugs/")]
    assert listed == [f"/drugs/{slug}/" for slug in MONOGRAPHS]


def test_search_page_works_without_javascript(fixture_site: Path) -> None:
    """The header form's target: without JavaScript it says so and offers the letters."""
    page = read_page(fixture_site, "search/")
    assert '<form class="site-search" role="search" action="/search/" method="get">' in page
    assert '<noscript><p class="search-without-script">Search needs JavaScript' in page
    assert next(h for h in links(page) if h.startswith("/a-z/")) == "/a-z/a/"
    assert '<meta name="robots" content="noindex">' in page


def test_classes_index_lists_every_class_with_its_count(fixture_site: Path) -> None:
    text = visible_text(read_page(fixture_site, "classes/"))
    assert "Anticoagulant (2)" in text
    assert "Beta-blocker (4)" in text
    assert "Immunomodulator (thalidomide analogue) (1)" in text


def test_class_page_lists_its_members_a_to_z(fixture_site: Path) -> None:
    html = read_page(fixture_site, "classes/beta-blocker/")
    members = [href for href in links(html) if href.startswith("/drugs/")]
    assert members == [
        f"/drugs/{s}/" for s in ("atenolol", "betaxolol", "bisoprolol", "propranolol")
    ]


def test_monograph_links_to_its_class_page(fixture_site: Path) -> None:
    assert "/classes/beta-blocker/" in links(read_page(fixture_site, "drugs/bisoprolol/"))


def test_404_page_uses_root_relative_links_so_it_works_at_any_depth(fixture_site: Path) -> None:
    html = (fixture_site / "404.html").read_text(encoding="utf-8")
    assert "Page not found" in visible_text(html)
    assert {"/", "/classes/"} <= set(links(html))
    assert '<link rel="stylesheet" href="/static/site.css">' in html


# --- Site-wide rules -------------------------------------------------------------------


def test_every_page_has_exactly_one_h1(fixture_site: Path) -> None:
    for path, html in html_pages(fixture_site).items():
        assert len(re.findall(r"<h1[\s>]", html)) == 1, path


def test_every_page_links_the_print_stylesheet_for_print_only(fixture_site: Path) -> None:
    for path, html in html_pages(fixture_site).items():
        sheets = [
            a for tag, a in start_tags(html) if tag == "link" and a.get("rel") == "stylesheet"
        ]
        print_sheets = [a for a in sheets if a.get("href") == "/static/print.css"]
        assert [a.get("media") for a in print_sheets] == ["print"], path
    assert (fixture_site / "static" / "print.css").is_file()


def test_every_page_has_a_csp_that_forbids_inline_script(fixture_site: Path) -> None:
    for path, html in html_pages(fixture_site).items():
        policies = [
            attrs.get("content") or ""
            for tag, attrs in start_tags(html)
            if tag == "meta"
            and (attrs.get("http-equiv") or "").lower() == "content-security-policy"
        ]
        assert len(policies) == 1, path
        directives = {
            part.split()[0]: part.split()[1:] for part in policies[0].split(";") if part.strip()
        }
        script_src = directives.get("script-src", directives.get("default-src"))
        assert script_src is not None, path
        assert "'unsafe-inline'" not in script_src, path
        assert "'unsafe-eval'" not in script_src, path


def test_no_inline_script_or_event_handler_attributes(fixture_site: Path) -> None:
    for path, html in html_pages(fixture_site).items():
        for tag, attrs in start_tags(html):
            # schema.org JSON-LD is data the browser never runs
            code = tag == "script" and not is_json_ld(tag, attrs)
            assert not code or attrs.get("src"), f"inline <script> in {path}"
            assert not [a for a in attrs if a.startswith("on")], f"{tag} handler in {path}"


def test_links_are_http_https_mailto_or_relative_only(fixture_site: Path) -> None:
    for path, html in html_pages(fixture_site).items():
        for href in links(html):
            scheme = urlsplit(href).scheme
            assert scheme in ("", "http", "https", "mailto"), f"{href!r} in {path}"


def test_every_internal_link_resolves_to_a_built_page(fixture_site: Path) -> None:
    files = set(snapshot(fixture_site))
    for path, html in html_pages(fixture_site).items():
        for href in links(html):
            target = urlsplit(href)
            if target.scheme or not target.path:
                continue
            relative = target.path.lstrip("/")
            page = relative + "index.html" if relative == "" or relative.endswith("/") else relative
            assert page in files, f"{path} links to {href}, which was not built"


# --- sitemap.xml and robots.txt --------------------------------------------------------


def test_sitemap_lists_every_page_with_absolute_urls(fixture_site: Path) -> None:
    urls = sitemap_urls(fixture_site)
    assert all(url.startswith(FIXTURE_BASE_URL) for url in urls)
    expected = {FIXTURE_BASE_URL, FIXTURE_BASE_URL + "classes/"}
    expected |= {f"{FIXTURE_BASE_URL}a-z/{letter}/" for letter in "ablpw"}
    expected |= {f"{FIXTURE_BASE_URL}drugs/{slug}/" for slug in MONOGRAPHS}
    expected |= {
        f"{FIXTURE_BASE_URL}classes/{slug}/"
        for slug in ("anticoagulant", "beta-blocker", "immunomodulator-thalidomide-analogue")
    }
    assert set(urls) == expected
    assert len(urls) == len(expected)


def test_robots_txt_allows_crawling_and_points_at_the_sitemap(fixture_site: Path) -> None:
    robots = (fixture_site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in robots
    assert f"Sitemap: {FIXTURE_BASE_URL}sitemap.xml" in robots


def test_base_url_option_overrides_site_yaml(tmp_path: Path) -> None:
    site = build_fixture_site(tmp_path, base_url="https://formulary.northshire.nhs.uk/wards/")
    urls = sitemap_urls(site)
    assert urls and all(
        url.startswith("https://formulary.northshire.nhs.uk/wards/") for url in urls
    )
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert "Sitemap: https://formulary.northshire.nhs.uk/wards/sitemap.xml" in robots
    page = read_page(site, "drugs/bisoprolol/")
    assert (
        '<link rel="canonical" href="https://formulary.northshire.nhs.uk/wards/drugs/bisoprolol/">'
        in page
    )
    assert "/wards/drugs/warfarin/" in links(page)


# --- publish_drafts: false -------------------------------------------------------------


def test_publish_drafts_false_removes_drafts_and_every_link_to_them(tmp_path: Path) -> None:
    content = copy_fixture_site(tmp_path / "site")
    settings = content.parent / "site.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace(
            "publish_drafts: true", "publish_drafts: false"
        ),
        encoding="utf-8",
    )
    report = build(content, tmp_path / "_site")
    assert not report.failed
    site = tmp_path / "_site"
    withheld = ("apixaban", "propranolol")  # draft and in-review
    for slug in withheld:
        assert not (site / "drugs" / slug).exists()
    for path, data in snapshot(site).items():
        for slug in withheld:
            assert f"drugs/{slug}/".encode() not in data, f"{path} still links to {slug}"
    assert related_links(read_page(site, "drugs/bisoprolol/")) == [
        ("/drugs/warfarin/", "curated"),
        ("/drugs/betaxolol/", "curated"),
        ("/drugs/atenolol/", "same class"),
    ]
    assert "Anticoagulant (1)" in visible_text(read_page(site, "classes/"))
    assert DRAFT_NOTICE not in "".join(html_pages(site).values())
