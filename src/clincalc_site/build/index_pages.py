"""Render the index pages whose inputs changed; reuse the others.

Stage: build/ (docs/architecture.md).

An index page (A–Z, classes, class pages, dashboard, sitemap...; and the API's index of drugs
and its schemas: ``render/data_files.py: index_data_jobs``) is rendered from the site's
index entries, the settings, the summaries it read and the ``site`` fields it read; its key
covers exactly those, recorded while it rendered.
"""

from __future__ import annotations

from collections.abc import Mapping

from clincalc_site.build.keys import index_key
from clincalc_site.build.manifest import digest
from clincalc_site.build.plan import PageEntry
from clincalc_site.build.published import PublishedSite
from clincalc_site.build.records import FileRecord
from clincalc_site.build.workers import RecordingMapping, RecordingView
from clincalc_site.render.data_files import index_data_jobs
from clincalc_site.render.rendering import Renderer
from clincalc_site.render.site_view import SiteView
from clincalc_site.site.assembly import Site


def render_index_pages(
    renderer: Renderer,
    site: Site,
    view: SiteView,
    records: Mapping[str, FileRecord],
    *,
    keys: tuple[str, object],
    published: PublishedSite,
) -> tuple[list[tuple[str, bytes]], list[str], dict[str, PageEntry]]:
    """The index pages rendered (path, bytes), those reused (paths), and every page's entry.

    ``keys``: the render key (templates, code, registry) and the git history shown (each
    monograph's changes, and its version in force: the API index says it).
    """
    render_key, history = keys
    plain = {record.slug: record.summary_html for record in records.values()}
    summaries = RecordingMapping(plain)
    entries_key = digest(
        site.settings.model_dump_json(),
        [(e.slug, e.source, records[e.source].entry_id) for e in site.entries],
        [e.slug for e in site.withheld],
        history,  # the dashboard shows each monograph's last change
    )
    old_pages = published.manifest.pages if published.tree else {}
    rendered: list[tuple[str, bytes]] = []
    reused: list[str] = []
    entries: dict[str, PageEntry] = {}
    jobs = [*renderer.index_page_jobs(site, summaries), *index_data_jobs(site, view)]
    for path, render in jobs:
        old = old_pages.get(path)
        if old is not None:
            key = index_key(render_key, entries_key, old[1], view, plain)
            if key == old[0] and published.intact(path, key):
                reused.append(path)
                entries[path] = old
                continue
        recorder = RecordingView(view)
        summaries.read.clear()
        content = render(recorder)
        fields = (*sorted(recorder.seen), *(f"summary:{s}" for s in sorted(summaries.read)))
        entries[path] = (index_key(render_key, entries_key, fields, view, plain), fields)
        rendered.append((path, content))
    return rendered, reused, entries
