"""The per-file work of a build (load, validate, render one monograph page), in worker processes.

Stage: build/ (docs/architecture.md).

Each file is loaded by exactly one worker, which keeps the full ``Entry`` and later renders that
monograph's page, so an entry never crosses a process boundary: only compact ``FileRecord``s
go to the main process (for cross-file rules, assembly and index pages) and only page bytes
come back. Workers are forked (they inherit the imported modules, nothing is re-imported) and
talk over one pipe each. ``LocalWorkers`` runs the same ``WorkerState`` in this process: small
sites and ``--jobs 1`` use it, and the output is the same either way.

Progress: a worker reports every ``PROGRESS_EVERY`` finished files or pages (a
``("progress", count)`` message before its answer), and ``run``/``collect`` pass the counts to
an ``on_progress`` callback, which adds them up across workers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import multiprocessing
import multiprocessing.connection
import os
import stat
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import jinja2

from clincalc_site.build.records import FileRecord, record_of
from clincalc_site.content.loader import (
    MAX_FILE_BYTES,
    Entry,
    decode,
    display_path,
    load_file,
    load_text,
)
from clincalc_site.content.models import EMPTY_REGISTRY, Registry
from clincalc_site.publish.site_files import FileDigest, put_hashed_file
from clincalc_site.render.data_files import monograph_data
from clincalc_site.render.markup import MarkupRenderer
from clincalc_site.render.rendering import PageLinks, Renderer
from clincalc_site.render.site_view import SiteView
from clincalc_site.render.templates import TemplateFailure, template_diagnostic

PROGRESS_EVERY = 25  # items between progress reports: a pipe message each, so not per item
OnProgress = Callable[[int], None]  # told how many more items are finished


def _ignore(count: int) -> None:
    """Progress nobody listens to."""


class _Tally:
    """Counts finished items and passes them on in groups of ``PROGRESS_EVERY``."""

    def __init__(self, report: OnProgress) -> None:
        self.report = report
        self.pending = 0

    def add(self) -> None:
        self.pending += 1
        if self.pending >= PROGRESS_EVERY:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.report(self.pending)
            self.pending = 0


class WorkerError(RuntimeError):
    """A worker process failed (a bug, or the machine ran out of something)."""


class ContentChanged(RuntimeError):
    """A monograph file changed while the build was running; building again fixes it."""


@dataclass(frozen=True)
class RenderJob:
    """Render the page of ``shown`` (whose bytes hash to ``digest``) with these links."""

    shown: str
    digest: str
    links: PageLinks


@dataclass(frozen=True)
class RenderedPage:
    path: str
    site_fields: tuple[str, ...]  # the SiteView fields the page read
    # the written file's stat and sha256, for the finish step's build id (None: not known)
    digest: FileDigest | None
    of_page: str = ""  # a data file of the page at this path (render/data_files.py): its key


class RecordingView:
    """Passes for a ``SiteView`` and notes which of its fields a template reads.

    Methods and properties run with this object as ``self``, so the fields *they* read are
    noted too. The build cache keys a page on the values of exactly these fields.
    """

    def __init__(self, view: SiteView) -> None:
        self._view = view
        self.seen: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        declared = getattr(type(self._view), name, None)
        if hasattr(declared, "__get__") and not name.startswith("__"):
            value = declared.__get__(self, type(self))  # type: ignore[union-attr]
        else:
            self.seen.add(name)
            value = getattr(self._view, name)
        # Kept, so later reads do not come here (a page reads ``site`` fifty times); the
        # name is noted already, and the view is frozen.
        self.__dict__[name] = value
        return value

    def __str__(self) -> str:  # printing the whole view reads every field
        self.seen.update(field.name for field in dataclasses.fields(self._view))
        return str(self._view)

    __repr__ = __str__


class RecordingMapping(Mapping[str, str]):
    """A read-only mapping that notes which keys a template read ('*': all of them)."""

    def __init__(self, data: Mapping[str, str]) -> None:
        self._data = data
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.read.add(key)
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        self.read.add("*")
        return iter(self._data)

    def __len__(self) -> int:
        self.read.add("*")
        return len(self._data)


def _digest_of(path: Path) -> bytes | None:
    """The bytes of a plain file of acceptable size, or None (the loader then reports why)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            return None
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    return raw if len(raw) <= MAX_FILE_BYTES else None


def load_one(
    path: Path, today: dt.date, registry: Registry = EMPTY_REGISTRY
) -> tuple[Entry | None, FileRecord]:
    """Load and validate one file (``load_file``), and summarise it as a record."""
    shown = display_path(path)
    slug = path.name[: -len(".yaml")]
    raw = _digest_of(path)
    if raw is None:
        entry, problems = load_file(path, today, registry)
        digest = ""  # never cached: the loader's diagnostics say what is wrong
    else:
        digest = hashlib.sha256(raw).hexdigest()
        text, problem = decode(raw, shown)
        if text is None:
            entry, problems = None, [problem] if problem else []
        else:
            entry, problems = load_text(text, shown, slug, today, registry)
    return entry, record_of(entry, shown, slug, digest, problems)


