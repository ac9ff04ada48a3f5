"""The stage script: ``check`` and ``build``, the one path every build takes.

Stage: build/ (docs/architecture.md).

``build`` runs: inputs (settings, registries, file list) -> records (each file loaded by a
worker, or taken from the manifest when its bytes are unchanged) -> site (cross-file rules,
assembly) -> plan (what to reuse, what to render: ``plan.plan_pages``) -> render (monograph
pages in the workers, index pages here) -> publish (atomic exchange) -> save (the manifest).
A cold build is the same script with an empty manifest: nothing to reuse. It stops before
writing anything if any error exists. ``check`` runs inputs and records only.
"""

from __future__ import annotations

import dataclasses
import gc
import shutil
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from clincalc_site.build.archive import make_archive, plan_archive
from clincalc_site.build.collection import assembled, cross_file_findings
from clincalc_site.build.config import BuildConfig
from clincalc_site.build.data_exports import put_fhir_bundle
from clincalc_site.build.feeds import plan_feeds, render_feeds
from clincalc_site.build.freshness import known_digests, racy_share_worth_saving, reusable_records
from clincalc_site.build.index_pages import render_index_pages
from clincalc_site.build.keys import PageKeyBook, inputs_key
from clincalc_site.build.manifest import (
    MANIFEST,
    Manifest,
    SourceStat,
    StoredRecords,
    Summary,
    Tree,
    cache_dir_for,
    digest,
    forget,
    load_key,
    tree_digest,
)
from clincalc_site.build.plan import PageEntry, plan_pages
from clincalc_site.build.pool import Pool, content_files, slugs_of
from clincalc_site.build.progress import Progress, stage_counter
from clincalc_site.build.published import PublishedSite, publish_staging, watched
from clincalc_site.build.records import FileRecord
from clincalc_site.build.report import (
    REPORT_FILE,
    BuildReport,
    CheckReport,
    report_json,
)
from clincalc_site.build.session import Session
from clincalc_site.build.workers import (
    RenderJob,
    default_jobs,
)
from clincalc_site.content.loader import counted_files, discover_names
from clincalc_site.content.registry import load_registry
from clincalc_site.diagnostics import Diagnostic, has_failures, sort_diagnostics
from clincalc_site.publish.output_folder import (
    build_lock,
    check_output_dir,
    check_paths,
    remove_stale,
)
from clincalc_site.publish.site_files import SiteFiles
from clincalc_site.render.data_files import count_pages
from clincalc_site.render.rendering import Renderer
from clincalc_site.render.site_view import SiteView, make_site_view
from clincalc_site.render.templates import TemplateFailure, template_diagnostic
from clincalc_site.site import crossref
from clincalc_site.site.assembly import Site
from clincalc_site.site.counts import count_site
from clincalc_site.site.formulary import vocabulary_problems
from clincalc_site.site.settings import (
    SETTINGS_FILE,
    SiteSettings,
    base_url_problems,
    load_settings,
)

PARALLEL_THRESHOLD = 200  # files (or pages) below which worker processes cost more than they save


def check(
    config: BuildConfig, *, jobs: int | None = None, only: Collection[str] | None = None
) -> CheckReport:
    """Load and validate all content, the site settings and the registries; never raises for
    bad content. Files are loaded by the build's own fan-out (``pool.Pool.load``).

    ``only``: report on these files (as diagnostics show them) and count only them; every
    file is still loaded, so that links between monographs resolve.
    """
    # The site's address is the build's concern (a note, or an error for --strict), not
    # the content's: check reports only mistakes in site.yaml.
    settings, settings_problems = load_settings(config.content_dir.parent / SETTINGS_FILE)
    registry, registry_problems = load_registry(config.content_dir.parent)
    names, found = discover_names(config.content_dir)
    files = content_files(config.content_dir, names)
    pool = Pool(config, jobs or default_jobs(), PARALLEL_THRESHOLD, registry)
    try:
        loaded = {r.shown: r for r in pool.load([path for _, path in files], keep=False)}
    finally:
        pool.close()
    ordered = [loaded[shown] for shown, _ in files]
    entries = [record.entry for record in ordered if record.entry is not None]
    about_files = [
        *found,
        *(d for record in ordered for d in record.diagnostics),
        *crossref.check_collection(entries, slugs_of(names)),
        # a site.yaml that failed to load has no vocabulary to hold monographs to
        *([] if settings_problems else vocabulary_problems(entries, settings.formulary)),
    ]
    counted = counted_files(names, found)
    if only is not None:
        others = {shown for shown, _ in files} - set(only)
        about_files = [d for d in about_files if d.location.path not in others]
        counted = len(only)
    diagnostics = sort_diagnostics([*settings_problems, *registry_problems, *about_files])
    return CheckReport(entries, counted, diagnostics, config.strict)


