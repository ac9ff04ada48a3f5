"""Render the assembled site into (relative path, bytes) pairs with Jinja.

Stage: render. May import: site, models, markup, rules, config, loader (types), jinja2. No I/O
beyond the template loader and its cache of compiled templates.

The dosing section is chosen here from the entry's ``DoseDecision``: ``partials/dose_table.html``
exactly when it holds a ``PublishedDose`` (which only ``dose_rules.decide`` can make),
``partials/dosing_banner.html`` otherwise. The template never decides whether a dose is safe
to show.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
import jinja2.bccache
import markupsafe

from clincalc_site.content.dose_rules import DoseDecision, PublishedDose
from clincalc_site.content.history import Change
from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.content.loader import Entry, display_path
from clincalc_site.content.rules import REVIEW_MAX_MONTHS, is_overdue
from clincalc_site.diagnostics import Diagnostic, Location, Severity
from clincalc_site.render.markup import MarkupRenderer
from clincalc_site.site.assembly import DrugClass, RelatedLink, Site
from clincalc_site.site.settings import SiteSettings

BANNER_PARTIAL = "partials/dosing_banner.html"
DOSE_TABLE_PARTIAL = "partials/dose_table.html"
RXNAV_URL = "https://mor.nlm.nih.gov/RxNav/search?searchBy=RXCUI&searchTerm={}"

Page = tuple[str, bytes]


@dataclass(frozen=True)
class SiteView:
    """Site-wide values every template sees as ``site``."""

    name: str
    base_url: str
    base_path: str
    language: str
    build_date: str
    version: str
    total: int
    classes: int
    verified: int

    def url(self, path: str) -> str:
        """Root-relative link that also works when the site lives under a sub-path."""
        return self.base_path + path.lstrip("/")

    def absolute(self, path: str) -> str:
        return self.base_url + path.lstrip("/")


@dataclass(frozen=True)
class ReferenceView:
    label: str
    url: str | None


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
    references: tuple[ReferenceView, ...]
    rxnav_url: str
    review_status: str
    review_date: str
    reviewer: str
    overdue: bool
    draft: bool
    dose: PublishedDose | None
    dosing_partial: str
    held_back: str  # why a verified dose is not shown, for the reader (empty: nothing to say)
    related: tuple[RelatedLink, ...]
    changes: tuple[Change, ...]


# A number followed by a space and a unit or word: "1.25 mg", "20 mg daily", "2.5 micrograms".
_NUMBER_THEN_UNIT = re.compile(r"(\d) (?=[^\W\d_]|%)")


def keep_units(text: str) -> markupsafe.Markup:
    """Escape ``text`` and keep each number on one line with the unit after it.

    A dose that wraps between "1.25" and "mg" is a misreading risk, so the space is made
    non-breaking. Examples: ``keep_units("1.25 mg")`` -> ``1.25&nbsp;mg``;
    ``keep_units("<b>5 mg</b>")`` -> ``&lt;b&gt;5&nbsp;mg&lt;/b&gt;``.
    """
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(_NUMBER_THEN_UNIT.sub("\\1&nbsp;", escaped))


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's on-disk cache of compiled templates, which a full disk cannot break."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):  # only a cache: the build goes on without it
            super().dump_bytecode(bucket)


def compiled_templates_cache() -> jinja2.BytecodeCache | None:
    """This user's folder of compiled templates, or None where it cannot be kept private.

    Compiling the templates costs 50–100 ms in every process of every build, a preview
    reload included; Jinja keys each entry by the template's source, so an edited template
    is compiled afresh. The folder (``$XDG_CACHE_HOME/clincalc-site/templates``) sits beside
    the build cache's signing key, outside every project: loading compiled code runs it, so
    it must be a folder only this user can write.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "clincalc-site" / "templates"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and not info.st_mode & 0o077
    if not private or info.st_uid != os.getuid():
        return None
    return _CompiledTemplates(str(folder))


