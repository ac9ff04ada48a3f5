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
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from clincalc_site.build.archive_work import ArchivePages, ArchiveResult, ArchiveTask
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.manifest import digest
from clincalc_site.build.plan import PageEntry
from clincalc_site.build.pool import Pool
from clincalc_site.build.published import PublishedSite
from clincalc_site.build.report import BuildReport
from clincalc_site.build.workers import split
from clincalc_site.content.loader import display_path
from clincalc_site.diagnostics import Diagnostic, Location, Severity, sort_diagnostics
from clincalc_site.publish.site_files import SiteFiles
from clincalc_site.render.archive_views import UNLOADABLE, archive_url, history_url
from clincalc_site.render.rendering import class_url
from clincalc_site.render.site_view import SiteView
from clincalc_site.render.templates import TemplateFailure, template_diagnostic
from clincalc_site.site.assembly import Site

MEMO_FILE = "archive.json"


@dataclass(frozen=True)
class Memo:
    """What the last build kept in ``archive.json`` (for one load key)."""

    doses: dict[str, str] = field(default_factory=dict)  # version key -> dose fingerprint
    whole: str = ""  # the key of all archive and history pages together (``whole_key``)
    unreadable: tuple[tuple[str, int], ...] = ()  # (slug, number): versions with no page


@dataclass(frozen=True)
class ArchivePlan:
    tasks: list[ArchiveTask]
    reusable: dict[str, str]  # path -> key of the pages that may be reused as they are
    memo: Memo
    keys: tuple[str, str]  # the render key, and the load key the fingerprints hold for
    cache_dir: Path | None  # None: no build cache
    settled: bool = False  # every page is published as the last build left it

    @property
    def known(self) -> dict[str, str]:
        return self.memo.doses


def whole_key(plan: ArchivePlan, view: SiteView) -> str:
    """What every archive and history page depends on, at once: when it is what it was and
    every page is intact, no page need be looked at (a preview's save, at 5,000
    monographs: 0.1 s instead of 0.5 s)."""
    tasks = [
        (t.slug, t.versions, t.current, t.class_page, sorted(t.withdrawn.items()))
        for t in plan.tasks
    ]
    return digest(plan.keys[0], tasks, view)