class WorkerState:
    """What one worker holds during a build: its entries and its renderer."""

    def __init__(
        self,
        template_folders: tuple[Path, ...],
        today: dt.date,
        registry: Registry = EMPTY_REGISTRY,
    ) -> None:
        self.template_folders = template_folders
        self.today = today
        self.registry = registry
        # loaded entries, with the summary rendered while loading (None: a reload), which
        # their pages reuse
        self.held: dict[str, tuple[Entry, str | None]] = {}
        self.markup = MarkupRenderer()
        self.renderer: Renderer | None = None
        self.progress: OnProgress = _ignore  # set by whoever runs the calls

    def load(self, paths: Sequence[str], keep: bool = True) -> list[FileRecord]:
        """Load files; ``keep`` holds their entries and renders their summaries (a build)."""
        records: list[FileRecord] = []
        tally = _Tally(self.progress)
        for name in paths:
            entry, record = load_one(Path(name), self.today, self.registry)
            if entry is not None and keep:
                summary = self.markup.inline(entry.monograph.summary)
                self.held[record.shown] = entry, summary
                record = dataclasses.replace(record, summary_html=summary)
                _ = record.entry_id  # worked out here, in parallel, and sent with the record
            records.append(record)
            tally.add()
        tally.flush()
        return records

    def render(self, view: SiteView, jobs: Sequence[RenderJob], target: str) -> list[RenderedPage]:
        """Render each job's page and write it, and its data files, into the folder ``target``
        (each page is followed by its data files in the list)."""
        if self.renderer is None or self.renderer.site_view != view:
            self.renderer = Renderer(self.template_folders, view, self.today)
        root = Path(target)
        pages: list[RenderedPage] = []
        tally = _Tally(self.progress)
        for job in jobs:
            entry, summary = self.held.get(job.shown) or self._reload(job)
            recorder = RecordingView(view)
            path, content = self.renderer.page_of(entry, job.links, recorder, summary)
            data = monograph_data(entry, job.links, cast(SiteView, recorder))  # the page's own
            fields = tuple(sorted(recorder.seen))
            pages.append(RenderedPage(path, fields, put_hashed_file(root, path, content)))
            for name, body in data:
                pages.append(RenderedPage(name, fields, put_hashed_file(root, name, body), path))
            tally.add()
        tally.flush()
        return pages

    def _reload(self, job: RenderJob) -> tuple[Entry, None]:
        """Load an unchanged file whose page must be rendered again (its links changed)."""
        entry, record = load_one(Path(job.shown), self.today, self.registry)
        if entry is None or record.digest != job.digest:
            raise ContentChanged(f"{job.shown} changed during the build; build again")
        self.held[job.shown] = entry, None
        return entry, None


@dataclass(frozen=True)
class LoadFiles:
    """Ask a worker to load files (``WorkerState.load``)."""

    paths: Sequence[str]
    keep: bool = True  # a build keeps the entries to render them; ``check`` does not


@dataclass(frozen=True)
class RenderPages:
    """Ask a worker to render monograph pages into ``target`` (``WorkerState.render``)."""

    view: SiteView
    jobs: Sequence[RenderJob]
    target: str


class StateCall(Protocol):
    """A request defined by a later stage's module (``archive_work.ArchivePages``)."""

    def perform(self, state: WorkerState) -> Any: ...


Call = LoadFiles | RenderPages | StateCall


def perform(state: WorkerState, call: Call) -> Any:
    """Run one typed request on a worker's state (in this process or a worker's)."""
    if isinstance(call, LoadFiles):
        return state.load(call.paths, call.keep)
    if isinstance(call, RenderPages):
        return state.render(call.view, call.jobs, call.target)
    return call.perform(state)


class LocalWorkers:
    """One ``WorkerState`` in this process (small sites, ``--jobs 1``, tests)."""

    def __init__(
        self,
        template_folders: tuple[Path, ...],
        today: dt.date,
        registry: Registry = EMPTY_REGISTRY,
    ) -> None:
        self.states = [WorkerState(template_folders, today, registry)]
        self.pending: list[Call] = []

    @property
    def count(self) -> int:
        return 1

    def run(self, calls: Sequence[Call], on_progress: OnProgress | None = None) -> list[Any]:
        state = self.states[0]
        state.progress = on_progress or _ignore
        try:
            return [perform(state, call) for call in calls]
        finally:
            state.progress = _ignore

    def submit(self, calls: Sequence[Call]) -> None:
        self.pending = list(calls)

    def collect(self, on_progress: OnProgress | None = None) -> list[Any]:
        calls, self.pending = self.pending, []
        return self.run(calls, on_progress)

    def close(self) -> None:
        self.states.clear()