def make_environment(templates_dir: Path) -> jinja2.Environment:
    """Jinja with autoescape always on and StrictUndefined (a typo is an error, not a blank)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        bytecode_cache=compiled_templates_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # One environment serves one build (a preview makes a new one per rebuild), so the
        # templates are read once; with auto_reload Jinja stats each template file again on
        # every page and include: 5 stats and ~9% of a page's render.
        auto_reload=False,
    )
    env.filters["keep_units"] = keep_units
    env.filters["long_date"] = long_date
    return env


def make_site_view(site: Site, settings: SiteSettings, today: dt.date, version: str) -> SiteView:
    base_path = urlsplit(settings.base_url).path or "/"
    verified = sum(1 for e in site.entries if e.dose.shown)
    return SiteView(
        name=settings.site_name,
        base_url=settings.base_url,
        base_path=base_path if base_path.endswith("/") else base_path + "/",
        language=settings.language,
        build_date=today.isoformat(),
        version=version or today.isoformat(),
        total=len(site.entries),
        classes=len(site.classes),
        verified=verified,
    )


@dataclass(frozen=True)
class PageLinks:
    """What a monograph page shows that does not come from its own file.

    The build cache re-renders a monograph page when its file, this value or a ``site`` field
    the page read changes, so anything else a page takes from the rest of the site must be
    added here (``page_links``), never read from ``Site`` inside ``view_of``.
    """

    class_url: str
    related: tuple[RelatedLink, ...]
    changes: tuple[Change, ...] = ()  # the monograph file's git history, newest first

    def identity(self) -> tuple[object, ...]:
        """Everything this holds as plain tuples, for page keys: ``dataclasses.astuple``
        (which a test holds this equal to) and dataclass ``repr`` are ten times slower,
        and a warm build computes one key per monograph."""
        related = tuple((r.slug, r.name, r.curated) for r in self.related)
        changes = tuple((c.date, c.subject, c.commit) for c in self.changes)
        return (self.class_url, related, changes)


def page_links(slug: str, site: Site) -> PageLinks:
    return PageLinks(
        class_url(site.class_of[slug]), site.related[slug], tuple(site.history.get(slug, ()))
    )


@dataclass(frozen=True)
class DashboardRow:
    """One monograph on the editorial dashboard."""

    slug: str
    name: str
    status: str
    review_date: str
    age_days: int
    overdue: bool
    verified: bool
    last_change: Change | None
    drug_class: str = ""
    dose_state: str = "re-sourcing"  # DoseDecision.state
    document: str = ""  # the source document the dose cites, if any


def dashboard(site: Site, today: dt.date) -> tuple[list[DashboardRow], dict[str, int]]:
    """Rows (A–Z) and totals for /editorial/: review state, dose state, last change."""
    rows: list[DashboardRow] = []
    for entry in site.entries:
        review = entry.review
        changes = site.history.get(entry.slug, ())
        rows.append(
            DashboardRow(
                slug=entry.slug,
                name=entry.name,
                status=review.status,
                review_date=review.date.isoformat(),
                age_days=(today - review.date).days,
                overdue=is_overdue(review.date, today),
                verified=entry.dose.shown,
                last_change=changes[0] if changes else None,
                drug_class=entry.drug_class,
                dose_state=entry.dose.state,
                document=entry.dose.document or "",
            )
        )
    verified = sum(1 for row in rows if row.verified)
    reviewed = sum(1 for row in rows if row.status == "clinician-reviewed")
    totals = {
        "monographs": len(rows),
        "reviewed": reviewed,
        "drafts": len(rows) - reviewed,
        "overdue": sum(1 for row in rows if row.overdue),
        "verified": verified,
        "resourcing": len(rows) - verified,
    }
    return rows, totals


DOSE_STATE_LABELS = {
    "published": "verified and shown",
    "held-not-reviewed": "verified, held back: monograph not yet reviewed",
    "held-source-revised": "verified, held back: source revised since",
    "re-sourcing": "re-sourcing",
}


@dataclass(frozen=True)
class DoseQueue:
    """The re-sourcing queue on /editorial/: every dose state, counted three ways."""

    by_state: tuple[tuple[str, int], ...]  # (label, count), in DOSE_STATE_LABELS order
    by_class: tuple[tuple[str, dict[str, int]], ...]  # class -> state -> count, A–Z
    by_document: tuple[tuple[str, dict[str, int]], ...]  # source id -> state -> count
    revised: tuple[tuple[str, str, int], ...]  # (source id, revised on, doses held back)


def dose_queue(rows: list[DashboardRow], revised_on: dict[str, dt.date]) -> DoseQueue:
    """Count the rows' dose states; ``revised_on``: document -> its newer revision."""
    states = list(DOSE_STATE_LABELS)

    def tally(key: str) -> tuple[tuple[str, dict[str, int]], ...]:
        groups: dict[str, dict[str, int]] = {}
        for row in rows:
            group = getattr(row, key)
            if not group:
                continue
            counts = groups.setdefault(group, dict.fromkeys(states, 0))
            counts[row.dose_state] += 1
        return tuple(sorted(groups.items(), key=lambda item: item[0].casefold()))

    held = [row.document for row in rows if row.dose_state == "held-source-revised"]
    return DoseQueue(
        by_state=tuple(
            (DOSE_STATE_LABELS[state], sum(1 for row in rows if row.dose_state == state))
            for state in states
        ),
        by_class=tally("drug_class"),
        by_document=tally("document"),
        revised=tuple(
            (document, long_date(revised_on[document]), held.count(document))
            for document in sorted(set(held))
            if document in revised_on
        ),
    )


