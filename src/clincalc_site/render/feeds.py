"""Atom feeds of what changed: the whole formulary, each class and each monograph.

Stage: render/ (docs/architecture.md). Pure: views of the feeds, rendered by
``templates/feed.xml`` (the build plans, keys and writes them: ``build/feeds.py``).

An entry is one version of a monograph (``history.MonographVersion``: the commit that made it
and its line in "Changes", in ``change_words``' fixed words) or its withdrawal (its file
deleted in git: "Withdrawn"). An entry says what changed in words, never a dose (nor does
anything else here: a feed is made from names, classes, dates and those words only). The
version in force links to the monograph's page, an earlier one to its archive page
(``/drugs/<slug>/v/<n>/``), a withdrawal to the monograph's history page.

Which entries: every version of each published monograph, and each withdrawal of one
published or, when its last version could be read (``history.WITHDRAWALS_NAMED``), of one
deleted still that was publishable. The versions of a monograph deleted still drop out
of the site and class feeds (its withdrawal says what became of it); a withheld draft is in
none. Order: newest first by commit date, then by slug, then by version (a withdrawal after
the version it ended). The site and class feeds keep the newest ``MAX_ENTRIES`` entries, a
monograph's feed the newest ``MONOGRAPH_ENTRIES`` (as many as its "Changes" list shows).

Addresses: with a site address (``base_url``) every id and link is absolute; without one,
links are root-relative (a feed reader resolves them against the feed's own address) and
ids are ``urn:uuid:`` names made from the path (``feed_id``): stable, but not the ids the
same feed gets once the site has an address.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from clincalc_site.content.history import MAX_CHANGES, MonographVersion, Withdrawal
from clincalc_site.render.rendering import class_url, monograph_url
from clincalc_site.render.site_view import SiteView
from clincalc_site.site.assembly import Site, class_slug

FEED_TEMPLATE = "feed.xml"
FEED_FILE = "feed.xml"  # the site's at its root, a class's and a monograph's beside its page
# A feed reader polls a feed and keeps what it has seen: 50 entries cover a week of a busy
# formulary's edits (and a commit that touches many monographs spills over only the site
# and class feeds: each monograph's own feed still says what changed in it), for about 20 KB.
MAX_ENTRIES = 50
MONOGRAPH_ENTRIES = MAX_CHANGES
WITHDRAWN = "Withdrawn"
_ID_NAME = "clincalc-site:"  # uuid5 names: this prefix and the path
# Characters XML 1.0 does not allow (a YAML escape can put them in a name): left out.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class FeedEntry(NamedTuple):
    """One entry: a version of a monograph, or its withdrawal."""

    slug: str
    name: str
    class_slug: str  # "" when not known
    class_name: str
    number: int  # the version; for a withdrawal, the last version in force
    date: str  # YYYY-MM-DD, the commit date
    what: str  # what changed, in the "Changes" words; WITHDRAWN for a withdrawal
    page: str  # the path of the page it links to
    withdrawn: bool = False

    @property
    def key(self) -> str:
        """The path its id is made from: the version's archive address (permanent, even while
        the version is in force and links to the monograph's page)."""
        version = f"{monograph_url(self.slug)}v/{self.number}/"
        return f"{version}#withdrawn" if self.withdrawn else version

    @property
    def since(self) -> dt.date:
        return dt.date.fromisoformat(self.date)


class Feed(NamedTuple):
    """One feed: its path, what it is about, and its entries, newest first."""

    path: str
    title: str  # the class's or the monograph's name; "" for the whole formulary
    page: str  # the page it is about ("" for the home page)
    updated: str  # YYYY-MM-DD: its newest entry's date (the site feed's, if it has none)
    entries: tuple[FeedEntry, ...]

    def inputs(self) -> bytes:
        """Everything the feed shows but the ``site`` fields, as bytes for its build key."""
        parts = [self.path, self.title, self.page, self.updated]
        for e in self.entries:
            parts += (e.slug, e.name, e.class_slug, e.class_name, str(e.number), e.date, e.what)
            parts += (e.page, "w" if e.withdrawn else "v")
        return "\x1f".join(parts).encode("utf-8", "surrogatepass")


def site_feed_path() -> str:
    return FEED_FILE


def class_feed_path(slug: str) -> str:
    return f"classes/{slug}/{FEED_FILE}"


def monograph_feed_path(slug: str) -> str:
    return f"{monograph_url(slug)}{FEED_FILE}"


def feed_id(site: SiteView, path: str) -> str:
    """The Atom id of the feed or entry at ``path``: its full address with a site address,
    else a ``urn:uuid:`` made from the path (no domain is made up)."""
    if site.base_url:
        return site.absolute(path)
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, _ID_NAME + path)}"


