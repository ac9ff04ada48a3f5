"""The archive pages (``/drugs/<slug>/v/<n>/``) and history pages of a build: plan, make, keep.

Stage: build/ (docs/architecture.md). Called by the stage script with a line each:
``plan_archive`` before the output folder is prepared (which pages may be reused as they
are), ``make_archive`` before the monograph pages are rendered.

Every earlier version of a monograph in this site has an archive page, and every version of
a withdrawn one (its file deleted in git): an auditor needs them. A withheld draft has none.
The workers (``archive_work.ArchivePages``) load a version from its git blob only when its
page must be rendered, or when its dose fingerprint is not in the build cache
(``archive.json`` beside the manifest, valid for one load key: the same day, registry and
code); a page is reused when its key is unchanged and the published file intact. Nothing on
an archive page changes with each commit (no content version, no build date), so its key
changes only when its version, its notice, the templates or the ``site`` fields it reads do.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from clincalc_site.build.archive_work import ArchivePages, ArchiveResult, ArchiveTask
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.plan import PageEntry
from clincalc_site.build.pool import Pool
from clincalc_site.build.published import PublishedSite
from clincalc_site.build.report import BuildReport
from clincalc_site.build.workers import split
from clincalc_site.content.loader import display_path
from clincalc_site.diagnostics import sort_diagnostics
from clincalc_site.publish.site_files import SiteFiles
from clincalc_site.render.archive_views import UNLOADABLE, archive_url, history_url
from clincalc_site.render.rendering import class_url
from clincalc_site.render.site_view import SiteView
from clincalc_site.render.templates import TemplateFailure, template_diagnostic
from clincalc_site.site.assembly import Site

MEMO_FILE = "archive.json"


@dataclass(frozen=True)
class ArchivePlan:
    tasks: list[ArchiveTask]
    reusable: dict[str, str]  # path -> key of the pages that may be reused as they are
    known: dict[str, str]  # blob -> dose fingerprint, from the build cache
    keys: tuple[str, str]  # the render key, and the load key the fingerprints hold for
    cache_dir: Path | None  # None: no build cache


def plan_archive(
    config: BuildConfig,
    site: Site,
    published: PublishedSite,
    keys: tuple[str, str],
    cache_dir: Path | None,
) -> ArchivePlan:
    """One task per monograph with versions; ``keys``: the render key and the load key."""
    known = read_memo(cache_dir, keys[1]) if cache_dir is not None else {}
    old_pages = published.manifest.pages if published.tree and cache_dir else {}
    current = {entry.slug for entry in site.entries}
    withheld = {entry.slug for entry in site.withheld}
    tasks: list[ArchiveTask] = []
    reusable: dict[str, str] = {}
    for slug, versions in config.versions:
        if not versions or slug in withheld:
            continue
        live = slug in current
        paths = [
            f"{archive_url(slug, v.number)}index.html"
            for v in (versions[:-1] if live else versions)
            if known.get(v.blob, "") != UNLOADABLE  # unknown: worked out by the worker
        ]
        paths.append(f"{history_url(slug)}index.html")
        old: dict[str, tuple[PageEntry, bool]] = {}
        for path in paths:
            entry = old_pages.get(path)
            if entry is not None:
                intact = published.intact(path, entry[0])
                old[path] = (entry, intact)
                if intact and all(v.blob in known for v in versions):
                    reusable[path] = entry[0]
        page = class_url(site.class_of[slug]) if live else ""
        tasks.append(ArchiveTask(slug, versions, live, page, old))
    return ArchivePlan(tasks, reusable, known, keys, cache_dir)


def make_archive(  # noqa: PLR0917 (the stage's inputs, each named at the call)
    plan: ArchivePlan,
    pool: Pool,
    view: SiteView,
    config: BuildConfig,
    place: tuple[Path, SiteFiles, set[str]],
    report: BuildReport,
    pages: dict[str, PageEntry],
) -> BuildReport:
    """Render or reuse every page of ``plan`` into the target folder; note each page's
    entry in ``pages``. ``place``: the target folder, its files and the reused pages it
    holds already."""
    if not plan.tasks:
        return report
    target, files, kept = place
    workers = pool.started(sum(len(t.versions) for t in plan.tasks))
    shown, known = display_path(config.content_dir), plan.known
    calls = [
        ArchivePages(
            str(config.git_dir or config.content_dir),
            view,
            plan.keys[0],
            batch,
            {v.blob: known[v.blob] for t in batch for v in t.versions if v.blob in known},
            str(target),
            shown,
        )
        for batch in split(plan.tasks, workers.count)
        if batch
    ]
    try:
        results: list[ArchiveResult] = workers.run(calls)
    except (jinja2.TemplateError, TemplateFailure) as exc:
        problem = exc.diagnostic if isinstance(exc, TemplateFailure) else None
        problem = problem or template_diagnostic(exc, config.template_folders)
        return dataclasses.replace(report, diagnostics=[*report.diagnostics, problem], failed=True)
    doses: dict[str, str] = {}
    notes = []
    for result in results:
        doses.update(result.doses)
        notes.extend(result.notes)
        for path, entry, written in result.pages:
            pages[path] = entry
            if written is not None:
                files.put_hashed(path, written)
            elif path not in kept:
                files.put(path, None, config.output_dir / path)
    if plan.cache_dir is not None and doses != plan.known:
        write_memo(plan.cache_dir, plan.keys[1], doses)
    return dataclasses.replace(
        report,
        diagnostics=sort_diagnostics([*report.diagnostics, *notes]),
        archive_pages=sum(len(r.pages) for r in results),
        archive_rendered=sum(r.rendered for r in results),
    )


def read_memo(cache_dir: Path, load_key: str) -> dict[str, str]:
    """The dose fingerprints kept by the last build, if it had the same load key."""
    try:
        stored = json.loads((cache_dir / MEMO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("key") != load_key:
        return {}
    doses = stored.get("doses")
    if not isinstance(doses, dict):
        return {}
    return {k: v for k, v in doses.items() if isinstance(k, str) and isinstance(v, str)}


def write_memo(cache_dir: Path, load_key: str, doses: Mapping[str, str]) -> None:
    """Keep the fingerprints for the next build (not kept when the folder cannot be
    written, or is a link)."""
    if cache_dir.is_symlink():
        return
    body = json.dumps({"key": load_key, "doses": dict(sorted(doses.items()))})
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        scratch = cache_dir / f".{MEMO_FILE}.tmp"
        scratch.write_text(body, encoding="utf-8")
        scratch.replace(cache_dir / MEMO_FILE)
    except OSError:
        return
