"""What every template sees as ``site``: the ``SiteView``, made once per build.

Stage: render/ (docs/architecture.md). Pure. The build cache notes which of its fields each
page reads (a method's reads are noted too), and re-renders a page when one of them changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast
from urllib.parse import quote, urlencode, urlsplit

from clincalc_site.render.markup import MarkupRenderer
from clincalc_site.site.assembly import Site
from clincalc_site.site.counts import SiteCounts
from clincalc_site.site.formulary import FormularyFlag, FormularyStatus, FormularyVocabulary
from clincalc_site.site.settings import (
    BRAND_STYLESHEET,
    DEFAULT_COLOUR,
    SiteSettings,
    is_documentation_address,
)


@dataclass(frozen=True)
class SiteView:
    """Site-wide values every template sees as ``site``."""

    name: str
    base_url: str  # "" when site.yaml names none: no canonical links, no sitemap
    base_path: str
    language: str
    build_date: str
    version: str
    total: int
    classes: int
    verified: int
    # Branding (site.yaml; docs/site-settings.md)
    organisation: str = ""
    banner_name: str = "ClinCalc Pro"  # who "is rebuilding its dose data" in the banner
    logo: str = ""  # path in the site, e.g. "static/logo.svg"; "" for none
    theme_colour: str = DEFAULT_COLOUR
    brand_stylesheet: str = ""  # BRAND_STYLESHEET when the team chose a colour
    footer: str = ""  # sanitised HTML from the footer's Markdown
    report_problem: str = ""  # mailto: or https: address; "" for none
    # The formulary vocabulary (site.yaml), or None: then no status appears anywhere
    formulary: FormularyVocabulary | None = None
    formulary_note: str = ""  # sanitised HTML of its note, for the legend page
    as_of: str = ""  # build --as-of: "3 March 2026", the day the content is shown as of
    feeds: bool = False  # the site has Atom feeds (render/feeds.py): its history is in git

    def status_of(self, status_id: str) -> FormularyStatus:
        """The declared status of that id (a build refused any other)."""
        assert self.formulary is not None
        found = self.formulary.status(status_id)
        assert found is not None, status_id
        return found

    def flag_of(self, flag_id: str) -> FormularyFlag:
        assert self.formulary is not None
        found = self.formulary.flag(flag_id)
        assert found is not None, flag_id
        return found

    def report_link(self, drug: str, path: str) -> str:
        """The "report a problem" address, prefilled with the drug and the page's address."""
        page = self.address(path)
        if self.report_problem.startswith("mailto:"):
            fields = {"subject": f"Problem with the {drug} page", "body": f"Page: {page}\n\n"}
        else:
            fields = {"drug": drug, "page": page}
        joiner = "&" if "?" in self.report_problem else "?"
        return self.report_problem + joiner + urlencode(fields, quote_via=quote)

    def url(self, path: str) -> str:
        """Root-relative link that also works when the site lives under a sub-path."""
        return self.base_path + path.lstrip("/")

    def absolute(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    def address(self, path: str) -> str:
        """The page's full address when the site has one, else its root-relative link."""
        return self.absolute(path) if self.base_url else self.url(path)


def make_site_view(  # noqa: PLR0917 (the stage's inputs, each named at the call)
    site: Site,
    settings: SiteSettings,
    today: dt.date,
    version: str,
    counts: SiteCounts,
    as_of: dt.date | None = None,  # build --as-of
) -> SiteView:
    markup = MarkupRenderer()
    vocabulary = settings.formulary
    base_path = urlsplit(settings.base_url or "").path or "/"
    # An example.org address is no address: no canonical links, no sitemap (a --strict
    # build refuses it; a draft build is built as if none were set).
    base_url = settings.base_url or ""
    if is_documentation_address(base_url):
        base_url = ""
    return SiteView(
        name=settings.site_name,
        base_url=base_url,
        base_path=base_path if base_path.endswith("/") else base_path + "/",
        language=settings.language,
        build_date=today.isoformat(),
        version=version or today.isoformat(),
        total=len(site.entries),
        classes=len(site.classes),
        verified=counts.verified,
        organisation=settings.organisation,
        banner_name=settings.banner_name or settings.organisation or settings.site_name,
        logo=f"static/{settings.logo}" if settings.logo else "",
        theme_colour=settings.brand_colour or DEFAULT_COLOUR,
        brand_stylesheet=BRAND_STYLESHEET if settings.brand_colour or settings.formulary else "",
        footer=markup.block(settings.footer) if settings.footer else "",
        report_problem=settings.report_problem or "",
        formulary=settings.formulary,
        as_of=f"{as_of.day} {as_of:%B %Y}" if as_of else "",
        feeds=bool(site.versions),
        formulary_note=markup.block(vocabulary.note) if vocabulary and vocabulary.note else "",
    )


def brand_stylesheet(view: object) -> bytes:
    """The team's colours: links and buttons (site.css reads ``--link`` and ``--accent``)
    and each formulary status's label (``--status``). A file, since the pages' Content
    Security Policy allows no inline style.

    ``view``: the ``SiteView``, or the stand-in that notes what an index page reads."""
    site = cast(SiteView, view)
    colour = site.theme_colour
    lines = [f":root {{ --link: {colour}; --accent: {colour}; }}"]
    for status in site.formulary.statuses if site.formulary else ():
        lines.append(f".status-{status.id} {{ --status: {status.colour}; }}")
    return ("\n".join(lines) + "\n").encode()
