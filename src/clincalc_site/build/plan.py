"""Which monograph pages a build reuses and which it renders: a pure decision.

Stage: build/ (docs/architecture.md). No I/O: what the file system says comes in as the
``intact`` function.

A page is reused when it was published by the last build (``old_pages``), its key is the key
it had, and the published file is untouched; every other page is rendered. A monograph's data
files (``render/data_files.py: data_paths``) go with its page: they are written with it, under
its key, and reused only with it and only when every one of them is untouched too. When the plan
key is unchanged (``same_plan``: every page's links and site fields are what they were), a
page whose file has the digest it had keeps its key without it being worked out again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from clincalc_site.build.records import FileRecord
from clincalc_site.build.workers import RenderJob
from clincalc_site.render.data_files import data_paths
from clincalc_site.render.rendering import PageLinks, monograph_url, page_links
from clincalc_site.site.assembly import Site

PageEntry = tuple[str, tuple[str, ...]]  # a page's key and the ``site`` fields it read


@dataclass(frozen=True)
class PagePlan:
    """The monograph pages to reuse (path -> key, and their manifest entries; with their
    data files) and render."""

    reused: dict[str, str]
    kept: dict[str, PageEntry]
    jobs: list[tuple[str, RenderJob]]


def plan_pages(
    site: Site,
    records: Mapping[str, FileRecord],
    old_pages: Mapping[str, PageEntry],
    known_records: Mapping[str, FileRecord] | None,
    *,
    page_key: Callable[[str, FileRecord, PageLinks, tuple[str, ...]], str],
    intact: Callable[[str, str], bool],
) -> PagePlan:
    """Plan the monograph pages of ``site``.

    ``known_records`` (file -> its record from the last build; read lazily, one lookup per
    page) is given only when the plan key is unchanged. ``page_key(path, record, links,
    fields)`` works a key out; ``intact(path, key)`` says whether the published file at
    ``path`` is the one rendered with ``key``.
    """
    reused: dict[str, str] = {}
    kept: dict[str, PageEntry] = {}
    jobs: list[tuple[str, RenderJob]] = []
    for entry in site.entries:
        record = records[entry.source]
        path = f"{monograph_url(entry.slug)}index.html"
        old = old_pages.get(path)
        links: PageLinks | None = None
        if old is not None:
            known = known_records.get(record.shown) if known_records is not None else None
            if known is not None and known.digest == record.digest:
                key = old[0]  # same plan, same file: the key it had
            else:
                links = page_links(entry.slug, site)
                key = page_key(path, record, links, old[1])
            # with its data files: written with the page, reused with it
            files = (path, *data_paths(entry.slug, entry.dose.shown))
            if key == old[0] and intact(path, key) and all(intact(n, key) for n in files[1:]):
                reused.update(dict.fromkeys(files, key))
                kept.update(dict.fromkeys(files, old))
                continue
        links = links or page_links(entry.slug, site)
        jobs.append((path, RenderJob(record.shown, record.digest, links)))
    return PagePlan(reused, kept, jobs)
