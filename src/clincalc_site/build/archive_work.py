"""The archive and history pages of a batch of monographs, made in a worker process.

Stage: build/ (docs/architecture.md). ``ArchivePages`` is a worker call (``workers.perform``
runs its ``perform`` with the worker's state); ``archive.py`` plans the calls and takes in
what they did.

For each monograph the worker knows its versions and, from the build cache, the dose
fingerprint of each version it has loaded before (``dose_fingerprint``): a page's key is
worked out from these and the page's last entry without loading anything, so a rebuild
loads and renders only the pages whose key changed. A version that does not load under
today's rules has no archive page (a note says so) and its fingerprint says it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clincalc_site.build.manifest import digest
from clincalc_site.build.plan import PageEntry
from clincalc_site.build.workers import RecordingView, WorkerState
from clincalc_site.content.change_words import UNREADABLE, Version, compare, words
from clincalc_site.content.git_blobs import read_blobs
from clincalc_site.content.history import MonographVersion
from clincalc_site.content.loader import Entry, decode, load_parsed
from clincalc_site.content.models import EMPTY_REGISTRY
from clincalc_site.content.registry_history import RegistryReader
from clincalc_site.content.yaml_source import parse_yaml
from clincalc_site.publish.site_files import FileDigest, put_hashed_file
from clincalc_site.render.archive_views import (
    UNLOADABLE,
    ArchiveNotice,
    HistoryRow,
    HistoryView,
    archive_notice,
    archive_url,
    history_url,
    render_archive_page,
    render_history_page,
    section_diffs,
    version_end,
)
from clincalc_site.render.markup import MarkupRenderer
from clincalc_site.render.rendering import Renderer, monograph_url
from clincalc_site.render.site_view import SiteView

CHUNK = 100  # monographs whose versions are held at once
_Job = tuple[list[str], Callable[[], None]]  # the blobs a page needs, and what renders it


@dataclass(frozen=True)
class ArchiveTask:
    """One monograph's archive and history pages, with what the last build knew of them."""

    slug: str
    versions: tuple[MonographVersion, ...]
    current: bool  # its page is in this site (else it is withdrawn: every version archived)
    class_page: str  # its class page's link ("" when gone)
    old: Mapping[str, tuple[PageEntry, bool]]  # path -> last entry, and intact with its key
    withdrawn: Mapping[int, str]  # version number -> the day a deletion ended it


@dataclass(frozen=True)
class ArchiveResult:
    pages: list[tuple[str, PageEntry, FileDigest | None]]  # None: reused as it is
    doses: dict[str, str]  # version key -> dose fingerprint, of every version of the batch
    unreadable: list[tuple[str, int]]  # (slug, number) of each version that does not load
    rendered: int = 0


@dataclass(frozen=True)
class ArchivePages:
    """Make the archive and history pages of ``tasks`` in the folder ``target``."""

    content_dir: str
    view: SiteView
    render_key: str
    tasks: Sequence[ArchiveTask]
    known: Mapping[str, str]  # version key -> dose fingerprint, from the build cache
    target: str

    def perform(self, state: WorkerState) -> ArchiveResult:
        result = ArchiveResult([], {}, [])
        renderer = Renderer(state.template_folders, self.view, state.today)
        memo = renderer.markup = _SameText()
        # The blobs whose fingerprint is not known, in one request (one per chunk cost
        # a tenth of a second each); the others are read only if their page is rendered.
        unknown = [v.blob for t in self.tasks for v in t.versions if v.key not in self.known]
        raw = read_blobs(Path(self.content_dir), unknown)
        rendered = 0
        registries = RegistryReader(Path(self.content_dir))
        for start in range(0, len(self.tasks), CHUNK):
            memo.converted.clear()
            batch = _Batch(self, state, (renderer, registries), result, raw)
            rendered += batch.run(self.tasks[start : start + CHUNK])
        return ArchiveResult(result.pages, result.doses, result.unreadable, rendered)


class _SameText(MarkupRenderer):
    """Markdown converted once per text: versions of a monograph share most of it (the
    archive pages of three versions convert about half as much)."""

    def __init__(self) -> None:
        super().__init__()
        self.converted: dict[str, str] = {}

    def block(self, text: str) -> str:
        found = self.converted.get(text)
        if found is None:
            found = self.converted[text] = super().block(text)
        return found


def dose_fingerprint(entry: Entry | None) -> str:
    """What identifies a version's published dose: '' for none, ``UNLOADABLE`` when the
    version does not load."""
    if entry is None:
        return UNLOADABLE
    dose = entry.dose.published
    if dose is None:
        return ""
    return digest(dose.dosing.model_dump_json(), repr(dose.document), dose.verifier.id)[:24]


