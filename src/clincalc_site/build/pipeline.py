"""Sequence the stages; the only module that does.

Stage: orchestration. May import: every stage module.

``check`` runs load and validate. ``build`` (see ``build_site``) runs load, validate,
assemble, render and write, and stops before writing anything if any error exists.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import jinja2

from clincalc_site.build.config import BuildConfig
from clincalc_site.build.manifest import (
    MANIFEST,
    Manifest,
    Stat,
    StoredRecords,
    Summary,
    Tree,
    TreeFile,
    cache_dir_for,
    callable_identity,
    digest,
    forget,
    load_key,
    stat_of,
    tree_digest,
    write_manifest,
)
from clincalc_site.build.plan import plan_pages
from clincalc_site.build.progress import Progress, stage_counter
from clincalc_site.build.records import FileRecord
from clincalc_site.build.report import REPORT_FILE, BuildReport, CheckReport, report_json
from clincalc_site.build.session import KnownCollection, KnownPageKey, KnownSite, Session
from clincalc_site.build.workers import (
    LoadFiles,
    LocalWorkers,
    RecordingMapping,
    RecordingView,
    RenderJob,
    RenderPages,
    Workers,
    default_jobs,
    split,
    start_workers,
)
from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.content.loader import (
    counted_files,
    discover_names,
    display_path,
)
from clincalc_site.content.registry import load_registry
from clincalc_site.content.rules import is_overdue
from clincalc_site.diagnostics import Diagnostic, has_failures, sort_diagnostics
from clincalc_site.publish.folder_scans import BackgroundScans, file_stat, scan_tree
from clincalc_site.publish.folder_scans import Stat as TreeStat
from clincalc_site.publish.output_folder import (
    build_lock,
    check_output_dir,
    check_paths,
    copy_static,
    new_staging_dir,
    publish,
    remove_stale,
)
from clincalc_site.publish.site_files import FileDigest, SiteFiles
from clincalc_site.publish.spare_folder import clear_spare, link_spare, publish_spare, spare_dir
from clincalc_site.render.rendering import (
    PageLinks,
    Renderer,
    SiteView,
    TemplateFailure,
    make_site_view,
    template_diagnostic,
)
from clincalc_site.site import crossref
from clincalc_site.site.assembly import Site, assemble_site
from clincalc_site.site.settings import SETTINGS_FILE, SiteSettings, load_settings


def check(config: BuildConfig, *, jobs: int | None = None) -> CheckReport:
    """Load and validate all content, the site settings and the registries; never raises for
    bad content.

    Files are loaded by the same fan-out as a build's (``parallel.LoadFiles``: worker
    processes for ``PARALLEL_THRESHOLD`` files or more, else this process), and the
    cross-file rules read the same index entries.
    """
    _, settings_problems = load_settings(config.content_dir.parent / SETTINGS_FILE)
    registry, registry_problems = load_registry(config.content_dir.parent)
    names, found = discover_names(config.content_dir)
    folder = display_path(config.content_dir)
    content = str(config.content_dir)
    paths = [_join(content, name) for name in names]
    workers = start_workers(
        jobs or default_jobs(), len(paths), config.templates_dir, config.today,
        PARALLEL_THRESHOLD, registry=registry,
    )  # fmt: skip
    try:
        batches = split(paths, workers.count)
        loaded = workers.run([LoadFiles(batch, keep=False) for batch in batches]) if paths else []
    finally:
        workers.close()
    by_shown = {record.shown: record for batch in loaded for record in batch}
    ordered = [by_shown[_shown_in(folder, name)] for name in names]
    entries = [record.entry for record in ordered if record.entry is not None]
    existing = [name[: -len(".yaml")] for name in names]
    diagnostics = sort_diagnostics(
        [
            *settings_problems,
            *registry_problems,
            *found,
            *(d for record in ordered for d in record.diagnostics),
            *crossref.check_collection(entries, existing),
        ]
    )
    return CheckReport(entries, counted_files(names, found), diagnostics, config.strict)


def _shown_in(folder: str, name: str) -> str:
    """``display_path`` of the file ``name`` in the content folder shown as ``folder``
    (relpath is lexical; 30 µs a file saved over calling display_path for each)."""
    return _join(folder, name) if folder != "." else name


def _join(folder: str, relative: str) -> str:
    """``os.path.join`` for a relative path: a tenth of its cost, in loops over every file."""
    return folder + relative if folder.endswith("/") else f"{folder}/{relative}"


def check_output(config: BuildConfig) -> None:
    """Refuse an output folder that is, holds or sits in a source folder, or is someone else's.

    Raises:
        output.OutputError: the folder is refused; nothing was written.
    """
    sources = (config.content_dir, config.templates_dir, config.static_dir)
    check_output_dir(config.output_dir, sources, REPORT_FILE)


# --- The cached, parallel build ------------------------------------------------------------------

PARALLEL_THRESHOLD = 200  # files (or pages) below which worker processes cost more than they save
RACY_NS = 2_000_000_000  # a file changed this close to the last build is hashed again
RACY_SAVE = 10  # a build that changes nothing saves the manifest if 1 in 10 files is racy


@dataclass(frozen=True)
class BuildOptions:
    """How to build (never what): the cache and the worker processes."""

    use_cache: bool = True
    cache_dir: Path | None = None  # default: .clincalc-cache/ beside the output folder
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
        report = _CachedBuild(config, version, options, cache_dir, session).run()
    finally:
        if collecting:
            gc.enable()
    return dataclasses.replace(report, seconds=time.perf_counter() - started)


class _PageKeys:
    """Monograph page keys for one build: a digest of the templates, the ``site`` fields the
    page read, the file's digest and path, and its links.

    The part every page shares (the first two) is hashed once per set of fields read and
    copied: a warm build computes a key for every page (0.1 s of 10,000 otherwise).
    """

    def __init__(self, render_key: str, view: SiteView) -> None:
        self.render_key, self.view = render_key, view
        self.shared: dict[tuple[str, ...], Any] = {}  # fields -> hashlib object

    def key(self, record: FileRecord, links: PageLinks, fields: tuple[str, ...]) -> str:
        shared = self.shared.get(fields)
        if shared is None:
            read = [(name, getattr(self.view, name)) for name in fields]
            shared = self.shared[fields] = hashlib.sha256(_key_part(self.render_key, read))
        hasher = shared.copy()
        hasher.update(_key_part(record.digest, record.shown, links.identity()))
        return str(hasher.hexdigest())


def _key_part(*parts: object) -> bytes:
    return b"".join(repr(part).encode("utf-8", "surrogatepass") + b"\0" for part in parts)


def _index_key(
    render_key: str,
    facts_key: str,
    fields: tuple[str, ...],
    view: SiteView,
    summaries: dict[str, str],
) -> str:
    read: list[tuple[str, object]] = []
    for name in fields:
        if name == "summary:*":
            read.append((name, sorted(summaries.items())))
        elif name.startswith("summary:"):
            read.append((name, summaries.get(name[len("summary:") :])))
        else:
            read.append((name, getattr(view, name)))
    return digest(render_key, facts_key, read)


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class _CachedBuild:
    """One run of ``build``: the steps share the config, the manifest and the workers."""

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
        self.page_keys: dict[str, KnownPageKey] = {}  # this build's
        self.keys: _PageKeys | None = None
        self.manifest = Manifest()  # read in run(), under the output's lock
        self.scans: BackgroundScans | None = None
        self.published: dict[str, TreeStat] | None = None  # the scan of the output folder
        self.started_ns = time.time_ns()
        self.jobs = options.jobs or default_jobs()
        self.workers: Workers | None = None
        self.holder: dict[str, int] = {}  # file -> the worker that loaded it
        self.records: Mapping[str, FileRecord] = {}
        self.summary: Summary | None = None  # of this build, once it is known
        # the digest of what the cross-file rules read, and their findings
        self.collection: tuple[str, tuple[Diagnostic, ...]] | None = None
        self.plan_key = ""  # see _plan
        self.site_files: SiteFiles | None = None  # the spare being brought up to date
        self.shown: list[str] = []
        self.file_stats: dict[str, Stat] = {}
        self.new_pages: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.loaded = 0
        self.rendered = 0
        self.page_count = 0
        self.spare_kept: set[str] = set()
        self.output_path = str(config.output_dir)
        # team.yaml and sources.yaml: every file's load result depends on them
        self.registry, self.registry_problems = load_registry(config.content_dir.parent)
        self.load_key = load_key(config.today, self.registry.digest)

    def run(self) -> BuildReport:
        config = self.config
        with build_lock(config.output_dir):
            remove_stale(config.output_dir)
            if self.options.use_cache and (self.cache_dir / MANIFEST).is_file():
                # a rebuild: the published and spare folders are scanned meanwhile
                output = config.output_dir
                self.scans = BackgroundScans([output, spare_dir(output)])
            try:
                if self.options.use_cache:
                    self.manifest = self.session.manifest_for(self.cache_dir)
                return self._run()
            finally:
                if self.scans is not None:
                    self.scans.close()
                if self.workers is not None:
                    self.workers.close()

    def _site_files(self) -> SiteFiles:
        """The target folder's files, as ``_target`` set them up."""
        assert self.site_files is not None, "_target runs first"
        return self.site_files

    def _scan(self, root: Path) -> dict[str, TreeStat]:
        return self.scans.result(root) if self.scans is not None else scan_tree(root)

    def _workers(self, work: int) -> Workers:
        if self.workers is None or (
            isinstance(self.workers, LocalWorkers) and self.jobs > 1
            and work >= self.options.threshold
        ):  # fmt: skip
            if self.workers is not None:
                self.workers.close()
                self.holder = {}
            self.workers = start_workers(
                self.jobs, work, self.config.templates_dir, self.config.today,
                self.options.threshold, registry=self.registry,
            )  # fmt: skip
        return self.workers

    def _run(self) -> BuildReport:
        config = self.config
        settings_path = config.content_dir.parent / SETTINGS_FILE
        settings, settings_problems = load_settings(settings_path)
        settings_problems = [*settings_problems, *self.registry_problems]
        settings = config.settings_override(settings)
        names, found = discover_names(config.content_dir)
        render_key = digest(self.load_key, tree_digest(config.templates_dir))
        same = self._same_as_published(names, found, (settings, settings_problems), render_key)
        if same is not None:
            return same
        records = self._records(names)
        ordered = [records[shown] for shown in self.shown]
        existing = [name[: -len(".yaml")] for name in names]
        entries, collection_problems = self._collection(ordered, existing)
        files = counted_files(names, found)
        diagnostics = sort_diagnostics(
            [
                *settings_problems,
                *found,
                *(d for record in ordered for d in record.diagnostics),
                *collection_problems,
            ]
        )
        loaded = self.loaded
        if has_failures(diagnostics, strict=config.strict):
            return BuildReport(diagnostics, True, files, loaded=loaded)
        site, problems = self._assemble(entries, settings)
        if problems:
            diagnostics = sort_diagnostics([*diagnostics, *problems])
        if has_failures(problems, strict=config.strict):
            return BuildReport(diagnostics, True, files, loaded=loaded)
        report = self._report(diagnostics, files, site)
        self.summary = Summary(
            files, report.monographs, report.drafts, report.overdue, report.verified,
            report.resourcing, report.withheld, (*collection_problems, *problems),
        )  # fmt: skip
        view = make_site_view(site, settings, config.today, self.version)
        if self.collection is not None:  # what every monograph page's links and view come from
            self.plan_key = digest(
                self.collection[0], settings.model_dump_json(), config.history, render_key,
                self.version, config.today,
            )  # fmt: skip
        digests = [(record.shown, record.digest) for record in ordered]
        inputs_key = self._inputs_key(render_key, digests, settings)
        if self._unchanged(inputs_key):
            count = self.manifest.page_count
            return dataclasses.replace(report, pages=count, reused=len(site.entries))
        reused, jobs = self._plan(site, view, records, render_key)
        check_paths([*reused, *(path for path, _ in jobs)])
        target = self._target(reused, {path for path, _ in jobs})
        published = False
        try:
            report = self._render_and_publish(
                site, view, report, (reused, jobs, target), (inputs_key, render_key)
            )
            published = not report.failed
        finally:
            if not published and not self.options.use_cache:
                shutil.rmtree(target, ignore_errors=True)
        return report

    def _inputs_key(
        self, render_key: str, digests: list[tuple[str, str]], settings: SiteSettings
    ) -> str:
        """Everything that goes into the site: equal keys, equal sites."""
        config = self.config
        return digest(
            render_key,
            digests,
            settings.model_dump_json(),
            self.version,
            config.strict,
            tree_digest(config.static_dir),
            callable_identity(config.finish),
            config.history,
        )

    def _same_as_published(
        self,
        names: list[str],
        found: list[Diagnostic],
        settings: tuple[SiteSettings, list[Diagnostic]],
        render_key: str,
    ) -> BuildReport | None:
        """The report of a build that changes nothing, found before loading anything.

        When every file has the size, times and inode it had at the last build (and, if it
        was written just before that build, still has the same bytes: git's racy-clean
        rule), the manifest's digests stand for the files, and if the
        inputs key then matches and the published folder is untouched, the last build's
        summary and each file's stored diagnostics are this build's report. None otherwise:
        build as usual (that is also how a build with problems reports them).
        """
        manifest, config = self.manifest, self.config
        files = manifest.files
        if (
            manifest.summary is None
            or not isinstance(files, StoredRecords)
            or manifest.load_key != self.load_key
        ):
            return None
        trusted_before = manifest.written_ns - RACY_NS
        folder = display_path(config.content_dir)
        content = str(config.content_dir)
        digests: list[tuple[str, str]] = []
        for name in names:
            shown = _shown_in(folder, name)
            path = _join(content, name)
            stat = stat_of(path)
            known = files.digest(shown)
            if stat is None or stat != manifest.file_stats.get(shown) or not known:
                return None
            if stat[1] >= trusted_before and _file_digest(path) != known:
                return None  # racily new, and its bytes did change
            digests.append((shown, known))
            self.file_stats[shown] = stat
        self.records, self.summary = files, manifest.summary  # what a touched no-op saves
        if not self._unchanged(self._inputs_key(render_key, digests, settings[0])):
            self.records, self.summary, self.file_stats = {}, None, {}
            return None
        summary = manifest.summary
        diagnostics = sort_diagnostics(
            [
                *settings[1],
                *found,
                *(d for shown, _ in digests for d in files.diagnostics(shown)),
                *summary.problems,
            ]
        )
        if has_failures(diagnostics, strict=config.strict):
            return None
        return BuildReport(
            diagnostics,
            False,
            summary.files,
            pages=manifest.page_count,
            monographs=summary.monographs,
            drafts=summary.drafts,
            overdue=summary.overdue,
            verified=summary.verified,
            resourcing=summary.resourcing,
            withheld=summary.withheld,
            reused=summary.monographs,
        )

    def _collection(
        self, ordered: list[FileRecord], existing: list[str]
    ) -> tuple[list[IndexEntry], list[Diagnostic]]:
        """Stand-ins for the loaded files, and the cross-file rules' findings.

        Both follow from each record's facts and locations (``entry_id``) and the file
        names, so a session reuses them while those are unchanged (the usual edit: text).
        """
        shape = (
            tuple((r.shown, r.slug, r.entry_id) for r in ordered if r.entry is not None),
            tuple(existing),
        )
        known = self.session.collection
        if known is not None and known.shape == shape:
            self.collection = known.shape_key, tuple(known.problems)
            return known.entries, known.problems
        entries = [record.entry for record in ordered if record.entry is not None]
        # A build in a new process finds the last build's findings in the manifest.
        shape_key = digest(shape)
        stored = self.manifest.collection
        same_code = self.manifest.load_key == self.load_key  # package version, registry
        if stored is not None and stored[0] == shape_key and same_code:
            problems = list(stored[1])
        else:
            problems = crossref.check_collection(entries, existing)
        self.session.collection = KnownCollection(shape, shape_key, entries, problems)
        self.collection = shape_key, tuple(problems)
        return entries, problems

    def _assemble(
        self, entries: list[IndexEntry], settings: SiteSettings
    ) -> tuple[Site, list[Diagnostic]]:
        """``assemble_site``, reused by a session for the same stand-ins and settings."""
        shape = (settings.model_dump_json(), self.config.history)
        known = self.session.site
        if known is not None and known.entries is entries and known.shape == shape:
            return known.site, known.problems
        site, problems = assemble_site(entries, settings, dict(self.config.history))
        self.session.site = KnownSite(shape, entries, site, problems)
        return site, problems

    def _render_and_publish(
        self,
        site: Site,
        view: SiteView,
        report: BuildReport,
        plan: tuple[dict[str, str], list[tuple[str, RenderJob]], Path],
        keys: tuple[str, str],
    ) -> BuildReport:
        """Workers render the changed monograph pages into ``target`` while this process
        renders the index pages; then reused pages are linked in and the target published."""
        config = self.config
        reused, jobs, target = plan
        inputs_key, render_key = keys
        batches = self._submit_renders(view, jobs, target)
        # Shown from here: the workers render while this process renders the index pages.
        counter = stage_counter(self.options.progress, "render", len(jobs)) if batches else None
        try:
            index, index_reused = self._index_pages(site, view, render_key)
            rendered = self.workers.collect(counter) if batches and self.workers is not None else []
        except (jinja2.TemplateError, TemplateFailure) as exc:
            # workers still busy are closed by run()
            problem = (
                exc.diagnostic
                if isinstance(exc, TemplateFailure)
                else template_diagnostic(exc, config.templates_dir)
            )
            diagnostics = [*report.diagnostics, problem]
            return dataclasses.replace(report, diagnostics=diagnostics, failed=True)
        for batch, pages in zip(batches, rendered, strict=True):
            if not self.options.use_cache:
                break  # nothing to remember
            for job, page in zip(batch, pages, strict=True):
                record = self.records[job.shown]
                key = self._page_key(
                    page.path, render_key, record, job.links, view, fields=page.site_fields
                )
                self.new_pages[page.path] = (key, page.site_fields)
        index_paths = [*(path for path, _ in index), *index_reused]
        check_paths([*index_paths, REPORT_FILE], taken=[*reused, *(path for path, _ in jobs)])
        report = dataclasses.replace(
            report,
            pages=len(reused) + len(jobs) + len(index_paths) + 1,
            rendered=len(jobs),
            reused=len(reused),
        )
        files = self._site_files()
        for pages in rendered:  # written by the workers
            for page in pages:
                files.put_hashed(page.path, page.digest)
        for path, content in [*index, (REPORT_FILE, report_json(report))]:
            files.put(path, content)
        output = config.output_dir
        for path in [*reused, *index_reused]:
            if path not in self.spare_kept:
                files.put(path, None, output / path)
        self.page_count = report.pages
        self._publish(target, inputs_key)
        return report

    def _index_pages(
        self, site: Site, view: SiteView, render_key: str
    ) -> tuple[list[tuple[str, bytes]], list[str]]:
        """Render the index pages whose inputs changed; the others are reused (returned).

        An index page is rendered from the site's stand-ins (so from the records' facts and
        locations, the settings and the site's shape), the summaries it read and the
        ``site`` fields it read; its key covers exactly those.
        """
        config = self.config
        renderer = Renderer(config.templates_dir, view, config.today)
        plain = {record.slug: record.summary_html for record in self.records.values()}
        summaries = RecordingMapping(plain)
        facts_key = digest(
            site.settings.model_dump_json(),
            [(e.slug, e.source, self.records[e.source].entry_id) for e in site.entries],
            [e.slug for e in site.withheld],
            config.history,  # the dashboard shows each monograph's last change
        )
        tree = self._current_tree()
        old_pages = self.manifest.pages if tree else {}
        rendered: list[tuple[str, bytes]] = []
        reused: list[str] = []
        for path, render in renderer.index_page_jobs(site, summaries):
            old = old_pages.get(path)
            if old is not None:
                key = _index_key(render_key, facts_key, old[1], view, plain)
                if key == old[0] and self._intact(tree, path, key):
                    reused.append(path)
                    self.new_pages[path] = old
                    continue
            recorder = RecordingView(view)
            summaries.read.clear()
            content = render(recorder)
            fields = (*sorted(recorder.seen), *(f"summary:{s}" for s in sorted(summaries.read)))
            self.new_pages[path] = (_index_key(render_key, facts_key, fields, view, plain), fields)
            rendered.append((path, content))
        return rendered, reused

    def _page_key(
        self,
        path: str,
        render_key: str,
        record: FileRecord,
        links: PageLinks,
        view: SiteView,
        *,
        fields: tuple[str, ...],
    ) -> str:
        """``_page_key``, remembered by the session for the same inputs (compared, not
        hashed: a preview reload computes a key for every page of the site)."""
        inputs = (render_key, record.digest, record.shown, links, view, fields)
        known = self.session.page_keys.get(path)
        if known is not None and known.inputs == inputs:
            key = known.key
        else:
            if self.keys is None or (self.keys.view, self.keys.render_key) != (view, render_key):
                self.keys = _PageKeys(render_key, view)
            key = self.keys.key(record, links, fields)
        self.page_keys[path] = KnownPageKey(inputs, key)
        return key

    def _intact(self, tree: Tree, path: str, content_id: str) -> bool:
        """Whether the published file at ``path`` holds ``content_id`` and is untouched."""
        published = tree.get(path)
        if published is None or published.content != content_id:
            return False
        if self.scans is not None:  # the child's scan, taken under this build's lock
            if self.published is None:
                self.published = self.scans.result(self.config.output_dir)
            return self.published.get(path) == published.stat
        return file_stat(_join(self.output_path, path)) == published.stat

    def _records(self, names: list[str]) -> dict[str, FileRecord]:
        """Each file's record: from the cache when its bytes are unchanged, else loaded."""
        manifest = self.manifest
        known = manifest.files if manifest.load_key == self.load_key else {}
        trusted_before = manifest.written_ns - RACY_NS
        records: dict[str, FileRecord] = {}
        to_load: list[str] = []
        folder = display_path(self.config.content_dir)
        content = str(self.config.content_dir)
        self.shown = [_shown_in(folder, name) for name in names]
        for name, shown in zip(names, self.shown, strict=True):
            path = _join(content, name)
            # Files the no-op check already looked at in this build are not stat'ed again.
            stat = self.file_stats.get(shown) or stat_of(path)
            record = known.get(shown)
            if stat is not None:
                self.file_stats[shown] = stat
            if record is None or not record.digest or stat is None:
                to_load.append(path)
            elif _unchanged_file(
                path, stat, manifest.file_stats.get(shown), trusted_before, record.digest
            ):
                records[shown] = record
            else:
                to_load.append(path)
        if to_load:
            workers = self._workers(len(to_load))
            batches = split(to_load, workers.count)
            counter = stage_counter(self.options.progress, "load", len(to_load))
            for index, batch in enumerate(workers.run([LoadFiles(b) for b in batches], counter)):
                for record in batch:
                    records[record.shown] = record
                    self.holder[record.shown] = index
        self.loaded = len(to_load)
        self.records = records
        return records

    def _report(self, diagnostics: list[Diagnostic], files: int, site: Site) -> BuildReport:
        entries = site.entries
        today = self.config.today
        verified = sum(1 for e in entries if e.dose.shown)
        return BuildReport(
            diagnostics,
            False,
            files,
            pages=0,
            monographs=len(entries),
            drafts=sum(1 for e in entries if e.review.status != "clinician-reviewed"),
            overdue=sum(1 for e in entries if is_overdue(e.review.date, today)),
            verified=verified,
            resourcing=len(entries) - verified,
            withheld=len(site.withheld),
            loaded=self.loaded,
        )

    def _current_tree(self) -> Tree:
        """The published files the manifest knows, if the output is where it was."""
        manifest = self.manifest
        if not manifest.tree or manifest.output != str(self.config.output_dir.resolve()):
            return {}
        return manifest.tree

    def _unchanged(self, inputs_key: str) -> bool:
        """True when nothing that goes into the site changed and the output is untouched."""
        tree = self._current_tree()
        if not tree or self.manifest.inputs_key != inputs_key:
            return False
        output = self.config.output_dir
        if not output.is_dir() or self._scan(output) != {n: f.stat for n, f in tree.items()}:
            return False
        self.page_count = self.manifest.page_count
        # Note files touched but not changed. Files too new to trust by their stat at the
        # last save are hashed by every build until a save: worth saving for many of them
        # (a checkout), not for the file just edited (hashing it costs microseconds, saving
        # the manifest 0.1 s at 10,000 monographs).
        racy_since = self.manifest.written_ns - RACY_NS
        racy = sum(1 for stat in self.file_stats.values() if stat[1] >= racy_since)
        if self.file_stats != self.manifest.file_stats or racy * RACY_SAVE > len(self.file_stats):
            self._save(tree, self.manifest.spare, self.manifest.pages, inputs_key)
        return True

    def _plan(
        self, site: Site, view: SiteView, records: dict[str, FileRecord], render_key: str
    ) -> tuple[dict[str, str], list[tuple[str, RenderJob]]]:
        """Monograph pages to reuse (path -> key) and pages to render (``plan.plan_pages``)."""
        tree = self._current_tree()
        same_plan = bool(self.plan_key) and self.manifest.plan_key == self.plan_key
        plan = plan_pages(
            site,
            records,
            self.manifest.pages if tree else {},
            self.manifest.files if same_plan else None,
            page_key=lambda path, record, links, fields: self._page_key(
                path, render_key, record, links, view, fields=fields
            ),
            intact=lambda path, key: self._intact(tree, path, key),
        )
        self.new_pages.update(plan.kept)
        self.rendered = len(plan.jobs)
        return plan.reused, plan.jobs

    def _target(self, reused: dict[str, str], rewritten: set[str]) -> Path:
        """The folder to build into: a new staging folder, or the spare cleared of what
        this build will not reuse as it is (files about to be replaced are left: a page is
        written by renaming a new file over the old one)."""
        output = self.config.output_dir
        if not self.options.use_cache:
            staging = new_staging_dir(output)
            self.site_files = SiteFiles(staging)  # listed by a scan when the finish step asks
            return staging
        spare = spare_dir(output)
        held = self._spare_files(spare)
        self.spare_kept = {
            name for name, (content, _) in held.items() if content and reused.get(name) == content
        }
        keep = self.spare_kept | rewritten
        clear_spare(spare, (name for name in held if name not in keep))
        # What the spare holds now; every file written into it from here on is noted, so
        # the finish step and publishing need not scan it again (0.1 s each at 10,000).
        tree = self._current_tree()
        known = [_digests(tree), _digests(self.manifest.spare or {})] if tree else []
        listing = {name: held[name][1] for name in keep if name in held}
        self.site_files = SiteFiles(spare, known, listing)
        return spare

    def _submit_renders(
        self, view: SiteView, jobs: list[tuple[str, RenderJob]], target: Path
    ) -> list[list[RenderJob]]:
        """Send the render jobs to the workers (each to the one holding its entry)."""
        if not jobs:
            return []
        workers = self._workers(len(jobs))
        batches: list[list[RenderJob]] = [[] for _ in range(workers.count)]
        for position, (_, job) in enumerate(jobs):
            batches[self.holder.get(job.shown, position % workers.count)].append(job)
        workers.submit([RenderPages(view, batch, str(target)) for batch in batches])
        return batches

    def _publish(self, target: Path, inputs_key: str) -> None:
        config = self.config
        output = config.output_dir
        if not self.options.use_cache:
            copy_static(config.static_dir, target)
            if config.finish is not None:
                config.finish(target, self._site_files())
            publish(target, output)
            forget(self.cache_dir)
            self.session.forget()
            return
        tree = self._current_tree()
        published, hashed = publish_spare(
            output, self._site_files(), config.static_dir, config.finish
        )
        keys = {path: key for path, (key, _) in self.new_pages.items()}
        new_tree = {}
        for name, stat in published.items():
            sha = hashed.get(name)
            new_tree[name] = TreeFile(
                keys.get(name, ""), stat, sha[1] if sha is not None and sha[0] == stat else b""
            )
        if tree:
            spare_tree: Tree | None = tree
        else:  # the replaced site is unknown to the cache: a spare of links to this one
            pages = [name for name, f in new_tree.items() if f.content]
            linked = link_spare(output, target, pages)
            spare_tree = None
            if linked is not None:
                spare_tree = {name: new_tree[name]._replace(stat=linked[name]) for name in pages}
        self._save(new_tree, spare_tree, self.new_pages, inputs_key)

    def _spare_files(self, spare: Path) -> dict[str, tuple[str, TreeStat]]:
        """What the spare folder holds: content ids the manifest vouches for, else ''."""
        known = self.manifest.spare if self._current_tree() else None
        if known is None or not spare.is_dir():
            shutil.rmtree(spare, ignore_errors=True)
            spare.mkdir(parents=True)
            return {}
        found = self._scan(spare)
        return {
            name: (known[name].content if name in known and known[name].stat == stat else "", stat)
            for name, stat in found.items()
        }

    def _save(
        self,
        tree: Tree,
        spare: Tree | None,
        pages: dict[str, tuple[str, tuple[str, ...]]],
        inputs_key: str,
    ) -> None:
        manifest = Manifest(
            load_key=self.load_key,
            inputs_key=inputs_key,
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
        )
        if self.session.persist:
            written = write_manifest(self.cache_dir, manifest, self.manifest)
            self.session.remember(self.cache_dir, manifest if written else None)
        else:
            self.session.cache_dir, self.session.manifest = self.cache_dir, manifest
        if self.page_keys:  # not a build that found nothing changed
            self.session.page_keys = self.page_keys


def _digests(tree: Tree) -> dict[str, FileDigest]:
    """The sha256s a tree holds, as the finish step's ``SiteFiles`` takes them."""
    return {name: (cast(TreeStat, f.stat), f.sha256) for name, f in tree.items() if f.sha256}


def _unchanged_file(
    path: str, stat: Stat, cached: Stat | None, trusted_before: int, known_digest: str
) -> bool:
    """Same stat as last time (and not racily new), or else the same bytes."""
    if cached == stat and stat[1] < trusted_before:
        return True
    return _file_digest(path) == known_digest


def _file_digest(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return _sha(handle.read())
    except OSError:
        return ""
