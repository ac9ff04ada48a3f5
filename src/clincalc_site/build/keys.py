"""The keys that decide what a build may reuse: equal key, equal bytes.

Stage: build/ (docs/architecture.md). Pure.

A monograph page's key covers the templates, the ``site`` fields the page read, the file's
digest and path, and its links; an index page's covers the templates, every index entry, the
summaries it read and the ``site`` fields it read; the inputs key covers everything that goes
into the site (equal keys: a build that changes nothing).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from clincalc_site.build.config import BuildConfig
from clincalc_site.build.manifest import callable_identity, digest, tree_digest
from clincalc_site.build.records import FileRecord
from clincalc_site.build.workers import RenderedPage, RenderJob
from clincalc_site.render.rendering import PageLinks
from clincalc_site.render.site_view import SiteView
from clincalc_site.site.settings import SiteSettings


class PageKeys:
    """Monograph page keys for one build.

    The part every page shares (the templates and the ``site`` fields read) is hashed once
    per set of fields read and copied: a warm build computes a key for every page.
    """

    def __init__(self, render_key: str, view: SiteView) -> None:
        self.render_key, self.view = render_key, view
        self.shared: dict[tuple[str, ...], Any] = {}  # fields -> hashlib object

    def key(self, record: FileRecord, links: PageLinks, fields: tuple[str, ...]) -> str:
        shared = self.shared.get(fields)
        if shared is None:
            read = [(name, getattr(self.view, name)) for name in fields]
            shared = self.shared[fields] = hashlib.sha256(key_part(self.render_key, read))
        hasher = shared.copy()
        hasher.update(key_part(record.digest, record.shown, links.identity()))
        return str(hasher.hexdigest())


class KnownPageKey(NamedTuple):
    """A monograph page's key and the inputs it was worked out from."""

    inputs: tuple[object, ...]
    key: str


class PageKeyBook:
    """This build's monograph page keys; a key the last build (of a preview session) worked
    out from equal inputs is taken as it is (compared, not hashed: a preview reload computes
    a key for every page of the site)."""

    def __init__(self, known: Mapping[str, KnownPageKey]) -> None:
        self.known = known
        self.new: dict[str, KnownPageKey] = {}  # this build's, by page path
        self.keys: PageKeys | None = None

    def key(
        self,
        path: str,
        shared: tuple[str, SiteView],
        record: FileRecord,
        links: PageLinks,
        fields: tuple[str, ...],
    ) -> str:
        """``shared``: the render key and the site view, the same for every page."""
        render_key, view = shared
        inputs = (render_key, record.digest, record.shown, links, view, fields)
        known = self.known.get(path)
        if known is not None and known.inputs == inputs:
            key = known.key
        else:
            if self.keys is None or (self.keys.render_key, self.keys.view) != shared:
                self.keys = PageKeys(render_key, view)
            key = self.keys.key(record, links, fields)
        self.new[path] = KnownPageKey(inputs, key)
        return key

    def rendered(
        self,
        shared: tuple[str, SiteView],
        batches: Sequence[Sequence[RenderJob]],
        pages: Sequence[Sequence[RenderedPage]],
        records: Mapping[str, FileRecord],
    ) -> dict[str, tuple[str, tuple[str, ...]]]:
        """The key and the ``site`` fields read of each page the workers rendered, and of
        each page's data files (its own: the page's key)."""
        entries: dict[str, tuple[str, tuple[str, ...]]] = {}
        for batch, done in zip(batches, pages, strict=True):
            jobs = iter(batch)
            for page in done:
                if page.of_page:
                    entries[page.path] = entries[page.of_page]
                    continue
                job = next(jobs)
                key = self.key(page.path, shared, records[job.shown], job.links, page.site_fields)
                entries[page.path] = (key, page.site_fields)
        return entries


def key_part(*parts: object) -> bytes:
    return b"".join(repr(part).encode("utf-8", "surrogatepass") + b"\0" for part in parts)


def index_key(
    render_key: str,
    entries_key: str,
    fields: tuple[str, ...],
    view: SiteView,
    summaries: Mapping[str, str],
) -> str:
    """An index page's key: ``fields`` are the ``site`` fields and summaries it read."""
    read: list[tuple[str, object]] = []
    for name in fields:
        if name == "summary:*":
            read.append((name, sorted(summaries.items())))
        elif name.startswith("summary:"):
            read.append((name, summaries.get(name[len("summary:") :])))
        else:
            read.append((name, getattr(view, name)))
    return digest(render_key, entries_key, read)


def inputs_key(
    config: BuildConfig,
    render_key: str,
    digests: list[tuple[str, str]],
    settings: SiteSettings,
    version: str,
) -> str:
    """Everything that goes into the site: equal keys, equal sites."""
    return digest(
        render_key,
        digests,
        settings.model_dump_json(),
        version,
        config.strict,
        [tree_digest(folder) for folder in config.static_folders],
        callable_identity(config.finish),
        config.history,
        config.versions_shown,
    )
