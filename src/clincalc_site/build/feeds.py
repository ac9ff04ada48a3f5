"""The Atom feeds of a build: which to reuse, which to render (``render/feeds.py``).

Stage: build/ (docs/architecture.md). Called by the stage script with a line each:
``plan_feeds`` with the monograph pages' plan (a reused feed is reused as a page is: kept in
the spare folder, or linked from the published site), ``render_feeds`` while the workers
render the monograph pages (the feeds are rendered here, in the build's own process).

A feed's key covers the templates, everything it shows (``Feed.inputs``) and the ``site``
fields it read, recorded while it rendered (as an index page's): a feed whose key is the one
it was published with, and whose published file is untouched, is not written again. So a
rebuild after one edit renders the feeds of that monograph, its class and the site, and at
10,000 monographs works out the others' keys in a few tens of milliseconds.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from clincalc_site.build.keys import key_part
from clincalc_site.build.plan import PageEntry
from clincalc_site.build.published import PublishedSite
from clincalc_site.build.workers import RecordingView
from clincalc_site.content.history import Withdrawal
from clincalc_site.render.feeds import FEED_TEMPLATE, Feed, feed_id, site_feeds
from clincalc_site.render.rendering import Renderer
from clincalc_site.render.site_view import SiteView
from clincalc_site.site.assembly import Site


class FeedKeys:
    """Feed keys: the part every feed shares (the templates and the ``site`` fields read)
    is hashed once per set of fields read."""

    def __init__(self, render_key: str, view: SiteView) -> None:
        self.render_key, self.view = render_key, view
        self.shared: dict[tuple[str, ...], Any] = {}  # fields -> hashlib object

    def key(self, fields: tuple[str, ...], feed: Feed) -> str:
        shared = self.shared.get(fields)
        if shared is None:
            read = [(name, getattr(self.view, name)) for name in fields]
            shared = self.shared[fields] = hashlib.sha256(key_part(self.render_key, read))
        hasher = shared.copy()
        hasher.update(feed.inputs())
        return str(hasher.hexdigest())


@dataclass(frozen=True)
class FeedPlan:
    """The feeds to reuse (path -> key, and their manifest entries) and to render."""

    reused: dict[str, str] = field(default_factory=dict)
    kept: dict[str, PageEntry] = field(default_factory=dict)
    jobs: list[Feed] = field(default_factory=list)
    keys: FeedKeys | None = None


def plan_feeds(
    site: Site,
    view: SiteView,
    withdrawals: Sequence[tuple[str, Sequence[Withdrawal]]],
    keys: tuple[str, PublishedSite],
) -> FeedPlan:
    """Plan every feed of ``site``. ``keys``: the render key, and the published site (the
    keys it was published with, and whether each file is untouched)."""
    render_key, published = keys
    old_pages: Mapping[str, PageEntry] = published.manifest.pages if published.tree else {}
    book = FeedKeys(render_key, view)
    plan = FeedPlan(keys=book)
    for feed in site_feeds(site, dict(withdrawals)):
        old = old_pages.get(feed.path)
        if old is not None:
            key = book.key(old[1], feed)
            if key == old[0] and published.intact(feed.path, key):
                plan.reused[feed.path] = key
                plan.kept[feed.path] = old
                continue
        plan.jobs.append(feed)
    return plan


def render_feeds(
    renderer: Renderer, plan: FeedPlan, pages: dict[str, PageEntry]
) -> list[tuple[str, bytes]]:
    """Render the feeds ``plan`` does not reuse, noting each one's entry in ``pages``.

    Raises:
        jinja2.TemplateError: a team's ``feed.xml`` failed (the build reports it located).
    """
    rendered: list[tuple[str, bytes]] = []
    if plan.keys is None:
        return rendered
    view = plan.keys.view
    for feed in plan.jobs:
        recorder = RecordingView(view)
        identify = functools.partial(feed_id, cast(SiteView, recorder))
        content = renderer.render(FEED_TEMPLATE, site=recorder, feed=feed, feed_id=identify)
        fields = tuple(sorted(recorder.seen))
        pages[feed.path] = (plan.keys.key(fields, feed), fields)
        rendered.append((feed.path, content))
    return rendered