def check_output(config: BuildConfig) -> None:
    """Refuse an output folder that is, holds or sits in a source folder, or is someone else's.

    Raises:
        output.OutputError: the folder is refused; nothing was written.
    """
    sources = (config.content_dir, *config.template_folders, *config.static_folders)
    check_output_dir(config.output_dir, sources, REPORT_FILE)


@dataclass(frozen=True)
class BuildOptions:
    """How to build (never what): the cache and the worker processes."""

    use_cache: bool = True
    cache_dir: Path | None = None  # default: .clincalc/cache/ beside the output folder
    jobs: int | None = None  # worker processes; None: one per core
    threshold: int = PARALLEL_THRESHOLD
    progress: Progress | None = None  # told how loading and rendering are going


def build(
    config: BuildConfig,
    version: str = "",
    options: BuildOptions | None = None,
    session: Session | None = None,
) -> BuildReport:
    """Check, assemble, render and atomically publish the site; nothing is written on failure.

    Files, pages and published files that the build cache shows unchanged are reused; a cold
    build (``use_cache=False``, or an empty cache) runs the same steps with nothing to reuse.
    The output is byte for byte what the plain reference build in ``tests/oracle.py`` writes.

    Raises:
        output.BuildLocked: another build is writing the same output folder.
        output.OutputError: the output could not be written (the old site is unchanged).
    """
    check_output(config)
    options = options or BuildOptions()
    started = time.perf_counter()
    cache_dir = cache_dir_for(config.output_dir, options.cache_dir)
    collecting = gc.isenabled()
    gc.disable()  # a build makes millions of objects and no garbage cycles worth a pass
    try:
        report = _Build(config, version, options, cache_dir, session).run()
    finally:
        if collecting:
            gc.enable()
    return dataclasses.replace(report, seconds=time.perf_counter() - started)


def site_settings(config: BuildConfig) -> tuple[SiteSettings, list[Diagnostic]]:
    """site.yaml with the command line's overrides; without a real site address, a note
    (an error for --strict, the build that is published)."""
    path = config.content_dir.parent / SETTINGS_FILE
    settings, problems = load_settings(path)
    settings = config.settings_override(settings)
    return settings, problems or base_url_problems(settings, path, strict=config.strict)


def _template_problem(exc: Exception, template_folders: tuple[Path, ...]) -> Diagnostic:
    if isinstance(exc, TemplateFailure):  # located by the worker
        return exc.diagnostic
    return template_diagnostic(exc, template_folders)


def _noop_report(
    manifest: Manifest, files: list[str], problems: list[Diagnostic], config: BuildConfig
) -> BuildReport | None:
    """The last build's report again, with each file's stored diagnostics; None if they
    fail this build (so that the build reports them as usual)."""
    stored, summary = manifest.files, manifest.summary
    assert isinstance(stored, StoredRecords) and summary is not None
    diagnostics = sort_diagnostics(
        [*problems, *(d for shown in files for d in stored.diagnostics(shown)), *summary.problems]
    )
    if has_failures(diagnostics, strict=config.strict):
        return None
    return BuildReport(
        diagnostics, False, summary.files, pages=manifest.page_count, counts=summary.counts,
        reused=summary.counts.monographs,
    )  # fmt: skip


