"""The starter formulary keeps its promises: honest review status, no published dose, and
enough real material for every class page, the A–Z and the related links."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from oracle import load_monographs

from clincalc_site.build import pipeline
from clincalc_site.build.config import BuildConfig
from clincalc_site.content.models import SAFETY_SECTIONS
from clincalc_site.diagnostics import Severity

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "monographs"
SEED_SLUG = "pomalidomide"
# The newest review date in the starter content; building "as of" it keeps the test stable.
AS_OF = dt.date(2026, 11, 26)


def raw_monographs() -> dict[str, dict[str, Any]]:
    return {
        path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted(CONTENT.glob("*.yaml"))
    }


def test_only_the_seed_page_claims_clinician_review() -> None:
    reviewed = [
        slug
        for slug, data in raw_monographs().items()
        if isinstance(data.get("review"), dict)
        and data["review"].get("status") == "clinician-reviewed"
    ]
    assert reviewed == [SEED_SLUG]


def test_no_starter_monograph_publishes_a_dose() -> None:
    result = load_monographs(CONTENT, AS_OF)
    assert result.entries
    assert [e.slug for e in result.entries if e.dose.published is not None] == []
    assert all(e.monograph.dosing is None or e.monograph.dosing.status == "re-sourcing"
               for e in result.entries)  # fmt: skip


def test_check_reports_no_errors_or_warnings() -> None:
    report = pipeline.check(BuildConfig(content_dir=CONTENT, today=AS_OF, strict=True))
    problems = [d for d in report.diagnostics if d.severity is not Severity.NOTE]
    assert problems == []
    assert not report.failed


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("starter") / "site"
    config = BuildConfig(content_dir=CONTENT, output_dir=out, today=AS_OF)
    report = pipeline.build(config)
    assert not report.failed, report.diagnostics
    return out


def test_site_has_enough_drugs_and_classes(built: Path) -> None:
    drug_pages = sorted(built.glob("drugs/*/index.html"))
    class_pages = sorted(built.glob("classes/*/index.html"))
    assert len(drug_pages) >= 40
    assert len(class_pages) >= 10
    alone = []
    for page in class_pages:
        members = re.findall(r'href="/drugs/[a-z0-9-]+/"', page.read_text(encoding="utf-8"))
        if len(set(members)) < 2:
            alone.append(page.parent.name)
    # Thalidomide is the parent compound, not a "thalidomide analogue" (the class line its
    # siblings share, fixed for pomalidomide by the seed page): it is the one class of one.
    assert alone == ["immunomodulator"]


def test_every_drug_page_has_at_least_two_related_links(built: Path) -> None:
    for page in sorted(built.glob("drugs/*/index.html")):
        html = page.read_text(encoding="utf-8")
        related = html.partition('id="related-heading"')[2]
        links = set(re.findall(r'href="/drugs/([a-z0-9-]+)/"', related))
        assert len(links) >= 2, f"{page.parent.name} has {len(links)} related links"
        assert page.parent.name not in links


def test_every_draft_page_says_so_and_shows_the_banner(built: Path) -> None:
    for slug, data in raw_monographs().items():
        html = (built / "drugs" / slug / "index.html").read_text(encoding="utf-8")
        assert "Dosing — being independently re-sourced" in html
        is_draft = data["review"]["status"] != "clinician-reviewed"
        assert ("Draft — not yet reviewed by a clinician" in html) is is_draft


def test_every_monograph_but_the_seed_has_a_safety_section() -> None:
    """The seed page stays word for word; every other monograph says at least one of the
    safety sections (contraindications, pregnancy …) a prescriber looks for."""
    safety = {name for name, _ in SAFETY_SECTIONS}
    without = [slug for slug, data in raw_monographs().items() if not safety & set(data)]
    assert without == [SEED_SLUG]


def test_only_the_thalidomide_analogues_carry_the_example_status(built: Path) -> None:
    statuses = {
        slug: data["formulary"]["status"]
        for slug, data in raw_monographs().items()
        if "formulary" in data
    }
    assert statuses == {"lenalidomide": "red", "pomalidomide": "red", "thalidomide": "red"}
    legend = (built / "formulary-status" / "index.html").read_text(encoding="utf-8")
    assert "An example, not a decision." in legend
    assert "not any organisation's formulary decisions" in legend.replace("&#39;", "'")
