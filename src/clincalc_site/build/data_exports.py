"""The FHIR ``Bundle`` of the whole formulary, made at the end of a build.

Stage: build/ (docs/architecture.md).

Every ``MedicationKnowledge`` and ``Provenance`` file is in the folder being built by then:
written by a worker with its page, or linked from the published site with it. Each is set
into the Bundle as written (``render/data_files.py: bundle_item``), never parsed: the full
entries they were made from live only in the workers.

At 10,000 monographs that is 10,000 files to read on every build, for a Bundle that rarely
changes much (measured: 0.11 s to read them, 0.09 s to indent them). A rebuild
takes each resource whose file is the one it was (the same size, mtime and inode: a reused
file is a link to the published one) from the published Bundle instead, by the offsets the
build that wrote it kept (``SiteFiles.new_memo``), when the published Bundle is untouched
since that build wrote it (its stat, likewise).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clincalc_site.publish.folder_scans import Stat, file_stat
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

MEMO_KEY = "fhir-bundle 1"  # in ``SiteFiles.memo``: (base, stat, {path: (stat, start, end)})
Parts = dict[str, tuple[Stat, int, int]]


def put_fhir_bundle(
    files: SiteFiles, output: Path, built: tuple[Site, SiteView], remember: bool
) -> None:
    """Write ``fhir/Bundle.json`` of the site ``built`` into ``files``; ``output``: the
    published site. ``remember`` (a build with the cache, which knows every file of
    ``files``): take what it can from the published Bundle, keep the offsets for the next;
    when nothing in it changed, link the published Bundle itself."""
    site, view = built
    base = fhir_base(view)
    earlier, old_parts = _earlier(files.memo.get(MEMO_KEY), output, base)
    root = str(files.root)
    listing = files.listing() if remember else {}  # known: no scan
    items: list[bytes] = []
    rows: list[tuple[str, Stat | None]] = []  # each resource's path and stat, in order
    same = bool(old_parts)  # every item as it was, in the same place
    for kind, ident, path in fhir_files(site):
        stat = listing.get(path)
        old = old_parts.get(path)
        if old is not None and stat is not None and tuple(old[0]) == stat:
            items.append(earlier[old[1] : old[2]])
        else:
            with open(f"{root}/{path}", "rb") as handle:
                items.append(bundle_item(base, kind, ident, handle.read()))
            same = same and old is not None and items[-1] == earlier[old[1] : old[2]]
        rows.append((path, stat))
    same = same and [path for path, _ in rows] == list(old_parts)
    if same:  # rewritten files with the same bytes (a page's summary edited): as published
        offsets = [(start, end) for _, start, end in old_parts.values()]
        files.put(BUNDLE, None, output / BUNDLE)
    else:
        text, offsets = bundle_of_items(items)
        files.put(BUNDLE, text)
    if remember:
        parts = {path: (stat, *at) for (path, stat), at in zip(rows, offsets, strict=True)}
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