def plan_archive(
    config: BuildConfig,
    site: Site,
    published: PublishedSite,
    keys: tuple[str, str],
    cache_dir: Path | None,
) -> ArchivePlan:
    """One task per monograph with versions; ``keys``: the render key and the load key."""
    memo = read_memo(cache_dir, keys[1]) if cache_dir is not None else Memo()
    known = memo.doses
    old_pages = published.manifest.pages if published.tree and cache_dir else {}
    current = {entry.slug for entry in site.entries}
    withheld = {entry.slug for entry in site.withheld}
    tasks: list[ArchiveTask] = []
    reusable: dict[str, str] = {}
    settled = bool(known)
    ends = {slug: {w.after: w.date for w in found} for slug, found in config.withdrawals}
    for slug, versions in config.versions:
        if not versions or slug in withheld:
            continue
        live = slug in current
        paths = [
            f"{archive_url(slug, v.number)}index.html"
            for v in (versions[:-1] if live else versions)
            if known.get(v.key, "") != UNLOADABLE  # unknown: worked out by the worker
        ]
        paths.append(f"{history_url(slug)}index.html")
        old: dict[str, tuple[PageEntry, bool]] = {}
        every_blob = all(v.key in known for v in versions)
        for path in paths:
            entry = old_pages.get(path)
            intact = entry is not None and published.intact(path, entry[0])
            if entry is not None:
                old[path] = (entry, intact)
                if intact and every_blob:
                    reusable[path] = entry[0]
            settled = settled and intact and every_blob
        page = class_url(site.class_of[slug]) if live else ""
        tasks.append(ArchiveTask(slug, versions, live, page, old, ends.get(slug, {})))
    return ArchivePlan(tasks, reusable, memo, keys, cache_dir, settled)


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
    whole = whole_key(plan, view)
    if plan.settled and whole == plan.memo.whole:
        for task in plan.tasks:
            for path, (entry, _) in task.old.items():
                _kept(path, entry, (files, kept, config.output_dir), pages)
        return _counted(report, config, plan.memo.unreadable, (len(plan.reusable), 0))
    workers = pool.started(sum(len(t.versions) for t in plan.tasks))
    known = plan.known
    calls = [
        ArchivePages(
            str(config.git_dir or config.content_dir),
            view,
            plan.keys[0],
            batch,
            {v.key: known[v.key] for t in batch for v in t.versions if v.key in known},
            str(target),
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
    unreadable: list[tuple[str, int]] = []
    for result in results:
        doses.update(result.doses)
        unreadable.extend(result.unreadable)
        for path, entry, written in result.pages:
            if written is None:
                _kept(path, entry, (files, kept, config.output_dir), pages)
            else:
                pages[path] = entry
                files.put_hashed(path, written)
    memo = Memo(doses, whole, tuple(sorted(unreadable)))
    if plan.cache_dir is not None and memo != plan.memo:
        write_memo(plan.cache_dir, plan.keys[1], memo)
    counts = (sum(len(r.pages) for r in results), sum(r.rendered for r in results))
    return _counted(report, config, memo.unreadable, counts)


def _kept(
    path: str,
    entry: PageEntry,
    place: tuple[SiteFiles, set[str], Path],
    pages: dict[str, PageEntry],
) -> None:
    """A page reused as it is: linked from the published site unless the folder has it."""
    files, kept, output = place
    pages[path] = entry
    if path not in kept:
        files.put(path, None, output / path)


def _counted(
    report: BuildReport,
    config: BuildConfig,
    unreadable: tuple[tuple[str, int], ...],
    counts: tuple[int, int],
) -> BuildReport:
    """The report with a note for each version that has no page, and the pages counted
    (published, rendered)."""
    shown = display_path(config.content_dir)
    notes = [
        Diagnostic(
            Location(f"{shown}/{slug}.yaml"),
            Severity.NOTE,
            "archive.unreadable_version",
            f"version {number} of {slug} does not pass today's rules for monographs: it has "
            "no archive page (its history page says so)",
        )
        for slug, number in unreadable
    ]
    return dataclasses.replace(
        report,
        diagnostics=sort_diagnostics([*report.diagnostics, *notes]),
        archive_pages=counts[0],
        archive_rendered=counts[1],
    )


def read_memo(cache_dir: Path, load_key: str) -> Memo:
    """What the last build kept, if it had the same load key (else, or if unreadable, an
    empty memo: everything is worked out again)."""
    try:
        stored = json.loads((cache_dir / MEMO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Memo()
    if not isinstance(stored, dict) or stored.get("key") != load_key:
        return Memo()
    doses, whole, unreadable = stored.get("doses"), stored.get("whole"), stored.get("unreadable")
    if not (isinstance(doses, dict) and isinstance(whole, str) and isinstance(unreadable, list)):
        return Memo()
    found = {k: v for k, v in doses.items() if isinstance(k, str) and isinstance(v, str)}
    pairs = tuple(
        (pair[0], pair[1])
        for pair in unreadable
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)
        and type(pair[1]) is int
    )  # fmt: skip
    if len(found) != len(doses) or len(pairs) != len(unreadable):
        return Memo()
    return Memo(found, whole, pairs)


def write_memo(cache_dir: Path, load_key: str, memo: Memo) -> None:
    """Keep the memo for the next build (not kept when the folder cannot be written, or
    is a link)."""
    if cache_dir.is_symlink():
        return
    body = json.dumps(
        {
            "key": load_key,
            "doses": dict(sorted(memo.doses.items())),
            "whole": memo.whole,
            "unreadable": [list(pair) for pair in memo.unreadable],
        }
    )
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        scratch = cache_dir / f".{MEMO_FILE}.tmp"
        scratch.write_text(body, encoding="utf-8")
        scratch.replace(cache_dir / MEMO_FILE)
    except OSError:
        return
