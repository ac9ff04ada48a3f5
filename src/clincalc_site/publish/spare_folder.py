"""Incremental publishing: the spare folder, brought up to date and swapped in.

Stage: publish/ (docs/architecture.md).

Rewriting 10,000 pages (and deleting the 10,000 old ones) costs seconds of file-system work
even when one page changed. So a cached build keeps a *spare* folder: the site as it was one
build before the current one, ``<output name>.spare/`` in the state folder beside the output
(``output_folder.state_dir``: on the output's file system, so it can be renamed into place).
The next build brings the spare up to date (removing, writing or hard-linking only the files
that differ from what it holds), runs ``finish`` on it and exchanges it with the output in one
rename: readers still see the old site or the new one, never a mix, and the replaced site
becomes the next spare.

Files are never changed in place: a page is written to a temporary name and renamed over, a
reused page is a new hard link to the published file (or a copy where links fail), and
everything ``finish`` wrote is deleted before it runs again. Static files are copied fresh.
So the spare and the published site may share inodes but never write through them;
``finish`` must likewise replace files, not rewrite them (search.py only adds files).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

from clincalc_site.publish.folder_scans import Stat, file_stat
from clincalc_site.publish.output_folder import OutputError, _swap_in, copy_static, state_dir
from clincalc_site.publish.site_files import FileDigest, Finish, SiteFiles

SPARE_MARK = ".spare"


def spare_dir(output_dir: Path) -> Path:
    return state_dir(output_dir) / f"{output_dir.name}{SPARE_MARK}"


def _prune_folders(root: Path, removed: Iterable[str]) -> None:
    """Remove folders that deleting ``removed`` files left empty (deepest first)."""
    folders = {PurePosixPath(name).parent for name in removed}
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        for level in (folder, *folder.parents):
            if str(level) in ("", "."):
                break
            try:
                (root / level).rmdir()
            except OSError:
                break


def clear_spare(spare: Path, stale: Iterable[str]) -> None:
    """Delete ``stale`` files from the spare folder, and folders left empty."""
    removed = list(stale)
    for name in removed:
        (spare / name).unlink(missing_ok=True)
    _prune_folders(spare, removed)


def link_spare(output_dir: Path, spare: Path, names: Iterable[str]) -> dict[str, Stat] | None:
    """Make ``spare`` a folder of hard links to ``names`` in the published ``output_dir``.

    For a build that found no spare it knows: the next build then rewrites only what
    changed instead of linking every page (seconds on a large site). Returns each link's
    stat, or None (and no spare) where linking fails (another file system).
    """
    shutil.rmtree(spare, ignore_errors=True)
    stats: dict[str, Stat] = {}
    made: set[str] = set()
    try:
        for name in names:
            folder = os.path.dirname(name)
            if folder not in made:
                os.makedirs(os.path.join(spare, folder), exist_ok=True)
                made.add(folder)
            target = os.path.join(spare, name)
            os.link(os.path.join(output_dir, name), target)
            stat = file_stat(target)
            if stat is None:
                raise OSError(f"{target} vanished")
            stats[name] = stat
    except OSError:
        shutil.rmtree(spare, ignore_errors=True)
        return None
    return stats


def publish_spare(
    output_dir: Path,
    files: SiteFiles,
    static_folders: Sequence[Path],
    finish: Finish | None,
) -> tuple[dict[str, Stat], dict[str, FileDigest]]:
    """Add static files and ``finish``'s output to the updated spare (``files.root``), then
    swap it in.

    Returns the files of the newly published site, and the digests ``finish`` asked for
    (see ``SiteFiles``). Afterwards the spare holds the site that was published before.

    Raises:
        OutputError: nothing was published; the previous output is unchanged.
    """
    spare = files.root
    try:
        shutil.rmtree(spare / "static", ignore_errors=True)
        files.removed_folder("static/")
        for name in copy_static(static_folders, spare):
            files.changed(name)
        if finish is not None:
            finish(spare, files)
        published = dict(files.listing())  # as finish left it (noted its changes)
        _swap_in(output_dir, spare)
        return published, files.hashed
    except OSError as exc:  # a full disk, a read-only folder, a failing finish step
        raise OutputError(f"cannot write the site: {exc}") from None
