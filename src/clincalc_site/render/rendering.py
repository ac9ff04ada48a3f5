"""Render the assembled site into (relative path, bytes) pairs with Jinja.

Stage: render/ (docs/architecture.md). No I/O
beyond the template loader and its cache of compiled templates.

The dosing section is chosen here from the entry's ``DoseDecision``: ``partials/dose_table.html``
exactly when it holds a ``PublishedDose`` (which only ``dose_rules.decide`` can make),
``partials/dosing_banner.html`` otherwise. The template never decides whether a dose is safe
to show.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast
from urllib.parse import quote

import markupsafe

from clincalc_site.content.dose_rules import DoseDecision, PublishedDose
from clincalc_site.content.history import Change, MonographVersion
from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.content.loader import Entry, display_path
from clincalc_site.content.models import SAFETY_SECTIONS, Monograph
from clincalc_site.content.rules import REVIEW_MAX_MONTHS, is_overdue
from clincalc_site.diagnostics import Diagnostic, Location, Severity
from clincalc_site.render.api_export import json_ld
from clincalc_site.render.dashboard import DOSE_STATE_LABELS, dashboard, dose_queue
from clincalc_site.render.markup import MarkupRenderer
from clincalc_site.render.page_safety import dosing_problem
from clincalc_site.render.site_view import SiteView, brand_stylesheet
from clincalc_site.render.templates import (
    UnsafePage,
    long_date,
    make_environment,
    review_words,
)
from clincalc_site.site.assembly import DrugClass, RelatedLink, Site
from clincalc_site.site.settings import (
    BRAND_STYLESHEET,
)

BANNER_PARTIAL = "partials/dosing_banner.html"
DOSE_TABLE_PARTIAL = "partials/dose_table.html"
RXNAV_URL = "https://mor.nlm.nih.gov/RxNav/search?searchBy=RXCUI&searchTerm={}"

Page = tuple[str, bytes]
LEGEND_URL = "formulary-status/"  # what each formulary status means
SEARCH_URL = "search/"  # the results page (the header form's target); search/ holds its files
AZ_URL = "a-z/"  # a page per first letter: a-z/a/ ... a-z/z/, a-z/other/ for "#"
TREATMENT_LINES = {
    "first": "First line",
    "second": "Second line",
    "third": "Third line",
    "specialist": "Specialist use",
}


@dataclass(frozen=True)
class ReferenceView:
    label: str
    url: str | None


@dataclass(frozen=True)
class FormularyView:
    """The monograph's formulary block; status and flags are ids of site.yaml's vocabulary
    (templates look their labels up with ``site.status_of`` and ``site.flag_of``)."""

    status: str
    flags: tuple[str, ...]
    line: str  # "" when not given
    restrictions: str  # sanitised HTML
    approved_by: str
    approved_on: str  # "14 March 2025", or ""
    protocol: ReferenceView | None
    notes: str  # sanitised HTML

    @property
    def details(self) -> bool:
        """Whether there is more to show than the badge."""
        return bool(self.restrictions or self.approved_by or self.protocol or self.notes)


@dataclass(frozen=True)
class SafetySection:
    """One optional safety section: its heading and sanitised HTML (a paragraph block, or
    list items)."""

    heading: str
    html: str = ""
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class MonographView:
    """One monograph page, with Markdown already rendered and sanitised."""

    slug: str
    url: str
    name: str
    drug_class: str
    class_url: str
    specialist: bool
    brand_names: tuple[str, ...]
    summary: str
    mechanism: str
    prescribing: tuple[str, ...]
    monitoring: str
    counselling: tuple[str, ...]
    evidence: str
    safety: tuple[SafetySection, ...]  # only those the file has, in SAFETY_SECTIONS order
    formulary: FormularyView | None
    references: tuple[ReferenceView, ...]
    rxnav_url: str
    review_status: str
    review_date: str
    review_words: str  # "Reviewed 4 July 2026", "Draft, not yet reviewed": for search results
    reviewer: str
    overdue: bool
    draft: bool
    dose: PublishedDose | None
    dosing_partial: str
    held_back: str  # why a verified dose is not shown, for the reader (empty: nothing to say)
    related: tuple[RelatedLink, ...]
    changes: tuple[Change, ...]
    version: MonographVersion | None  # the version in force (None: not in git, or uncommitted)


@dataclass(frozen=True)
class PageLinks:
    """What a monograph page shows that does not come from its own file.

    The build cache re-renders a monograph page when its file, this value or a ``site`` field
    the page read changes, so anything else a page takes from the rest of the site must be
    added here (``page_links``), never read from ``Site`` inside ``view_of``.
    """

    class_url: str
    related: tuple[RelatedLink, ...]
    changes: tuple[Change, ...] = ()  # what changed in the monograph file, newest first
    version: MonographVersion | None = None  # its newest version in git

    def identity(self) -> tuple[object, ...]:
        """Everything this holds as plain tuples, for page keys: ``dataclasses.astuple``
        (which a test holds this equal to) and dataclass ``repr`` are much slower, and a
        warm build computes one key per monograph."""
        related = tuple((r.slug, r.name, r.curated) for r in self.related)
        changes = tuple((c.date, c.what) for c in self.changes)
        version = self.version
        numbered = None
        if version is not None:
            numbered = (version.number, version.date, version.blob, version.what, version.registry)
        return (self.class_url, related, changes, numbered)


def page_links(slug: str, site: Site) -> PageLinks:
    versions = site.versions.get(slug, ())
    return PageLinks(
        class_url(site.class_of[slug]),
        site.related[slug],
        tuple(site.history.get(slug, ())),
        versions[-1] if versions else None,
    )


def held_back_line(decision: DoseDecision) -> str:
    """The sentence under the banner when a verified dose waits for a newer source."""
    if decision.state == "held-source-revised" and decision.revised_on is not None:
        return (
            f"The source of this drug's dose was revised on {long_date(decision.revised_on)}; "
            "the dose is being verified again against the new revision."
        )
    return ""


@dataclass(frozen=True)
class LetterView:
    """One page of the A–Z: its letter ("#" for names that start with no letter A–Z)."""

    letter: str
    url: str
    count: int

    @property
    def label(self) -> str:
        return "other" if self.letter == "#" else self.letter


def letter_url(letter: str) -> str:
    return f"{AZ_URL}{'other' if letter == '#' else letter.lower()}/"


def monograph_url(slug: str) -> str:
    return f"drugs/{slug}/"


def class_url(drug_class: DrugClass) -> str:
    return f"classes/{drug_class.slug}/"


class Renderer:
    """Renders pages of one site; holds the Jinja environment and the Markdown converter."""

    def __init__(
        self, template_folders: Sequence[Path], site_view: SiteView, today: dt.date
    ) -> None:
        self.env = make_environment(template_folders)
        # A team's own templates are held to the dose rule page by page (page_safety).
        self.overrides = tuple(template_folders[:-1])
        self.markup = MarkupRenderer()
        self.site_view = site_view
        self.today = today

    def render(self, template: str, *, site: object = None, **context: object) -> bytes:
        """Render one template; ``site`` defaults to this site's ``SiteView``."""
        site_view = self.site_view if site is None else site
        text = self.env.get_template(template).render(site=site_view, **context)
        return text.encode("utf-8")

    def view_of(self, entry: Entry, links: PageLinks, summary: str | None = None) -> MonographView:
        """The page of one monograph, from its file and its ``PageLinks`` only.

        ``summary`` is the summary already rendered from this entry (a worker renders it
        while loading, for the index pages), so it is not rendered twice.
        """
        mono = entry.monograph
        md = self.markup
        dose = entry.dose.published
        return MonographView(
            slug=entry.slug,
            url=monograph_url(entry.slug),
            name=mono.name,
            drug_class=mono.drug_class,
            class_url=links.class_url,
            specialist=mono.specialist,
            brand_names=tuple(mono.brand_names),
            summary=md.inline(mono.summary) if summary is None else summary,
            mechanism=md.block(mono.mechanism),
            prescribing=tuple(md.inline(item) for item in mono.prescribing),
            monitoring=md.block(mono.monitoring) if mono.monitoring else "",
            counselling=tuple(md.inline(item) for item in mono.counselling),
            evidence=md.block(mono.evidence) if mono.evidence else "",
            safety=self._safety_sections(mono),
            formulary=self._formulary(mono),
            references=tuple(ReferenceView(r.label, r.url) for r in mono.references),
            rxnav_url=RXNAV_URL.format(quote(mono.rxcui)) if mono.rxcui else "",
            review_status=mono.review.status,
            review_date=mono.review.date.isoformat(),
            review_words=review_words(mono.review.status, mono.review.date),
            reviewer=mono.review.reviewer or "",
            overdue=is_overdue(mono.review.date, self.today),
            draft=mono.review.status != "clinician-reviewed",
            dose=dose,
            dosing_partial=DOSE_TABLE_PARTIAL
            if isinstance(dose, PublishedDose)
            else BANNER_PARTIAL,
            held_back=held_back_line(entry.dose),
            related=links.related,
            changes=links.changes,
            version=links.version,
        )

    def _formulary(self, mono: Monograph) -> FormularyView | None:
        entry = mono.formulary
        if entry is None:
            return None
        md = self.markup
        protocol = entry.protocol
        return FormularyView(
            status=entry.status,
            flags=tuple(entry.flags),
            line=TREATMENT_LINES[entry.line] if entry.line else "",
            restrictions=md.block(entry.restrictions) if entry.restrictions else "",
            approved_by=entry.approved_by or "",
            approved_on=long_date(entry.approved_on) if entry.approved_on else "",
            protocol=ReferenceView(protocol.label, protocol.url) if protocol else None,
            notes=md.block(entry.notes) if entry.notes else "",
        )

    def _safety_sections(self, mono: Monograph) -> tuple[SafetySection, ...]:
        sections: list[SafetySection] = []
        for name, heading in SAFETY_SECTIONS:
            value = getattr(mono, name)
            if isinstance(value, list) and value:
                items = tuple(self.markup.inline(item) for item in value)
                sections.append(SafetySection(heading, items=items))
            elif isinstance(value, str):
                sections.append(SafetySection(heading, html=self.markup.block(value)))
        return tuple(sections)

    def page_of(
        self,
        entry: Entry,
        links: PageLinks,
        site_view: object = None,
        summary: str | None = None,
    ) -> Page:
        """Render one monograph page; ``site_view`` stands in for ``site`` (the build cache),
        ``summary`` is the entry's summary if already rendered (see ``view_of``)."""
        view = self.view_of(entry, links, summary)
        # read through ``site_view``, so that the build cache notes the page uses base_url
        site = cast(SiteView, self.site_view if site_view is None else site_view)
        # Markup: json_ld writes no "<", so it cannot leave its <script>; escaped, it breaks
        data = markupsafe.Markup(json_ld(entry, site.address(view.url)))
        html = self.render(
            "monograph.html",
            site=site_view,
            page=view,
            review_max_months=REVIEW_MAX_MONTHS,
            json_ld=data,
        )
        if self.overrides:
            self._check_dosing(view, html)
        return f"{view.url}index.html", html

    def _check_dosing(self, view: MonographView, html: bytes) -> None:
        """Refuse a page whose dosing section a team's template removed or emptied."""
        dose = view.dose
        required = None
        if dose is not None:
            doses = [row.regimen.dose for row in dose.regimens]
            required = [f"verified by {dose.verifier.name}", dose.document.title, *doses]
        problem = dosing_problem(html.decode("utf-8"), required)
        if problem is None:
            return
        names = (view.dosing_partial, "monograph.html", "base.html")
        candidates = [folder / name for name in names for folder in self.overrides]
        overridden = [path for path in candidates if path.is_file()]
        shown = display_path(overridden[0]) if overridden else "templates"
        raise UnsafePage(
            Diagnostic(
                Location(shown),
                Severity.ERROR,
                "template.dosing_removed",
                f"{view.name}: {problem}",
                hint=f"your template must keep {{% include page.dosing_partial %}} in "
                "monograph.html, and the wording of the packaged "
                f"{view.dosing_partial} (see docs/templates.md)",
            )
        )

    def index_page_jobs(
        self, site: Site, summaries: Mapping[str, str]
    ) -> list[tuple[str, IndexRender]]:
        """Each index page's path and the call that renders it.

        The call takes a stand-in for ``site`` (or None); the build cache uses this to
        render only the index pages whose inputs changed. ``summaries``: each monograph's
        summary as HTML, by slug (class pages list them).
        """
        render = self.render
        groups = site.letters
        letters = [LetterView(letter, letter_url(letter), len(group)) for letter, group in groups]
        urls = ["", "classes/", *(view.url for view in letters)]
        urls += [class_url(c) for c in site.classes]
        urls += [monograph_url(e.slug) for e in site.entries]
        jobs: list[tuple[str, IndexRender]] = [
            ("index.html", lambda v: render("index.html", site=v, letters=letters)),
            (f"{SEARCH_URL}index.html", lambda v: render("search.html", site=v, letters=letters)),
            ("classes/index.html", lambda v: render("classes.html", site=v, classes=site.classes)),
        ]
        for view, (_, group) in zip(letters, groups, strict=True):
            jobs.append(
                (
                    f"{view.url}index.html",
                    functools.partial(_render_letter, render, view, letters, group),
                )
            )
        for drug_class in site.classes:
            jobs.append(
                (
                    f"{class_url(drug_class)}index.html",
                    functools.partial(_render_class, render, drug_class, summaries),
                )
            )
        today = self.today

        def render_dashboard(v: object) -> bytes:  # built only when the page is rendered
            rows, totals = dashboard(site, today)
            revised = {
                e.dose.document: e.dose.revised_on
                for e in site.entries
                if e.dose.document is not None and e.dose.revised_on is not None
            }
            queue = dose_queue(rows, revised)
            status_counts = Counter(e.formulary_status or "" for e in site.entries)
            return render(
                "editorial.html",
                site=v,
                status_counts=status_counts,
                rows=rows,
                totals=totals,
                queue=queue,
                state_labels=DOSE_STATE_LABELS,
            )

        jobs.append(("editorial/index.html", render_dashboard))
        jobs.append(("404.html", lambda v: render("404.html", site=v)))
        if self.site_view.formulary is not None:
            by_status: dict[str, list[IndexEntry]] = {}
            for entry in site.entries:
                if entry.formulary_status is not None:
                    by_status.setdefault(entry.formulary_status, []).append(entry)
            jobs.append(
                (
                    f"{LEGEND_URL}index.html",
                    lambda v: render("formulary-status.html", site=v, by_status=by_status),
                )
            )
            urls.append(LEGEND_URL)
        if self.site_view.base_url:  # a sitemap lists absolute addresses, or is not made
            jobs.append(("sitemap.xml", lambda v: render("sitemap.xml", site=v, urls=sorted(urls))))
        if self.site_view.brand_stylesheet:
            jobs.append((BRAND_STYLESHEET, brand_stylesheet))
        jobs.append(("robots.txt", lambda v: render("robots.txt", site=v)))
        return jobs


IndexRender = Callable[[object], bytes]


def _render_letter(
    render: Callable[..., bytes],
    page: LetterView,
    letters: Sequence[LetterView],
    entries: Sequence[IndexEntry],
    site_view: object,
) -> bytes:
    return render("letter.html", site=site_view, page=page, letters=letters, entries=entries)


def _render_class(
    render: Callable[..., bytes],
    drug_class: DrugClass,
    summaries: Mapping[str, str],
    site_view: object,
) -> bytes:
    return render("class.html", site=site_view, drug_class=drug_class, summaries=summaries)