@dataclass
class _Batch:
    call: ArchivePages
    state: WorkerState
    tools: tuple[Renderer, RegistryReader]
    result: ArchiveResult
    raw: dict[str, bytes | None] = field(default_factory=dict)
    entries: dict[str, Entry | None] = field(default_factory=dict)
    data: dict[str, Version] = field(default_factory=dict)  # parsed, for ``compare``

    def run(self, tasks: Sequence[ArchiveTask]) -> int:
        known = self.call.known
        doses = self.result.doses
        for task in tasks:
            for version in task.versions:
                found = known.get(version.key)
                doses[version.key] = self._fingerprint(task, version) if found is None else found
        # The pages to render, then their blobs in one request (a template change renders
        # every page: not one ``git cat-file`` each), then the pages.
        jobs = [job for task in tasks for job in self._task(task)]
        self._read([blob for blobs, _ in jobs for blob in blobs])
        for _, render in jobs:
            render()
        return len(jobs)

    def _read(self, blobs: list[str]) -> None:
        missing = [blob for blob in blobs if blob not in self.raw]
        self.raw.update(read_blobs(Path(self.call.content_dir), missing))

    def _entry(self, slug: str, version: MonographVersion) -> Entry | None:
        """The version loaded under the rules of its day: the registry as it stood then
        (today's where git does not track it)."""
        if version.key not in self.entries:
            self._read([version.blob])
            raw = self.raw.get(version.blob)
            shown = f"{slug}.yaml (version {version.number})"
            text = decode(raw, shown)[0] if raw is not None else None
            if text is None:
                self.entries[version.key], self.data[version.blob] = None, UNREADABLE
                return None
            parsed = parse_yaml(text, shown)
            readable = not parsed.diagnostics and isinstance(parsed.data, dict)
            self.data[version.blob] = parsed.data if readable else UNREADABLE
            registry = self.state.registry
            if version.registry is not None:  # (one with problems is never in force)
                registry = self.tools[1].get(version.registry) or EMPTY_REGISTRY
            rules_of = (self.state.today, registry)
            self.entries[version.key] = load_parsed(parsed, text, shown, slug, rules_of)[0]
        return self.entries[version.key]

    def _fingerprint(self, task: ArchiveTask, version: MonographVersion) -> str:
        return dose_fingerprint(self._entry(task.slug, version))

    def _task(self, task: ArchiveTask) -> list[_Job]:
        """Keep the monograph's pages whose key is unchanged; the others to render."""
        doses, versions = self.result.doses, task.versions
        now = doses[versions[-1].key] if task.current else None
        archived = versions[:-1] if task.current else versions
        jobs: list[_Job | None] = []
        for index, version in enumerate(archived):
            mine = doses[version.key]
            if mine == UNLOADABLE:
                self.result.unreadable.append((task.slug, version.number))
                continue
            notice = archive_notice(
                task.slug, versions, index, task.current, (mine, now), task.withdrawn
            )
            jobs.append(self._page(task, notice, version))
        jobs.append(self._history(task))
        return [job for job in jobs if job is not None]

    def _page(
        self, task: ArchiveTask, notice: ArchiveNotice, version: MonographVersion
    ) -> _Job | None:
        path = f"{archive_url(task.slug, version.number)}index.html"
        facts = ("archive", self.call.render_key, notice, version, task.class_page)
        if self._reused(task, path, facts):
            return None
        render = functools.partial(self._render_page, task, (version, notice), path, facts)
        return [version.blob], render

    def _render_page(
        self,
        task: ArchiveTask,
        shown: tuple[MonographVersion, ArchiveNotice],
        path: str,
        facts: tuple[object, ...],
    ) -> None:
        version = shown[0]
        entry = self._entry(task.slug, version)
        assert entry is not None  # its fingerprint says it loads
        recorder = RecordingView(self.call.view)
        _, html = render_archive_page(self.tools[0], entry, shown, recorder, task.class_page)
        self._write(path, html, facts, recorder)

    def _history(self, task: ArchiveTask) -> _Job | None:
        path = f"{history_url(task.slug)}index.html"
        doses = self.result.doses
        loads = tuple(doses[v.key] != UNLOADABLE for v in task.versions)
        ends = sorted(task.withdrawn.items())
        facts = ("history", self.call.render_key, task.versions, loads, task.current, ends)
        if self._reused(task, path, facts):
            return None
        render = functools.partial(self._render_history, task, path, facts)
        return [v.blob for v in task.versions], render

    def _render_history(self, task: ArchiveTask, path: str, facts: tuple[object, ...]) -> None:
        rows: list[HistoryRow] = []
        before: Entry | None = None
        before_data: Version = None
        versions = task.versions
        for index, version in enumerate(versions):
            entry = self._entry(task.slug, version)
            data = self.data.get(version.blob, UNREADABLE)
            newest = index == len(versions) - 1
            current = newest and task.current
            url = monograph_url(task.slug) if current else ""
            if not current and entry is not None:
                url = archive_url(task.slug, version.number)
            until, by_withdrawal = version_end(versions, index, task.withdrawn)
            what = version.what or words(compare(before_data, data)) or "Edited"
            sections = section_diffs(
                before.monograph if before else None, entry.monograph if entry else None
            )
            row = HistoryRow(
                version.number, version.date, until, url, current, what, sections, by_withdrawal
            )
            rows.append(row)
            before, before_data = entry, data
        loaded = [self.entries.get(v.key) for v in reversed(versions)]
        name = next((e.monograph.name for e in loaded if e is not None), task.slug)
        view = HistoryView(
            task.slug, name, history_url(task.slug),
            monograph_url(task.slug) if task.current else "", tuple(reversed(rows)),
        )  # fmt: skip
        recorder = RecordingView(self.call.view)
        _, html = render_history_page(self.tools[0], view, recorder)
        self._write(path, html, facts, recorder)

    def _reused(self, task: ArchiveTask, path: str, facts: tuple[object, ...]) -> bool:
        old = task.old.get(path)
        if old is None:
            return False
        (key, fields), intact = old
        if intact and key == _key(facts, fields, self.call.view):
            self.result.pages.append((path, (key, fields), None))
            return True
        return False

    def _write(
        self, path: str, html: bytes, facts: tuple[object, ...], recorder: RecordingView
    ) -> None:
        fields = tuple(sorted(recorder.seen))
        written = put_hashed_file(Path(self.call.target), path, html)
        self.result.pages.append((path, (_key(facts, fields, self.call.view), fields), written))


def _key(facts: tuple[object, ...], fields: tuple[str, ...], view: SiteView) -> str:
    """A page's key: what it shows of its version, and the ``site`` fields it read."""
    return digest(*facts, fields, [getattr(view, name) for name in fields])
