"""schema.org JSON-LD in each monograph page (issue 22): a ``MedicalWebPage`` about a ``Drug``.

The page is built as an editor's files would be, and read back with the stdlib HTML parser:
one data block in ``<head>``, JSON, the fields the issue names (the review only when a
clinician reviewed the page, the RxNorm code only when the file has an RxCUI), and no dose:
neither the amounts of a verified dose the page shows nor the text of a held-back or
re-sourcing dose, which the page does not show.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dose_fixtures import FULL_MONOGRAPH, FULL_SITE_YAML, VERIFIED_YAML, write_registry
from sitetools import FIXTURE_TODAY, build, json_ld_blocks, start_tags, visible_text

from clincalc_site.content.prose_dose import find_prose_doses

BASE_URL = "https://formulary.northshire.nhs.uk/"
REVIEWER = "A. Patel, MPharm"
# The full fixture, given an RxCUI, a reviewer and a brand name that tries to end the element
POMALIDOMIDE = 'rxcui: "1369713"\n' + FULL_MONOGRAPH.replace(
    "  date: 2026-07-04\n", f"  date: 2026-07-04\n  reviewer: {REVIEWER}\n"
).replace("brand_names: [Imnovid]", "brand_names: [Imnovid, 'Pom</script><!--x']")
# The verified dose the full fixture publishes, as the page shows it
SHOWN_DOSE = ("4 mg", "Once daily", "Days 1 to 21 of each 28-day cycle", "4 mg daily")
HEAD = """\
name: {name}
drug_class: Test class
summary: A test drug.
mechanism: It works.
review:
  status: {status}
  date: 2026-06-01
"""
# A dose being re-sourced: its draft regimen is editors' data, on no page
RE_SOURCING = """\
dosing:
  status: re-sourcing
  regimens:
    - indication: Resourcing indication text
      population: Adults
      route: Oral
      dose: 2.5 mg
      frequency: Three times daily
      duration: Resourcing duration text
"""
# A verified dose on a draft (held back: not reviewed), and one against an old revision of
# its source (held back: source revised); neither is on the page
HELD_NOT_REVIEWED = VERIFIED_YAML
HELD_SOURCE_REVISED = VERIFIED_YAML.replace("imnovid-smpc", "eliquis-smpc").replace(
    "dose: 4 mg", "dose: 7 mg"
)
HELD_DOSE = (
    "2.5 mg",
    "Three times daily",
    "Resourcing indication text",
    "Resourcing duration text",
    "4 mg",
    "7 mg",
    "Once daily",
    "Days 1 to 21",
    "Relapsed and refractory",
)


def write_project(root: Path, site_yaml: str) -> Path:
    """A formulary with one monograph per dose state; returns its monographs folder."""
    content = root / "monographs"
    content.mkdir(parents=True)
    write_registry(root)
    (root / "site.yaml").write_text(site_yaml, encoding="utf-8")
    files = {
        "pomalidomide": POMALIDOMIDE,
        "resourced": HEAD.format(name="Resourced", status="clinician-reviewed") + RE_SOURCING,
        "unreviewed": HEAD.format(name="Unreviewed", status="draft") + HELD_NOT_REVIEWED,
        "revised": HEAD.format(name="Revised", status="clinician-reviewed") + HELD_SOURCE_REVISED,
    }
    for slug, text in files.items():
        (content / f"{slug}.yaml").write_text(text, encoding="utf-8")
    return content


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("json-ld")
    content = write_project(root, FULL_SITE_YAML + f"base_url: {BASE_URL}\n")
    report = build(content, root / "_site", today=FIXTURE_TODAY)
    assert not report.failed, [d.format_text() for d in report.diagnostics]
    return root / "_site"


def page_html(site: Path, slug: str) -> str:
    return (site / "drugs" / slug / "index.html").read_text(encoding="utf-8")


def the_json_ld(html: str) -> tuple[str, dict[str, Any]]:
    """The page's one JSON-LD block, in ``<head>``: its text and what it parses to."""
    blocks = json_ld_blocks(html)
    assert len(blocks) == 1, blocks
    [(in_head, text)] = blocks
    assert in_head
    data = json.loads(text)
    assert isinstance(data, dict)
    return text, data


