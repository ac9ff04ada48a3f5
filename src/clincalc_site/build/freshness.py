"""Which monograph files are as the last build saw them: by their stat, else by their bytes.

Stage: build/ (docs/architecture.md).

A file whose size, times and inode match the manifest's is taken as unchanged, unless it was
written so close to the last build that a later write could have kept its stat (git's
racy-clean rule): such a file is hashed again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from clincalc_site.build.manifest import Manifest, SourceStat, StoredRecords, source_stat
from clincalc_site.build.records import FileRecord

RACY_NS = 2_000_000_000  # a file changed this close to the last build is hashed again
RACY_SAVE = 10  # a build that changes nothing saves the manifest if 1 in 10 files is racy


def file_digest(path: str) -> str:
    """The sha256 of the file's bytes ('' if it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return ""


def unchanged_file(
    path: str, stat: SourceStat, cached: SourceStat | None, trusted_before: int, known_digest: str
) -> bool:
    """Same stat as last time (and not racily new), or else the same bytes."""
    if cached == stat and stat[1] < trusted_before:
        return True
    return file_digest(path) == known_digest


def known_digests(
    files: Sequence[tuple[str, str]], manifest: Manifest, stats: dict[str, SourceStat]
) -> list[tuple[str, str]] | None:
    """Each file's digest as the manifest knows it, if every file is unchanged; else None.

    ``files``: (shown, path) of every monograph file. Only the records' stored digests are
    read (no record is converted). ``stats`` receives each file's stat.
    """
    stored = manifest.files
    if not isinstance(stored, StoredRecords):
        return None
    trusted_before = manifest.written_ns - RACY_NS
    digests: list[tuple[str, str]] = []
    for shown, path in files:
        stat = source_stat(path)
        known = stored.digest(shown)
        if stat is None or stat != manifest.file_stats.get(shown) or not known:
            return None
        if stat[1] >= trusted_before and file_digest(path) != known:
            return None  # racily new, and its bytes did change
        digests.append((shown, known))
        stats[shown] = stat
    return digests


def reusable_records(
    files: Sequence[tuple[str, str]],
    manifest: Manifest,
    same_code: bool,
    stats: dict[str, SourceStat],
) -> tuple[dict[str, FileRecord], list[str]]:
    """The records the manifest holds for unchanged files, and the paths to load again.

    ``same_code``: the manifest was written by this version with this registry (else nothing
    is reused). ``stats`` holds the stats already taken this build and receives the others.
    """
    known = manifest.files if same_code else {}
    trusted_before = manifest.written_ns - RACY_NS
    records: dict[str, FileRecord] = {}
    to_load: list[str] = []
    for shown, path in files:
        # Files the no-op check already looked at in this build are not stat'ed again.
        stat = stats.get(shown) or source_stat(path)
        record = known.get(shown)
        if stat is not None:
            stats[shown] = stat
        if record is None or not record.digest or stat is None:
            to_load.append(path)
        elif unchanged_file(
            path, stat, manifest.file_stats.get(shown), trusted_before, record.digest
        ):
            records[shown] = record
        else:
            to_load.append(path)
    return records, to_load


def racy_share_worth_saving(manifest: Manifest, stats: dict[str, SourceStat]) -> bool:
    """Whether a build that changes nothing should save the manifest anyway.

    Files too new to trust by their stat at the last save are hashed by every build until a
    save: worth saving for many of them (a checkout), not for the file just edited (hashing
    one file costs far less than saving the manifest of a large site).
    """
    racy_since = manifest.written_ns - RACY_NS
    racy = sum(1 for stat in stats.values() if stat[1] >= racy_since)
    return stats != manifest.file_stats or racy * RACY_SAVE > len(stats)
