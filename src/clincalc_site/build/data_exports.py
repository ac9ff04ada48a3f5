"""The FHIR ``Bundle`` of the whole formulary, made at the end of a build.

Stage: build/ (docs/architecture.md).

Every ``MedicationKnowledge`` and ``Provenance`` file is in the folder being built by then:
written by a worker with its page, or linked from the published site with it. Each is set
into the Bundle as written (``render/data_files.py: bundle_item``), never parsed: the full
entries they were made from live only in the workers.

At 10,000 monographs that is 10,000 files to read on every build, for a Bundle that rarely
changes much (measured: 0.11 s to read them, 0.09 s to indent them). A rebuild
takes each resource whose file has the sha256 it had from the published Bundle instead, by
the offsets the build that wrote it kept (``SiteFiles.new_memo``), when the published
Bundle is untouched since that build wrote it (the same size, mtime and inode).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clincalc_site.publish.folder_scans import file_stat
from clincalc_site.publish.site_files import SiteFiles
from clincalc_site.render.data_files import (
    BUNDLE,
    bundle_item,
    bundle_of_items,
    fhir_base,
    fhir_files,
)
from clincalc_site.render.site_view import SiteView
from clincalc_site.site.assembly import Site

MEMO_KEY = "fhir-bundle 1"  # in ``SiteFiles.memo``: (base, stat, {path: (sha256, start, end)})
Parts = dict[str, tuple[bytes, int, int]]


def put_fhir_bundle(
    files: SiteFiles, output: Path, built: tuple[Site, SiteView], remember: bool
) -> None:
    """Write ``fhir/Bundle.json`` of the site ``built`` into ``files``; ``output``: the
    published site. ``remember`` (a build with the cache, which knows every file of
    ``files``): take what it can from the published Bundle, keep the offsets for the next."""
    site, view = built
    base = fhir_base(view)
    earlier, old_parts = _earlier(files.memo.get(MEMO_KEY), output, base)
    root = str(files.root)
    items: list[bytes] = []
    rows: list[tuple[str, bytes]] = []  # each resource's path and sha256, in order
    for kind, ident, path in fhir_files(site):
        sha = files.sha256(path) if remember else b""
        old = old_parts.get(path)
        if old is not None and old[0] == sha:
            items.append(earlier[old[1] : old[2]])
        else:
            with open(f"{root}/{path}", "rb") as handle:
                items.append(bundle_item(base, kind, ident, handle.read()))
        rows.append((path, sha))
    text, offsets = bundle_of_items(items)
    files.put(BUNDLE, text)
    if remember:
        parts = {path: (sha, *at) for (path, sha), at in zip(rows, offsets, strict=True)}
        files.new_memo[MEMO_KEY] = (base, file_stat(files.root / BUNDLE), parts)


def _earlier(memo: Any, output: Path, base: str) -> tuple[bytes, Parts]:
    """The published Bundle and where each resource is in it, if the build that wrote it
    said so (for this address) and it is untouched since (the stat it had); else nothing."""
    if not memo or memo[0] != base or memo[1] is None:
        return b"", {}
    published = output / BUNDLE
    if file_stat(published) != tuple(memo[1]):
        return b"", {}
    return published.read_bytes(), memo[2]
