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
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
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


@contextlib.contextmanager
def build_lock(output_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock for ``output_dir`` for the duration of a build."""
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = output_dir.parent / f".{output_dir.name}.lock"
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
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
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


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


def write_pages(staging: Path, pages: Iterable[tuple[str, bytes]]) -> int:
    """Write every page under ``staging``; refuse escapes and double writes."""
    written: set[PurePosixPath] = set()
    for path, content in pages:
        relative = safe_relative(path)
        key = PurePosixPath(str(relative).casefold())  # Warfarin/ and warfarin/ collide on macOS
        if key in written:
            raise OutputError(f"two pages would be written to {path!r}")
        written.add(key)
        target = staging.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return len(written)


def copy_static(static_dir: Path, staging: Path) -> None:
    """Copy ``static/`` to ``<site>/static/``; symbolic links are not followed."""
    if not static_dir.is_dir():
        return
    for source in sorted(static_dir.rglob("*")):
        if source.is_symlink() or not source.is_file() or source.name.startswith("."):
            continue
        relative = source.relative_to(static_dir)
        target = staging / "static" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


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


def write_site(
    output_dir: Path,
    pages: Iterable[tuple[str, bytes]],
    static_dir: Path,
    finish: Callable[[Path], None] | None = None,
) -> int:
    """Write pages and static files into a staging folder, run ``finish`` on it, publish.

    Raises:
        OutputError: nothing was published; the previous output is unchanged.
    """
    staging = new_staging_dir(output_dir)
    try:
        count = write_pages(staging, pages)
        copy_static(static_dir, staging)
        if finish is not None:
            finish(staging)
        publish(staging, output_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count
