"""Write the rendered site atomically: the output edge (the only module that writes the site).

Stage: write. May import: stdlib only.

A build renders into a temporary folder beside the output and swaps it in only when every
file has been written; the swap is one ``renameat2(RENAME_EXCHANGE)`` on Linux, so a reader
(or a web server) sees the old site or the new one, never a mix. A lock file beside the output
stops two builds (two CI jobs) writing the same folder at once. Paths that would escape the
output folder and two pages claiming one path are refused.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import marshal
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath

TEMP_MARK = ".tmp-"
OLD_MARK = ".old-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(Exception):
    """The site could not be written; the previously published folder is untouched."""


class BuildLocked(OutputError):
    """Another build holds the lock on this output folder."""


def safe_relative(path: str) -> PurePosixPath:
    """Validate a page path: relative, no '..', no empty or hidden parts."""
    candidate = PurePosixPath(path)
    parts = candidate.parts
    bad = (
        candidate.is_absolute()
        or not parts
        or any(part in ("", ".", "..") or part.startswith(".") for part in parts)
        or "\\" in path
        or "\x00" in path
    )
    if bad:
        raise OutputError(f"refusing to write outside the output folder: {path!r}")
    return candidate


def check_output_dir(output_dir: Path, sources: Iterable[Path], marker: str) -> None:
    """Refuse an output folder whose replacement would destroy or feed back into the sources.

    Publishing swaps a new folder in for ``output_dir`` and deletes the old one. So it must
    not be, contain or sit inside a source folder (content, templates, static), and an
    existing folder that is not empty is replaced only if a build made it (holds ``marker``).

    Raises:
        OutputError: the folder is refused; nothing was written.
    """
    try:
        target = output_dir.resolve()
        for source in (path.resolve() for path in sources):
            if target.is_relative_to(source) or source.is_relative_to(target):
                raise OutputError(
                    f"refusing to build into {output_dir}: publishing replaces that folder, "
                    f"and it is, holds or sits inside the source folder {source}"
                )
        if target.is_dir() and not (target / marker).is_file() and any(target.iterdir()):
            raise OutputError(
                f"refusing to replace {output_dir}: it is not empty and has no {marker}, so "
                "this tool did not build it; empty it or choose another --out"
            )
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symbolic link loop
        raise OutputError(f"cannot use {output_dir} as the output folder: {exc}") from None


@contextlib.contextmanager
def build_lock(output_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock for ``output_dir`` for the duration of a build."""
    lock_path = output_dir.parent / f".{output_dir.name}.lock"
    try:
        output_dir.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a+")
    except OSError as exc:
        raise OutputError(f"cannot create the lock file {lock_path}: {exc}") from None
    with handle:
        try:
            # A POSIX record lock, not flock(): forked worker processes do not inherit it, so
            # a killed build's orphaned workers cannot keep the output locked.
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise BuildLocked(
                    f"another build is writing {output_dir} (lock {lock_path}); "
                    "wait for it to finish and try again"
                ) from None
            raise
        try:
            yield
        finally:
            fcntl.lockf(handle, fcntl.LOCK_UN)