def site_feeds(site: Site, withdrawals: Mapping[str, Sequence[Withdrawal]]) -> list[Feed]:
    """Every feed of ``site`` (none outside git): the site's, each class's, and each
    published monograph's that has a version. ``withdrawals``: by slug, from git."""
    if not site.versions:
        return []
    own: dict[str, list[FeedEntry]] = {}
    for entry in site.entries:
        versions = site.versions.get(entry.slug)
        if versions:
            drug_class = site.class_of.get(entry.slug)
            known = (drug_class.slug, drug_class.name) if drug_class else ("", entry.drug_class)
            own[entry.slug] = _entries(entry.slug, _text(entry.name), known, versions)
            for ended in withdrawals.get(entry.slug, ()):
                own[entry.slug].append(_withdrawn(entry.slug, _text(entry.name), known, ended))
    gone = _withdrawn_since(site, withdrawals)
    everything = newest_first([*(e for found in own.values() for e in found), *gone])
    site_entries = tuple(everything[:MAX_ENTRIES])
    updated = site_entries[0].date if site_entries else _newest_date(site)
    feeds = [Feed(site_feed_path(), "", "", updated, site_entries)]
    by_class: dict[str, list[FeedEntry]] = {c.slug: [] for c in site.classes}
    for item in everything:
        found = by_class.get(item.class_slug)
        if found is not None and len(found) < MAX_ENTRIES:
            found.append(item)
    for drug_class in site.classes:
        picked = tuple(by_class[drug_class.slug])
        newest = picked[0].date if picked else updated
        path = class_feed_path(drug_class.slug)
        feeds.append(Feed(path, _text(drug_class.name), class_url(drug_class), newest, picked))
    for entry in site.entries:
        found = own.get(entry.slug)
        if found:
            # most often versions only, their dates in order: newest first is the reverse
            dates = [item.date for item in found]
            plain = dates == sorted(dates) and not found[-1].withdrawn
            picked = tuple((found[::-1] if plain else newest_first(found))[:MONOGRAPH_ENTRIES])
            path, page = monograph_feed_path(entry.slug), monograph_url(entry.slug)
            feeds.append(Feed(path, _text(entry.name), page, picked[0].date, picked))
    return feeds


def newest_first(entries: Iterable[FeedEntry]) -> list[FeedEntry]:
    """Newest date first; on one day by slug (A–Z), then the newest version first (a
    withdrawal before the version it ended). Sorts are stable: three of them, each by a
    field (``attrgetter``), cost less than one by a key made in Python for each entry."""
    ordered = sorted(entries, key=_BY_VERSION, reverse=True)
    ordered.sort(key=_BY_SLUG)
    ordered.sort(key=_BY_DATE, reverse=True)
    return ordered


_BY_VERSION = operator.attrgetter("number", "withdrawn")
_BY_SLUG = operator.attrgetter("slug")
_BY_DATE = operator.attrgetter("date")


def _entries(
    slug: str, name: str, known: tuple[str, str], versions: Sequence[MonographVersion]
) -> list[FeedEntry]:
    """A published monograph's versions (the newest ``MAX_ENTRIES``: no feed shows more)."""
    in_force = versions[-1].number
    found = []
    for version in versions[-MAX_ENTRIES:]:
        number = version.number
        page = monograph_url(slug) if number == in_force else f"{monograph_url(slug)}v/{number}/"
        found.append(FeedEntry(slug, name, *known, number, version.date, version.what, page))
    return found


def _withdrawn(slug: str, name: str, known: tuple[str, str], ended: Withdrawal) -> FeedEntry:
    page = f"{monograph_url(slug)}history/"  # every version, and when it was withdrawn
    return FeedEntry(slug, name, *known, ended.after, ended.date, WITHDRAWN, page, True)


def _withdrawn_since(
    site: Site, withdrawals: Mapping[str, Sequence[Withdrawal]]
) -> list[FeedEntry]:
    """The withdrawals of monographs deleted still (not in this site) whose last version was
    read and could have been published (``publish_drafts``, or it was reviewed)."""
    present = {entry.slug for entry in site.entries} | {e.slug for e in site.withheld}
    drafts = site.settings.publish_drafts
    classes = {c.slug for c in site.classes}
    found = []
    for slug, ended in withdrawals.items():
        last = ended[-1] if ended else None
        if slug in present or last is None or not last.name:
            continue
        if not drafts and last.status != "clinician-reviewed":
            continue
        known = class_slug(last.drug_class)
        known = known if known in classes else ""
        found.append(_withdrawn(slug, _text(last.name), (known, _text(last.drug_class)), last))
    return found


def _newest_date(site: Site) -> str:
    """The newest version's date of the whole history: an empty feed's ``updated``."""
    return max((found[-1].date for found in site.versions.values() if found), default="1970-01-01")


def _text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold."""
    return value if value.isprintable() else _NOT_XML.sub("", value)
