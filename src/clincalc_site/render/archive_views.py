"""Archive pages (one earlier version of a monograph) and history pages, as views and HTML.

Stage: render/ (docs/architecture.md). Pure but for the templates.

An archive page is the monograph page of one earlier version, rendered with this build's
templates, under a notice that says when it was superseded (or that the monograph was
withdrawn) and whether the dose it shows is still the current one. Its dose comes from the
version's own ``Entry`` (``dose_rules.decide``, as every page's does), so it shows a dose only
when that version's dosing block passes the dose contract. A history page lists every
version with what changed, in the words of the "Changes" list, and a word-by-word
comparison of the prose between consecutive versions: never of the dosing block.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from clincalc_site.content.history import MonographVersion
from clincalc_site.content.loader import Entry
from clincalc_site.content.models import SAFETY_SECTIONS, Monograph
from clincalc_site.content.rules import REVIEW_MAX_MONTHS
from clincalc_site.render.rendering import PageLinks, Renderer, monograph_url
from clincalc_site.render.word_diff import changed, diff_words


def archive_url(slug: str, number: int) -> str:
    return f"{monograph_url(slug)}v/{number}/"


def history_url(slug: str) -> str:
    return f"{monograph_url(slug)}history/"


@dataclass(frozen=True)
class ArchiveNotice:
    """What an archive page says above the monograph."""

    slug: str
    number: int
    until: str  # YYYY-MM-DD it ended (``version_end``); "" when not known
    withdrawn: bool  # the monograph is no longer in the formulary
    dose_shown: bool  # this version's dose passes the dose contract, and is shown
    dose_current: bool  # ... and it is the dose the current page shows
    withdrawn_on: str = ""  # YYYY-MM-DD the file was deleted, when that ended this version

    @property
    def ended(self) -> dt.date | None:
        return dt.date.fromisoformat(self.until) if self.until else None

    @property
    def current_url(self) -> str:
        return monograph_url(self.slug)

    @property
    def history_url(self) -> str:
        return history_url(self.slug)


def version_end(
    versions: Sequence[MonographVersion], index: int, withdrawn: Mapping[int, str]
) -> tuple[str, bool]:
    """When ``versions[index]`` ended ("" for one still in force, or withdrawn on a day not
    known), and whether a withdrawal ended it. ``withdrawn``: version number -> the day
    the file was deleted after it (``history.Withdrawal``)."""
    ended = withdrawn.get(versions[index].number, "")
    if ended:
        return ended, True
    return (versions[index + 1].date if index + 1 < len(versions) else ""), False


def archive_notice(  # noqa: PLR0917 (each a fact of the version)
    slug: str,
    versions: Sequence[MonographVersion],
    index: int,
    current: bool,
    doses: tuple[str, str | None],
    withdrawn: Mapping[int, str] | None = None,
) -> ArchiveNotice:
    """The notice of ``versions[index]``. ``current``: the monograph is in the site now;
    ``doses``: the fingerprints of this version's published dose and of the current
    version's ('' for none; None: the monograph is withdrawn); ``withdrawn``: see
    ``version_end``."""
    until, by_withdrawal = version_end(versions, index, withdrawn or {})
    mine, now = doses
    shown = bool(mine) and mine != UNLOADABLE
    return ArchiveNotice(
        slug=slug,
        number=versions[index].number,
        until=until,
        withdrawn=not current,
        dose_shown=shown,
        dose_current=shown and current and mine == now,
        withdrawn_on=until if by_withdrawal else "",
    )


UNLOADABLE = "!"  # the fingerprint of a version that does not load under today's rules


def render_archive_page(
    renderer: Renderer,
    entry: Entry,
    shown: tuple[MonographVersion, ArchiveNotice],
    site: object,
    class_page: str,
) -> tuple[str, bytes]:
    """The archive page of one version (``shown``: the version, and its notice); ``site``
    stands in for the ``SiteView``; ``class_page``: the link to its class page ("" when
    the monograph is withdrawn)."""
    version, notice = shown
    links = PageLinks(class_page, (), (), version)
    view = dataclasses.replace(renderer.view_of(entry, links), overdue=False)
    html = renderer.render(
        "archive.html",
        site=site,
        page=view,
        notice=notice,
        review_max_months=REVIEW_MAX_MONTHS,
        json_ld=Markup(""),
        archive=True,
    )
    if renderer.overrides:
        renderer._check_dosing(view, html)
    return f"{archive_url(entry.slug, version.number)}index.html", html


@dataclass(frozen=True)
class SectionDiff:
    heading: str
    html: Markup  # the new text, with removed and added words marked (``diff_words``)


@dataclass(frozen=True)
class HistoryRow:
    """One version on the history page."""

    number: int
    date: str
    until: str  # the day it ended (see ``version_end``); "" for one still in force
    url: str  # its archive page, the current page, or "" (no page: it does not load)
    current: bool
    what: str  # what changed from the version before, in the words of "Changes"
    sections: tuple[SectionDiff, ...]  # word-by-word, prose only; () for the first
    withdrawn: bool = False  # a withdrawal ended it (``until`` is that day)

    @property
    def since(self) -> dt.date:
        return dt.date.fromisoformat(self.date)

    @property
    def ended(self) -> dt.date | None:
        return dt.date.fromisoformat(self.until) if self.until else None


@dataclass(frozen=True)
class HistoryView:
    slug: str
    name: str
    url: str
    current_url: str  # "" when the monograph is withdrawn
    rows: tuple[HistoryRow, ...]  # newest first


def section_texts(monograph: Monograph | None) -> dict[str, str]:
    """The text of every section a reader sees, by heading, as the editor wrote it. No
    dosing: a change of dose is said in words only."""
    if monograph is None:
        return {}
    mono = monograph
    texts = {
        "Name": mono.name,
        "Drug class": mono.drug_class,
        "Brand names": ", ".join(mono.brand_names),
        "Summary": mono.summary,
        "How it works": mono.mechanism,
        "Prescribing in practice": "\n".join(mono.prescribing),
        "Monitoring": mono.monitoring or "",
        "Counselling the patient": "\n".join(mono.counselling),
        "Evidence & guidelines": mono.evidence or "",
    }
    for name, heading in SAFETY_SECTIONS:
        value = getattr(mono, name)
        texts[heading] = "\n".join(value) if isinstance(value, list) else value or ""
    formulary = mono.formulary
    if formulary is not None:
        texts["Formulary"] = "\n".join(
            str(part)
            for part in (
                formulary.status, " ".join(formulary.flags), formulary.line or "",
                formulary.restrictions or "", formulary.approved_by or "",
                formulary.approved_on or "", formulary.protocol.label if formulary.protocol else "",
                formulary.notes or "",
            )
            if part
        )  # fmt: skip
    texts["References"] = "\n".join(f"{r.label} {r.url or ''}".strip() for r in mono.references)
    return texts


def section_diffs(before: Monograph | None, after: Monograph | None) -> tuple[SectionDiff, ...]:
    """The sections whose words changed between two versions that both load."""
    if before is None or after is None:
        return ()
    old, new = section_texts(before), section_texts(after)
    return tuple(
        SectionDiff(heading, diff_words(old.get(heading, ""), new.get(heading, "")))
        for heading in dict.fromkeys([*old, *new])
        if changed(old.get(heading, ""), new.get(heading, ""))
    )


def render_history_page(renderer: Renderer, view: HistoryView, site: object) -> tuple[str, bytes]:
    html = renderer.render("history.html", site=site, history=view)
    return f"{view.url}index.html", html