def _serve(
    connection: multiprocessing.connection.Connection,
    state: WorkerState,
    build_ends: Sequence[multiprocessing.connection.Connection] = (),
) -> None:
    # The fork copied the build's end of every pipe. Holding them, a worker would never see
    # the build die (no end-of-file) and, once the build is killed, would wait forever.
    for end in build_ends:
        end.close()
    with contextlib.suppress(EOFError, OSError):  # the build is gone: stop
        _answer(connection, state)


def _answer(connection: multiprocessing.connection.Connection, state: WorkerState) -> None:
    state.progress = lambda count: connection.send(("progress", count))
    while True:
        message = connection.recv()
        if message is None:
            return
        try:
            connection.send(("ok", perform(state, message)))
        except ContentChanged as exc:
            connection.send(("changed", str(exc)))
        except jinja2.TemplateError as exc:
            connection.send(("template", template_diagnostic(exc, state.template_folders)))
        except OSError as exc:  # a full disk: the caller reports it as it does in-process
            connection.send(("oserror", (exc.errno, exc.strerror, exc.filename)))
        except BaseException:
            connection.send(("error", traceback.format_exc()))


class ProcessWorkers:
    """``count`` forked processes, each with its own ``WorkerState``, one pipe each."""

    def __init__(
        self,
        count: int,
        template_folders: tuple[Path, ...],
        today: dt.date,
        registry: Registry = EMPTY_REGISTRY,
    ) -> None:
        context = multiprocessing.get_context("fork")
        self.connections: list[multiprocessing.connection.Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.pending = 0
        for _ in range(count):
            ours, theirs = context.Pipe()
            state = WorkerState(template_folders, today, registry)
            build_ends = [ours, *self.connections]
            process = context.Process(target=_serve, args=(theirs, state, build_ends), daemon=True)
            process.start()
            theirs.close()
            self.connections.append(ours)
            self.processes.append(process)

    @property
    def count(self) -> int:
        return len(self.connections)

    def run(self, calls: Sequence[Call], on_progress: OnProgress | None = None) -> list[Any]:
        """Send call ``i`` to worker ``i`` (all at once) and return their results in order."""
        self.submit(calls)
        return self.collect(on_progress)

    def submit(self, calls: Sequence[Call]) -> None:
        """Start call ``i`` on worker ``i``; ``collect`` waits for the results."""
        for connection, call in zip(self.connections, calls, strict=False):
            connection.send(call)
        self.pending = len(calls)

    def collect(self, on_progress: OnProgress | None = None) -> list[Any]:
        """The submitted calls' results in worker order; raises the first worker's failure.

        ``on_progress`` gets each worker's progress reports as they come (from whichever
        worker sends one), so the sum moves as all workers do, not one after the other.
        """
        calls, self.pending = self.pending, 0
        answers = self._answers(self.connections[:calls], on_progress or _ignore)
        results: list[Any] = []
        failure: BaseException | None = None
        for status, value in answers:
            if status == "ok":
                results.append(value)
            elif failure is None and status == "oserror":
                failure = OSError(*value)
            elif failure is None and status == "template":
                failure = TemplateFailure(value)
            elif failure is None:
                failure = _FAILURES.get(status, WorkerError)(value)
        if failure is not None:
            raise failure
        return results

    @staticmethod
    def _answers(
        connections: Sequence[multiprocessing.connection.Connection], on_progress: OnProgress
    ) -> list[tuple[str, Any]]:
        """Each connection's final ``(status, value)``, read in whatever order they come."""
        answers: dict[int, tuple[str, Any]] = {}
        waiting = {connection: index for index, connection in enumerate(connections)}
        while waiting:
            for ready in multiprocessing.connection.wait(list(waiting)):
                connection = cast(multiprocessing.connection.Connection, ready)
                try:
                    status, value = connection.recv()
                except EOFError:
                    status, value = "error", "a worker process died"
                if status == "progress":
                    on_progress(value)
                else:
                    answers[waiting.pop(connection)] = (status, value)
        return [answers[index] for index in range(len(connections))]

    def close(self) -> None:
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.send(None)
            connection.close()
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()


Workers = LocalWorkers | ProcessWorkers
# What a worker's failure becomes in the main process.
_FAILURES: dict[str, type[Exception]] = {"changed": ContentChanged}


def default_jobs() -> int:
    """Use every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def start_workers(
    jobs: int,
    work: int,
    template_folders: tuple[Path, ...],
    today: dt.date,
    threshold: int,
    *,
    registry: Registry = EMPTY_REGISTRY,
) -> Workers:
    """Processes when there is enough work for them to pay off, else this process."""
    if jobs > 1 and work >= threshold:
        return ProcessWorkers(jobs, template_folders, today, registry)
    return LocalWorkers(template_folders, today, registry)


def split(items: Sequence[Any], parts: int) -> list[list[Any]]:
    """Deal ``items`` round-robin into ``parts`` lists (similar work for each)."""
    return [list(items[index::parts]) for index in range(parts)]