def long_date(day: dt.date) -> str:
    """'14 March 2025': how UK readers write a date in a sentence."""
    return f"{day.day} {day:%B %Y}"


def held_back_line(decision: DoseDecision) -> str:
    """The sentence under the banner when a verified dose waits for a newer source."""
    if decision.state == "held-source-revised" and decision.revised_on is not None:
        return (
            f"The source of this drug's dose was revised on {long_date(decision.revised_on)}; "
            "the dose is being verified again against the new revision."
        )
    return ""


def monograph_url(slug: str) -> str:
    return f"drugs/{slug}/"


def class_url(drug_class: DrugClass) -> str:
    return f"classes/{drug_class.slug}/"


class Renderer:
    """Renders pages of one site; holds the Jinja environment and the Markdown converter."""

    def __init__(self, templates_dir: Path, site_view: SiteView, today: dt.date) -> None:
        self.env = make_environment(templates_dir)
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
            references=tuple(ReferenceView(r.label, r.url) for r in mono.references),
            rxnav_url=RXNAV_URL.format(quote(mono.rxcui)) if mono.rxcui else "",
            review_status=mono.review.status,
            review_date=mono.review.date.isoformat(),
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
        )

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
        html = self.render(
            "monograph.html", site=site_view, page=view, review_max_months=REVIEW_MAX_MONTHS
        )
        return f"{view.url}index.html", html

    def index_page_jobs(
        self, site: Site, summaries: Mapping[str, str]
    ) -> list[tuple[str, IndexRender]]:
        """Each index page's path and the call that renders it.

        The call takes a stand-in for ``site`` (or None); the build cache uses this to
        render only the index pages whose inputs changed. ``summaries``: each monograph's
        summary as HTML, by slug (class pages list them).
        """
        render = self.render
        urls = ["", "classes/"]
        urls += [class_url(c) for c in site.classes]
        urls += [monograph_url(e.slug) for e in site.entries]
        jobs: list[tuple[str, IndexRender]] = [
            (
                "index.html",
                lambda v: render("index.html", site=v, letters=site.letters),
            ),
            ("classes/index.html", lambda v: render("classes.html", site=v, classes=site.classes)),
        ]
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
            return render(
                "editorial.html",
                site=v,
                rows=rows,
                totals=totals,
                queue=queue,
                state_labels=DOSE_STATE_LABELS,
            )

        jobs.append(("editorial/index.html", render_dashboard))
        jobs.append(("404.html", lambda v: render("404.html", site=v)))
        jobs.append(("sitemap.xml", lambda v: render("sitemap.xml", site=v, urls=sorted(urls))))
        jobs.append(("robots.txt", lambda v: render("robots.txt", site=v)))
        return jobs


IndexRender = Callable[[object], bytes]


def _render_class(
    render: Callable[..., bytes],
    drug_class: DrugClass,
    summaries: Mapping[str, str],
    site_view: object,
) -> bytes:
    return render("class.html", site=site_view, drug_class=drug_class, summaries=summaries)


class TemplateFailure(Exception):
    """A template failed in a worker process; ``diagnostic`` says where and why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def template_diagnostic(exc: Exception, templates_dir: Path) -> Diagnostic:
    """A located error for a template that failed to render.

    An index page template that reads more of a monograph than its ``IndexEntry`` holds is
    told what it can read instead.
    """
    name = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", 0) or 0
    if name is None:  # a failure while rendering: Jinja's traceback frames name the template
        name, line = _template_frame(exc) or (getattr(exc, "name", None) or "templates", 0)
    shown = display_path(Path(name)) if os.path.isabs(str(name)) else str(name)
    message = getattr(exc, "message", None) or str(exc)
    hint = f"fix the template in {templates_dir}"
    if isinstance(exc, jinja2.UndefinedError) and "IndexEntry" in message:
        readable = ", ".join(f.name for f in dataclasses.fields(IndexEntry))
        hint = (
            f"index pages see each monograph as an IndexEntry: {readable}, "
            "and its summary as summaries[slug]; read only those"
        )
    return Diagnostic(
        Location(shown, line, 1 if line else 0),
        Severity.ERROR,
        "template.error",
        f"template error: {message}",
        hint=hint,
    )


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line in ``exc``'s traceback (Jinja maps its frames
    back to the template source), or None."""
    found = None
    trace = exc.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".json", ".js")):
            found = (filename, trace.tb_lineno)
        trace = trace.tb_next
    return found
