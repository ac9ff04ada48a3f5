"""The fan-out of monograph files to worker processes, used by ``check`` and ``build``.

Stage: build/ (docs/architecture.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from clincalc_site.build.config import BuildConfig
from clincalc_site.build.progress import Progress, stage_counter
from clincalc_site.build.records import FileRecord
from clincalc_site.build.workers import (
    LoadFiles,
    LocalWorkers,
    RenderJob,
    RenderPages,
    Workers,
    split,
    start_workers,
)
from clincalc_site.content.loader import display_path
from clincalc_site.content.models import Registry
from clincalc_site.render.site_view import SiteView


def content_files(content_dir: Path, names: Sequence[str]) -> list[tuple[str, str]]:
    """(shown, path) of each monograph file: as diagnostics show it, and as it is opened."""
    folder, content = display_path(content_dir), str(content_dir)
    return [
        (os.path.join(folder, name) if folder != "." else name, os.path.join(content, name))
        for name in names
    ]


def slugs_of(names: Sequence[str]) -> list[str]:
    return [name[: -len(".yaml")] for name in names]


class Pool:
    """One build's worker processes, started when first needed (again, with more
    processes, when a large batch follows a small one), and which worker holds which file:
    the worker that loaded a file keeps its full entry and renders its page."""

    def __init__(self, config: BuildConfig, jobs: int, threshold: int, registry: Registry):
        self.config, self.jobs, self.threshold, self.registry = config, jobs, threshold, registry
        self.workers: Workers | None = None
        self.holder: dict[str, int] = {}  # file (as shown) -> the worker that loaded it

    def _get(self, work: int) -> Workers:
        if self.workers is None or (
            isinstance(self.workers, LocalWorkers) and self.jobs > 1 and work >= self.threshold
        ):
            self.close()
            self.workers = start_workers(
                self.jobs, work, self.config.template_folders, self.config.today,
                self.threshold, registry=self.registry,
            )  # fmt: skip
        return self.workers

    def started(self, work: int) -> Workers:
        """The workers, started for ``work`` items if need be (for another stage's calls)."""
        return self._get(work)

    def load(
        self, paths: list[str], *, keep: bool = True, progress: Progress | None = None
    ) -> list[FileRecord]:
        if not paths:
            return []
        workers = self._get(len(paths))
        counter = stage_counter(progress, "load", len(paths))
        batches = workers.run([LoadFiles(b, keep) for b in split(paths, workers.count)], counter)
        records: list[FileRecord] = []
        for index, batch in enumerate(batches):
            for record in batch:
                records.append(record)
                self.holder[record.shown] = index
        return records

    def submit_renders(
        self, view: SiteView, jobs: list[tuple[str, RenderJob]], target: Path
    ) -> list[list[RenderJob]]:
        """Send the render jobs to the workers (each to the one holding its entry)."""
        if not jobs:
            return []
        workers = self._get(len(jobs))
        batches: list[list[RenderJob]] = [[] for _ in range(workers.count)]
        for position, (_, job) in enumerate(jobs):
            batches[self.holder.get(job.shown, position % workers.count)].append(job)
        workers.submit([RenderPages(view, batch, str(target)) for batch in batches])
        return batches

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()
            self.workers, self.holder = None, {}
