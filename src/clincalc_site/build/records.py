"""What the build keeps of each monograph file between stages, processes and builds.

Stage: build/ (docs/architecture.md).

A whole ``Entry`` (pydantic models, a source map of every value) is slow to send between
processes or read back from disk; a ``FileRecord`` is small and plain. Each file's record
comes from the worker that loaded it (or from the build cache) and carries the file's
diagnostics and its ``IndexEntry``: all that assembly, the cross-file rules and the index
pages read.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from clincalc_site.content.index_entry import IndexEntry, index_entry
from clincalc_site.content.loader import Entry
from clincalc_site.diagnostics import Diagnostic


@dataclass(frozen=True)
class FileRecord:
    """What one monograph file gave: its diagnostics and, if it loaded, its index entry."""

    shown: str
    slug: str
    digest: str  # sha256 of the file's bytes
    diagnostics: tuple[Diagnostic, ...]
    entry: IndexEntry | None = None  # None when the file did not validate
    summary_html: str = ""

    @functools.cached_property
    def entry_id(self) -> str:
        """A digest of what index pages and cross-file rules may read of this file.

        Computed once per record (in the worker that loaded it), and the preview server keeps
        records between builds: the ``repr`` of an entry is most of an index page key's cost.
        """
        plain = repr(self.entry).encode("utf-8", "surrogatepass")
        return hashlib.sha256(plain).hexdigest()


def record_of(
    entry: Entry | None, shown: str, slug: str, digest: str, diagnostics: list[Diagnostic]
) -> FileRecord:
    """Summarise one loaded file (``entry`` is None when it did not validate)."""
    if entry is None:
        return FileRecord(shown, slug, digest, tuple(diagnostics))
    return FileRecord(shown, entry.slug, digest, tuple(diagnostics), index_entry(entry))