def test_a_reviewed_page_is_a_medical_web_page_about_the_drug(site: Path) -> None:
    html = page_html(site, "pomalidomide")
    text, data = the_json_ld(html)

    url = BASE_URL + "drugs/pomalidomide/"
    links = [attrs for tag, attrs in start_tags(html) if tag == "link"]
    canonical = [attrs["href"] for attrs in links if attrs["rel"] == "canonical"]
    assert canonical == [url]
    assert data == {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "name": "Pomalidomide",
        "lastReviewed": "2026-07-04",
        "reviewedBy": {"@type": "Person", "name": REVIEWER},
        "about": {
            "@type": "Drug",
            "name": "Pomalidomide",
            "nonProprietaryName": "Pomalidomide",
            "proprietaryName": ["Imnovid", "Pom</script><!--x"],
            "drugClass": {"@type": "DrugClass", "name": "Immunomodulator (thalidomide analogue)"},
            "code": {"@type": "MedicalCode", "codeValue": "1369713", "codingSystem": "RxNorm"},
        },
    }
    # the brand that tries to close the element is written \u003c, so it cannot
    assert "<" not in text and "\\u003c/script>\\u003c!--x" in text
    # compact and in a fixed order: the same page gives the same bytes
    assert "\n" not in text and ": " not in text
    compact = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert text == compact.replace("<", "\\u003c")


def test_a_draft_says_no_review_and_a_file_without_rxcui_or_brands_claims_none(
    site: Path,
) -> None:
    _, data = the_json_ld(page_html(site, "unreviewed"))

    assert "lastReviewed" not in data and "reviewedBy" not in data
    assert data["url"] == BASE_URL + "drugs/unreviewed/"
    assert data["about"] == {
        "@type": "Drug",
        "name": "Unreviewed",
        "nonProprietaryName": "Unreviewed",
        "drugClass": {"@type": "DrugClass", "name": "Test class"},
    }
    # reviewed, without a reviewer's name: the date, and no one
    _, reviewed = the_json_ld(page_html(site, "resourced"))
    assert reviewed["lastReviewed"] == "2026-06-01" and "reviewedBy" not in reviewed


def test_no_dose_is_in_the_json_ld_shown_or_held_back(site: Path) -> None:
    shown = page_html(site, "pomalidomide")
    text, _ = the_json_ld(shown)
    # the page shows the verified dose; the data about the page does not carry it
    assert all(part in visible_text(shown) for part in SHOWN_DOSE)
    assert not [part for part in SHOWN_DOSE if part in text]
    assert find_prose_doses(text) == []

    for slug in ("resourced", "unreviewed", "revised"):
        html = page_html(site, slug)
        assert "Dosing — being independently re-sourced" in visible_text(html), slug
        assert (slug == "revised") is ("being verified again" in visible_text(html)), slug
        text, _ = the_json_ld(html)
        assert not [part for part in HELD_DOSE if part in text], slug
        assert not [part for part in HELD_DOSE if part in html], slug  # nor anywhere else
        assert find_prose_doses(text) == [], slug


def test_only_monograph_pages_carry_json_ld(site: Path) -> None:
    pages = {p.relative_to(site).as_posix(): p.read_text("utf-8") for p in site.rglob("*.html")}
    with_data = sorted(path for path, html in pages.items() if json_ld_blocks(html))
    assert with_data == sorted(
        f"drugs/{slug}/index.html"
        for slug in ("pomalidomide", "resourced", "unreviewed", "revised")
    )


def test_without_a_base_url_the_page_is_named_by_its_path(tmp_path: Path) -> None:
    content = write_project(tmp_path, FULL_SITE_YAML)
    report = build(content, tmp_path / "_site", today=FIXTURE_TODAY)
    assert not report.failed, [d.format_text() for d in report.diagnostics]

    _, data = the_json_ld(page_html(tmp_path / "_site", "pomalidomide"))
    assert data["url"] == "/drugs/pomalidomide/"
