"""What a reader and an editor see, pinned where mutation testing found it loose.

Pages are rendered in the test itself (not read from a build shared by many tests), so each
assertion is tied to the rendering code it checks (docs/testing.md): the draft and overdue
notices, the reviewer, the reference and RxNorm links, no empty section headings; the
editorial dashboard's counts; the re-sourcing queue's A–Z order and its source documents.
"""

from __future__ import annotations

import datetime as dt

from dose_fixtures import REGISTRY, VERIFIED_YAML
from sitetools import links, visible_lines, visible_text

from clincalc_site.build.config import DEFAULT_TEMPLATES
from clincalc_site.content.index_entry import index_entry
from clincalc_site.content.loader import Entry, load_text
from clincalc_site.render.dashboard import DashboardRow, dashboard, dose_queue
from clincalc_site.render.rendering import RXNAV_URL, PageLinks, Renderer
from clincalc_site.render.site_view import SiteView, make_site_view
from clincalc_site.site.assembly import Site, assemble_site
from clincalc_site.site.counts import count_site
from clincalc_site.site.settings import SiteSettings

TODAY = dt.date(2026, 11, 26)
REVIEWED = """\
name: Pomalidomide
drug_class: Immunomodulator
summary: Oral immunomodulator.
mechanism: Cereblon-mediated degradation.
monitoring: Full blood count weekly for the first 8 weeks.
evidence: MM-003 showed longer progression-free survival.
references:
  - label: NICE TA427
    url: https://www.nice.org.uk/guidance/ta427
  - label: Local protocol
rxcui: "1369713"
review:
  status: clinician-reviewed
  date: 2026-07-04
  reviewer: Dr B. Checker
"""
DRAFT = """\
name: Draftomab
drug_class: Anticoagulant
summary: A draft.
mechanism: Not yet written up.
dosing:
  status: re-sourcing
review:
  status: draft
  date: 2026-11-01
"""
OVERDUE = """\
name: Oldolol
drug_class: beta blocker
summary: Reviewed long ago.
mechanism: Blocks beta receptors.
dosing:
  status: re-sourcing
  source: {document: eliquis-smpc, section: "4.2", revision: 2026-01-10}
review:
  status: clinician-reviewed
  date: 2023-01-01
"""


def entry(slug: str, text: str) -> Entry:
    loaded, diagnostics = load_text(text, f"monographs/{slug}.yaml", slug, TODAY, REGISTRY)
    assert loaded is not None, [d.format_text() for d in diagnostics]
    return loaded


def full_entries() -> list[Entry]:
    return [
        entry("pomalidomide", REVIEWED + VERIFIED_YAML),
        entry("draftomab", DRAFT),
        entry("oldolol", OVERDUE),
    ]


def site() -> Site:
    assembled, problems = assemble_site([index_entry(e) for e in full_entries()], SiteSettings())
    assert problems == []
    return assembled


def site_view(whole: Site) -> SiteView:
    return make_site_view(whole, SiteSettings(), TODAY, "", count_site(whole, TODAY))


def page(slug: str) -> str:
    """The monograph page of ``slug``, rendered here."""
    whole = site()
    [found] = [e for e in full_entries() if e.slug == slug]
    renderer = Renderer(
        (DEFAULT_TEMPLATES,),
        make_site_view(whole, SiteSettings(), TODAY, "", count_site(whole, TODAY)),
        TODAY,
    )
    path, html = renderer.page_of(found, PageLinks(class_url="classes/x/", related=()))
    assert path == f"drugs/{slug}/index.html"
    return html.decode("utf-8")


def editorial_page() -> str:
    whole = site()
    renderer = Renderer(
        (DEFAULT_TEMPLATES,),
        make_site_view(whole, SiteSettings(), TODAY, "", count_site(whole, TODAY)),
        TODAY,
    )
    [render] = [
        job for path, job in renderer.index_page_jobs(whole, {}) if path.startswith("editorial")
    ]
    return render(None).decode("utf-8")


# --- Monograph pages --------------------------------------------------------------------------