def remove_stale(output_dir: Path) -> None:
    """Delete temporary folders left by a build that was killed (we hold the lock)."""
    prefix = f".{output_dir.name}"
    for leftover in output_dir.parent.glob(f"{prefix}{TEMP_MARK}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in output_dir.parent.glob(f"{prefix}{OLD_MARK}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def new_staging_dir(output_dir: Path) -> Path:
    staging = output_dir.parent / f".{output_dir.name}{TEMP_MARK}{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return staging


def copy_static(static_dir: Path, staging: Path) -> list[str]:
    """Copy ``static/`` to ``<site>/static/``; symbolic links are not followed.

    Returns the files written (POSIX paths in the site)."""
    written: list[str] = []
    if not static_dir.is_dir():
        return written
    for source in sorted(static_dir.rglob("*")):
        if source.is_symlink() or not source.is_file() or source.name.startswith("."):
            continue
        relative = source.relative_to(static_dir)
        target = staging / "static" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(f"static/{relative.as_posix()}")
    return written


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(result == 0)


def publish(staging: Path, output_dir: Path) -> None:
    """Swap the finished staging folder in for the output folder, then drop the old one."""
    if output_dir.exists() and not output_dir.is_dir():
        raise OutputError(f"output path {output_dir} exists and is not a folder")
    if not output_dir.exists():
        staging.rename(output_dir)
        return
    if _exchange(staging, output_dir):
        shutil.rmtree(staging)  # now holds the previous site
        return
    old = output_dir.parent / f".{output_dir.name}{OLD_MARK}{os.getpid()}"
    output_dir.rename(old)
    staging.rename(output_dir)
    shutil.rmtree(old)


# --- Incremental publishing -------------------------------------------------------------------
#
# Rewriting 10,000 pages (and deleting the 10,000 old ones) costs seconds of file-system work
# even when one page changed. So a cached build keeps a *spare* folder beside the output: the
# site as it was one build before the current one. The next build brings the spare up to date
# (removing, writing or hard-linking only the files that differ from what it holds), runs
# ``finish`` on it and exchanges it with the output in one rename: readers still see the old
# site or the new one, never a mix, and the replaced site becomes the next spare.
#
# Files are never changed in place: a page is written to a temporary name and renamed over, a
# reused page is a new hard link to the published file (or a copy where links fail), and
# everything ``finish`` wrote is deleted before it runs again. Static files are copied fresh.
# So the spare and the published site may share inodes but never write through them;
# ``finish`` must likewise replace files, not rewrite them (search.py only adds files).

SPARE_MARK = ".spare"

# Size, mtime and inode: not ctime, which every new hard link to the file changes.
Stat = tuple[int, int, int]


def spare_dir(output_dir: Path) -> Path:
    return output_dir.parent / f".{output_dir.name}{SPARE_MARK}"


def file_stat(path: Path | str) -> Stat | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ino)


def scan_tree(root: Path) -> dict[str, Stat]:
    """Every file under ``root`` (relative POSIX path -> stat), without following links."""
    found: dict[str, Stat] = {}
    pending = [(str(root), "")]
    while pending:
        folder, prefix = pending.pop()
        with os.scandir(folder) as listing:
            for item in listing:
                name = prefix + item.name
                if item.is_dir(follow_symlinks=False):
                    pending.append((item.path, name + "/"))
                else:
                    info = item.stat(follow_symlinks=False)
                    found[name] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return found