def _load_records(  # noqa: PLR0917 (the build's state, each named at the call)
    files: list[tuple[str, str]],
    manifest: Manifest,
    same_code: bool,
    file_stats: dict[str, SourceStat],
    pool: Pool,
    progress: Progress | None,
) -> tuple[dict[str, FileRecord], int]:
    """Each file's record: from the manifest when the file is unchanged, else loaded by the
    workers; and how many files were loaded."""
    records, to_load = reusable_records(files, manifest, same_code, file_stats)
    for record in pool.load(to_load, progress=progress):
        records[record.shown] = record
    return records, len(to_load)


class _Build:
    """One run of ``build``: the stages share the config, the manifest and the workers."""

    def __init__(
        self,
        config: BuildConfig,
        version: str,
        options: BuildOptions,
        cache: Path,
        session: Session | None = None,
    ):
        self.config, self.version, self.options, self.cache_dir = config, version, options, cache
        self.session = session or Session()
        self.started_ns = time.time_ns()
        # team.yaml and sources.yaml: every file's load result depends on them
        self.registry, self.registry_problems = load_registry(config.content_dir.parent)
        self.load_key = load_key(config.today, self.registry.digest)
        self.pool = Pool(config, options.jobs or default_jobs(), options.threshold, self.registry)
        self.manifest = Manifest()  # read in run(), under the output's lock
        self.published: PublishedSite  # likewise
        self.same_code = False
        # What this build learns, saved in the manifest at the end:
        self.file_stats: dict[str, SourceStat] = {}
        self.records: Mapping[str, FileRecord] = {}
        self.loaded = self.page_count = 0
        self.summary: Summary | None = None
        self.collection: tuple[str, tuple[Diagnostic, ...]] | None = None  # key, findings
        self.plan_key = ""  # what every monograph page's links and view come from
        self.new_pages: dict[str, PageEntry] = {}
        self.page_keys = PageKeyBook(self.session.page_keys)
        self.spare_kept: set[str] = set()

    def run(self) -> BuildReport:
        config, use_cache = self.config, self.options.use_cache
        with build_lock(config.output_dir):
            remove_stale(config.output_dir)
            rebuild = use_cache and (self.cache_dir / MANIFEST).is_file()
            read = (lambda: self.session.manifest_for(self.cache_dir)) if use_cache else Manifest
            try:
                with watched(config.output_dir, read, scan=rebuild) as self.published:
                    self.manifest = self.published.manifest
                    # its records and findings hold only for this version and registry
                    self.same_code = self.manifest.load_key == self.load_key
                    return self._run()
            finally:
                self.pool.close()

    def _run(self) -> BuildReport:
        """The stage script."""
        config = self.config
        settings, settings_problems = site_settings(config)
        problems = [*settings_problems, *self.registry_problems]
        names, found = discover_names(config.content_dir)
        files = content_files(config.content_dir, names)
        render_key = digest(self.load_key, *map(tree_digest, config.template_folders))
        same = self._same_as_published(files, [*problems, *found], settings, render_key)
        if same is not None:
            return same
        # records -> site
        self.records, self.loaded = _load_records(
            files, self.manifest, self.same_code, self.file_stats, self.pool, self.options.progress
        )
        ordered = [self.records[shown] for shown, _ in files]
        entries, collection_problems, self.collection = cross_file_findings(
            self.session, self.manifest.collection if self.same_code else None,
            ordered, slugs_of(names),
        )  # fmt: skip
        counted = counted_files(names, found)
        diagnostics = sort_diagnostics(
            [*problems, *found, *(d for r in ordered for d in r.diagnostics), *collection_problems]
        )
        if has_failures(diagnostics, strict=config.strict):
            return BuildReport(diagnostics, True, counted, loaded=self.loaded)
        site, site_problems = assembled(self.session, entries, settings, config)
        diagnostics = sort_diagnostics([*diagnostics, *site_problems])
        if has_failures(site_problems, strict=config.strict):
            return BuildReport(diagnostics, True, counted, loaded=self.loaded)
        counts = count_site(site, config.today)
        report = BuildReport(diagnostics, False, counted, counts=counts, loaded=self.loaded)
        self.summary = Summary(counted, counts, (*collection_problems, *site_problems))
        view = make_site_view(site, settings, config.today, self.version, counts, config.as_of)
        if self.collection is not None:
            self.plan_key = digest(
                self.collection[0], settings.model_dump_json(), config.history,
                config.versions_shown, render_key, self.version, config.today,
            )  # fmt: skip
        digests = [(record.shown, record.digest) for record in ordered]
        inputs = inputs_key(config, render_key, digests, settings, self.version)
        if self._unchanged(inputs):
            return dataclasses.replace(report, pages=self.page_count, reused=len(site.entries))
        # plan -> render -> publish -> save
        reused, jobs = self._plan(site, view, render_key)
        cache = self.cache_dir if self.options.use_cache else None
        archive = plan_archive(config, site, self.published, (render_key, self.load_key), cache)
        check_paths([*reused, *(path for path, _ in jobs), *archive.reusable])
        target, staged, self.spare_kept = self.published.prepare(
            self.options.use_cache, {**reused, **archive.reusable}, {path for path, _ in jobs}
        )
        published = False
        try:
            place, pages = (target, staged, self.spare_kept), self.new_pages
            report = make_archive(archive, self.pool, view, config, place, report, pages)
            if not report.failed:  # archive and history pages first, then the others
                plan = (reused, jobs, target, staged)
                report = self._render(site, view, report, plan, render_key)
            if not report.failed:
                self._publish(target, staged, inputs)
                published = True
        finally:
            if not published and not self.options.use_cache:
                shutil.rmtree(target, ignore_errors=True)
        return report

    def _same_as_published(
        self,
        files: list[tuple[str, str]],
        problems: list[Diagnostic],
        settings: SiteSettings,
        render_key: str,
    ) -> BuildReport | None:
        """The report of a build that changes nothing, found before loading anything: every
        file unchanged (``freshness.known_digests``), the same inputs key, the published
        folder untouched. None otherwise. ``problems``: the settings', registries', folder's.
        """
        manifest = self.manifest
        summary = manifest.summary
        if summary is None or not self.same_code:
            return None
        digests = known_digests(files, manifest, self.file_stats)
        if digests is None:
            return None
        self.records, self.summary = manifest.files, summary  # what a touched no-op saves
        inputs = inputs_key(self.config, render_key, digests, settings, self.version)
        if not self._unchanged(inputs):
            self.records, self.summary, self.file_stats = {}, None, {}
            return None
        return _noop_report(manifest, [shown for shown, _ in digests], problems, self.config)

    def _unchanged(self, inputs: str) -> bool:
        """True when nothing that goes into the site changed and the output is untouched."""
        if not self.published.matches(inputs):
            return False
        self.page_count = self.manifest.page_count
        if racy_share_worth_saving(self.manifest, self.file_stats):  # files touched, not changed
            self._save(self.published.tree, self.manifest.spare, self.manifest.pages, inputs)
        return True

    def _plan(
        self, site: Site, view: SiteView, render_key: str
    ) -> tuple[dict[str, str], list[tuple[str, RenderJob]]]:
        """Monograph pages and feeds to reuse (path -> key) and pages to render (``plan.py``)."""
        manifest, published = self.manifest, self.published
        same_plan = bool(self.plan_key) and manifest.plan_key == self.plan_key
        plan = plan_pages(
            site, self.records, manifest.pages if published.tree else {},
            manifest.files if same_plan else None,
            page_key=lambda path, record, links, fields: self.page_keys.key(
                path, (render_key, view), record, links, fields
            ),
            intact=published.intact,
        )  # fmt: skip
        self.feeds = plan_feeds(site, view, self.config.withdrawals, (render_key, published))
        self.new_pages.update(plan.kept | self.feeds.kept)
        return plan.reused | self.feeds.reused, plan.jobs  # feeds are reused as pages are

    def _render(
        self,
        site: Site,
        view: SiteView,
        report: BuildReport,
        plan: tuple[dict[str, str], list[tuple[str, RenderJob]], Path, SiteFiles],
        render_key: str,
    ) -> BuildReport:
        """Workers render the changed monograph pages into the target while this process
        renders the index pages; reused pages are linked in."""
        config = self.config
        reused, jobs, target, files = plan
        batches = self.pool.submit_renders(view, jobs, target)
        # Shown from here: the workers render while this process renders the index pages.
        counter = stage_counter(self.options.progress, "render", len(jobs)) if batches else None
        try:
            renderer = Renderer(config.template_folders, view, config.today)
            keys = (render_key, (config.history, config.versions_shown))
            index, index_reused, index_entries = render_index_pages(
                renderer, site, view, self.records, keys=keys, published=self.published
            )
            index += render_feeds(renderer, self.feeds, self.new_pages)  # feeds: not pages
            workers = self.pool.workers
            rendered = workers.collect(counter) if batches and workers is not None else []
        except (jinja2.TemplateError, TemplateFailure) as exc:  # busy workers: run() closes
            diagnostics = [*report.diagnostics, _template_problem(exc, config.template_folders)]
            return dataclasses.replace(report, diagnostics=diagnostics, failed=True)
        self.new_pages.update(index_entries)
        if self.options.use_cache:  # remember each new page's key
            shared = (render_key, view)
            self.new_pages.update(self.page_keys.rendered(shared, batches, rendered, self.records))
        index_paths = [*(path for path, _ in index), *index_reused]
        check_paths([*index_paths, REPORT_FILE], taken=[*reused, *(path for path, _ in jobs)])
        report = dataclasses.replace(
            report, pages=count_pages([*reused, *index_paths]) + len(jobs) + 1,
            rendered=len(jobs), reused=count_pages(reused),
        )  # fmt: skip
        for pages in rendered:  # written by the workers (pages and their data files)
            for page in pages:
                files.put_hashed(page.path, page.digest)
        for path in [*reused, *index_reused]:  # linked from the published site
            if path not in self.spare_kept:
                files.put(path, None, config.output_dir / path)
        put_fhir_bundle(files, config.output_dir, (site, view), self.options.use_cache)
        for path, content in [*index, (REPORT_FILE, report_json(report))]:
            files.put(path, content)
        self.page_count = report.pages
        return report

    def _publish(self, target: Path, files: SiteFiles, inputs: str) -> None:
        config = self.config
        if not self.options.use_cache:
            publish_staging(target, files, config.static_folders, config.finish, config.output_dir)
            forget(self.cache_dir)
            self.session.forget()
            return
        keys = {path: key for path, (key, _) in self.new_pages.items()}
        tree, spare = self.published.publish(
            files, config.static_folders, config.finish, lambda path: keys.get(path, "")
        )
        self._save(tree, spare, self.new_pages, inputs, files.new_memo)

    def _save(self, tree: Tree, spare: Tree | None, pages: dict[str, PageEntry], inputs: str,
              memo: dict[str, Any] | None = None) -> None:  # memo: the finish step's  # fmt: skip
        manifest = Manifest(
            load_key=self.load_key,
            inputs_key=inputs,
            written_ns=self.started_ns,
            files=self.records,
            file_stats=self.file_stats,
            pages=dict(pages),
            output=str(self.config.output_dir.resolve()),
            tree=tree,
            spare=spare,
            page_count=self.page_count,
            summary=self.summary,
            collection=self.collection or self.manifest.collection,
            plan_key=self.plan_key or self.manifest.plan_key,
            finish_memo=self.manifest.finish_memo if memo is None else memo,
        )
        self.session.keep(self.cache_dir, manifest, self.manifest)
        if self.page_keys.new:  # not a build that found nothing changed
            self.session.page_keys = self.page_keys.new
