"""What a long-running process (``serve``) keeps from one build to the next.

Stage: build/ (docs/architecture.md).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from clincalc_site.build.keys import KnownPageKey
from clincalc_site.build.manifest import (
    MANIFEST,
    Manifest,
    SourceStat,
    read_manifest,
    source_stat,
    write_manifest,
)
from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.diagnostics import Diagnostic
from clincalc_site.site.assembly import Site


class KnownCollection(NamedTuple):
    """The index entries and the cross-file findings, with what they came from."""

    shape: object  # every record's (shown, slug, entry_id), and the file names
    shape_key: str  # digest of ``shape``, as the manifest stores it
    entries: list[IndexEntry]
    problems: list[Diagnostic]


class KnownSite(NamedTuple):
    """The assembled site, with what it came from."""

    shape: object  # the settings, the history and the versions
    entries: list[IndexEntry]  # the very list it was assembled from
    site: Site
    problems: list[Diagnostic]


@dataclass
class Session:
    """What a long-running process (``serve``) keeps from one build to the next.

    The manifest its last build wrote, used as it is in memory while the file on disk is
    still the one written (another build in between replaces it, and it is read again):
    reading and converting it would cost every reload. ``persist=False`` (the preview, whose
    output and cache live in a private temporary folder no other build writes) keeps the
    manifest in memory only, saving the write too.
    """

    persist: bool = True
    cache_dir: Path | None = None
    manifest: Manifest | None = None
    written: SourceStat | None = None
    collection: KnownCollection | None = None
    site: KnownSite | None = None
    page_keys: dict[str, KnownPageKey] = dataclasses.field(default_factory=dict)  # by page path

    def keep(self, cache_dir: Path, manifest: Manifest, previous: Manifest) -> None:
        """Save the manifest a build made (unless ``persist`` is off), and remember it."""
        if not self.persist:
            self.cache_dir, self.manifest = cache_dir, manifest
            return
        written = write_manifest(cache_dir, manifest, previous)
        self.remember(cache_dir, manifest if written else None)

    def remember(self, cache_dir: Path, manifest: Manifest | None) -> None:
        self.cache_dir, self.manifest = cache_dir, manifest
        self.written = source_stat(cache_dir / MANIFEST) if manifest is not None else None

    def manifest_for(self, cache_dir: Path) -> Manifest:
        if self.manifest is not None and self.cache_dir == cache_dir:
            if not self.persist:
                return self.manifest
            if self.written is not None and source_stat(cache_dir / MANIFEST) == self.written:
                return self.manifest
        return read_manifest(cache_dir)

    def forget(self) -> None:
        """Drop the manifest (the output was replaced by a build it does not describe)."""
        self.manifest = self.written = None