class BackgroundScans:
    """``scan_tree`` of some folders, done by a forked child on the other core meanwhile.

    A rebuild compares the published folder and the spare folder with what the build
    cache recorded; scanning them costs 0.1-0.15 s each at 10,000 pages, which a child
    process does while this one reads the cache and the content. ``result(root)`` gives
    the scan as it was when the child ran it (so only for folders nothing writes to in
    between: the build holds the output's lock) or scans here if the child could not run.
    Forks only from a process with one thread (a thread holding a lock at the fork would
    leave the child stuck).
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = list(roots)
        self.found: dict[str, dict[str, Stat] | None] | None = None
        self.pid, self.reader = 0, -1
        if not self.roots or threading.active_count() != 1 or not hasattr(os, "fork"):
            return
        try:
            reader, writer = os.pipe()
            pid = os.fork()
        except OSError:
            return
        if pid == 0:  # the child: scan, send, and leave without running any cleanup
            code = 1
            try:
                os.close(reader)
                found = {str(r): scan_tree(r) if r.is_dir() else None for r in self.roots}
                with os.fdopen(writer, "wb") as out:
                    out.write(marshal.dumps(found))
                code = 0
            finally:
                os._exit(code)
        os.close(writer)
        self.pid, self.reader = pid, reader

    def result(self, root: Path) -> dict[str, Stat]:
        """Every file under ``root`` (as ``scan_tree``; none if it is no folder): the child's
        scan of it, or a scan here, kept for the next call (the child failed, did not run,
        or was not asked for ``root``)."""
        if self.found is None:
            self.found = self._collect()
        found = self.found.get(str(root))
        if found is None:
            found = self.found[str(root)] = scan_tree(root) if root.is_dir() else {}
        return found

    def _collect(self) -> dict[str, dict[str, Stat] | None]:
        if not self.pid:
            return {}
        try:
            with os.fdopen(self.reader, "rb") as source:
                data = source.read()
            _, status = os.waitpid(self.pid, 0)
            if status != 0:
                return {}
            found: dict[str, dict[str, Stat] | None] = marshal.loads(data)
            return found
        except (OSError, EOFError, ValueError, TypeError):
            return {}

    def close(self) -> None:
        """Reap the child if its result was never asked for."""
        if self.found is None:
            self.found = self._collect()


FileDigest = tuple[Stat, bytes]  # how a file looked when it was hashed, and its sha256


class SiteFiles:
    """The files of a staged site, for the ``finish`` step: listed once, and hashed at most
    once per version. The listing is the caller's (a rebuild knows what the spare holds and
    notes each write) or else a scan, taken when first asked (after anything ``finish``
    wrote before asking).

    ``known`` holds digests from earlier builds: a file whose size, mtime and inode are the
    ones it had when it was hashed is not read again (a reused page is the same inode as the
    page it was linked from; a page written anew is a new inode). Hashing every file of a
    10,000-page site cost 0.2-0.25 s of every rebuild.
    """

    def __init__(
        self,
        root: Path,
        known: Iterable[Mapping[str, FileDigest]] = (),
        listing: dict[str, Stat] | None = None,
    ) -> None:
        """``listing``: the files as the caller knows them, if it does (it then notes every
        file it writes or removes with ``changed``); otherwise the folder is scanned."""
        self.root = root
        self.written: dict[str, FileDigest] = {}  # see ``put_hashed``
        self.known = [self.written, *known]
        self.hashed: dict[str, FileDigest] = {}
        self._listing = listing

    def listing(self) -> dict[str, Stat]:
        if self._listing is None:
            self._listing = scan_tree(self.root)
        return self._listing

    def removed_folder(self, prefix: str) -> None:
        """Note that the folder ``prefix`` ('static/') and all in it were removed."""
        if self._listing is not None:
            for name in [n for n in self._listing if n.startswith(prefix)]:
                del self._listing[name]

    def rescan(self) -> None:
        """Forget the listing: many files were written (a search index); list them anew."""
        self._listing = None

    def names(self) -> list[str]:
        """Every file (POSIX paths, sorted)."""
        return sorted(self.listing())

    def put(self, name: str, content: bytes | None, source: Path | None = None) -> None:
        """``put_file`` into this site, noted in the listing (see ``changed``); written
        bytes are hashed as they are written (see ``put_hashed``)."""
        if content is None:
            put_file(self.root, name, content, source)
            self.changed(name)
        else:
            self.put_hashed(name, put_hashed_file(self.root, name, content))

    def changed(self, name: str) -> None:
        """Note that ``name`` was written or removed after the listing was taken.

        The offline file list, the build id and the build cache's record of the published
        site are made from the listing, not from a scan (0.1 s each at 10,000 pages): every
        write after the listing was taken must be noted (a large one, a search index, by
        ``rescan``). tests/e2e/test_incremental.py holds the result to a cold build's.
        """
        if self._listing is None:
            return
        stat = file_stat(self.root / name)
        if stat is None:
            self._listing.pop(name, None)
        else:
            self._listing[name] = stat

    def put_hashed(self, name: str, digest: FileDigest | None) -> None:
        """Note a file written with ``put_hashed_file`` (here or by a worker) with the stat
        and sha256 it had then, so that it is not read back to be hashed (every page of a
        cold build: the finish step at 10,000 pages took 0.32-0.38 s with that reading,
        0.13-0.14 s without).
        A file changed since has another stat (a new inode or mtime) and is read as usual."""
        if digest is not None:
            self.written[name] = digest
        self.changed(name)

    def sha256(self, name: str) -> bytes:
        stat = self.listing()[name]
        for known in self.known:
            found = known.get(name)
            if found is not None and found[0] == stat:
                self.hashed[name] = found
                return found[1]
        with open(os.path.join(self.root, name), "rb") as handle:
            value = hashlib.sha256(handle.read()).digest()
        self.hashed[name] = (stat, value)
        return value


def put_hashed_file(root: Path, name: str, content: bytes) -> FileDigest | None:
    """``put_file`` with bytes, and the stat and sha256 of the file written (None: it could
    not be stat'ed), for ``SiteFiles.put_hashed``: whoever holds the bytes hashes them."""
    put_file(root, name, content)
    written = file_stat(os.path.join(root, name))
    return None if written is None else (written, hashlib.sha256(content).digest())


Finish = Callable[[Path, SiteFiles], None]  # post-processing of the staged site (search)


def _replace_file(target: Path, content: bytes | None, published: Path) -> None:
    """Put ``content`` (or a hard link to ``published``) at ``target`` via a new inode."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}")
    temporary.unlink(missing_ok=True)
    try:
        if content is not None:
            temporary.write_bytes(content)
        else:
            try:
                os.link(published, temporary)
            except OSError:  # another file system, or links not supported
                shutil.copyfile(published, temporary)
        os.replace(temporary, target)
    except BaseException:  # a full disk: leave no half-written file behind
        temporary.unlink(missing_ok=True)
        raise


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


def put_file(root: Path, name: str, content: bytes | None, source: Path | None = None) -> None:
    """Write ``content`` at ``root/name`` (or hard-link ``source`` there) as a new file.

    A file already there is replaced by renaming a new one over it, never rewritten: it may
    be a hard link shared with the published site.
    """
    relative = safe_relative(name)
    target = root.joinpath(*relative.parts)
    if content is None and source is None:
        raise ValueError("put_file needs content or a source")
    if os.path.lexists(target):
        _replace_file(target, content, source if source is not None else target)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if content is None:
        assert source is not None
        try:
            os.link(source, target)
        except OSError:  # another file system, or links not supported
            shutil.copyfile(source, target)
        return
    with target.open("xb") as handle:  # x: a new file, never an existing one
        handle.write(content)


_PLAIN_PATH = re.compile(r"(?:[A-Za-z0-9_-][A-Za-z0-9._-]*/)*[A-Za-z0-9_-][A-Za-z0-9._-]*")


def check_paths(names: Iterable[str], taken: Iterable[str] = ()) -> None:
    """Refuse page paths that escape the output or that two pages share (before writing).

    ``taken`` are paths checked before, which ``names`` must not collide with.
    """
    seen = {name.casefold() for name in taken}
    for name in names:
        # A plain path (the usual page path) is its own normal form: no PurePosixPath needed.
        plain = _PLAIN_PATH.fullmatch(name) is not None
        key = (name if plain else str(safe_relative(name))).casefold()  # Warfarin/, warfarin/
        if key in seen:
            raise OutputError(f"two pages would be written to {name!r}")
        seen.add(key)


def clear_spare(spare: Path, stale: Iterable[str]) -> None:
    """Delete ``stale`` files from the spare folder, and folders left empty."""
    removed = list(stale)
    for name in removed:
        (spare / name).unlink(missing_ok=True)
    _prune_folders(spare, removed)


def link_spare(output_dir: Path, spare: Path, names: Iterable[str]) -> dict[str, Stat] | None:
    """Make ``spare`` a folder of hard links to ``names`` in the published ``output_dir``.

    For a build that found no spare it knows: the next build then rewrites only what
    changed instead of linking every page (1.5-3 s at 10,000 pages). Returns each link's
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
    static_dir: Path,
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
        for name in copy_static(static_dir, spare):
            files.changed(name)
        if finish is not None:
            finish(spare, files)
        published = dict(files.listing())  # as finish left it (noted its changes)
        _swap_in(output_dir, spare)
        return published, files.hashed
    except OSError as exc:  # a full disk, a read-only folder, a failing finish step
        raise OutputError(f"cannot write the site: {exc}") from None


def _swap_in(output_dir: Path, spare: Path) -> None:
    if output_dir.exists():
        if not output_dir.is_dir():
            raise OutputError(f"output path {output_dir} exists and is not a folder")
        if not _exchange(spare, output_dir):  # not Linux: two renames, as publish() does
            old = output_dir.parent / f".{output_dir.name}{OLD_MARK}{os.getpid()}"
            output_dir.rename(old)
            spare.rename(output_dir)
            old.rename(spare)
    else:
        spare.rename(output_dir)