def test_a_reviewed_page_names_its_reviewer_and_links_its_references_and_rxnorm() -> None:
    html = page("pomalidomide")
    text = visible_text(html)

    assert "Monograph status: clinician-reviewed (2026-07-04), reviewed by Dr B. Checker." in text
    assert "https://www.nice.org.uk/guidance/ta427" in links(html)
    assert "Reference: NICE TA427; Local protocol;" in text
    assert RXNAV_URL.format("1369713") in links(html)
    assert "Drug verified in RxNorm (NLM)" in text
    assert "Draft — not yet reviewed" not in text
    assert "Review overdue" not in text


def test_a_reviewed_page_shows_its_verified_dose() -> None:
    text = visible_text(page("pomalidomide"))

    assert "independently verified by A. Smith, MPharm" in text
    assert "Monitoring" in visible_lines(page("pomalidomide"))


def test_a_draft_page_says_it_is_a_draft_and_has_no_empty_sections() -> None:
    html = page("draftomab")
    lines = visible_lines(html)

    assert "Draft — not yet reviewed by a clinician. Status: draft (2026-11-01)." in lines
    assert "Monitoring" not in lines
    assert "Evidence & guidelines" not in lines
    assert "Monograph status: draft (2026-11-01)." in visible_text(html)  # no reviewer named
    assert not any(link.startswith("https://mor.nlm.nih.gov/") for link in links(html))


def test_an_overdue_page_says_so() -> None:
    text = visible_text(page("oldolol"))

    assert "Review overdue: last reviewed 2023-01-01" in text


# --- The editorial dashboard and the re-sourcing queue ----------------------------------------


def test_the_dashboard_lists_each_monograph_with_its_name_status_and_document() -> None:
    rows, _ = dashboard(site(), TODAY)

    assert [(r.name, r.status, r.dose_state, r.document) for r in rows] == [
        ("Draftomab", "draft", "re-sourcing", ""),
        ("Oldolol", "clinician-reviewed", "re-sourcing", "eliquis-smpc"),
        ("Pomalidomide", "clinician-reviewed", "published", "imnovid-smpc"),
    ]


def test_the_dashboard_totals_add_up() -> None:
    _, totals = dashboard(site(), TODAY)

    assert totals == {
        "monographs": 3,
        "reviewed": 2,
        "drafts": 1,
        "overdue": 1,
        "verified": 1,
        "resourcing": 2,
    }


def test_the_editorial_page_shows_the_totals_and_each_row() -> None:
    lines = visible_lines(editorial_page())

    assert "2 clinician-reviewed, 1 draft or in review" in lines
    assert (
        "1 verified dose shown, 2 not shown (held back or re-sourcing: see the re-sourcing queue)"
        in lines
    )
    assert "Draftomab" in lines
    assert "draft" in lines


def test_the_queue_by_document_lists_only_documents_a_dose_cites() -> None:
    rows, _ = dashboard(site(), TODAY)

    queue = dose_queue(rows, {})

    assert [name for name, _ in queue.by_document] == ["eliquis-smpc", "imnovid-smpc"]


def row(drug_class: str, document: str, state: str = "re-sourcing") -> DashboardRow:
    return DashboardRow(
        slug=drug_class.casefold().replace(" ", "-"),
        name=drug_class,
        status="clinician-reviewed",
        review_date="2026-07-04",
        age_days=145,
        overdue=False,
        verified=state == "published",
        last_change=None,
        drug_class=drug_class,
        dose_state=state,
        document=document,
    )


def test_the_queue_lists_classes_and_documents_a_to_z_whatever_their_capitals() -> None:
    rows = [
        row("beta blocker", "Zestril-smpc"),
        row("ACE inhibitor", "eliquis-smpc", "published"),
        row("Anticoagulant", "apixaban-smpc"),
    ]

    queue = dose_queue(rows, {})

    assert [name for name, _ in queue.by_class] == [
        "ACE inhibitor",
        "Anticoagulant",
        "beta blocker",
    ]
    assert [name for name, _ in queue.by_document] == [
        "apixaban-smpc",
        "eliquis-smpc",
        "Zestril-smpc",
    ]
    assert dict(queue.by_class)["ACE inhibitor"]["published"] == 1
