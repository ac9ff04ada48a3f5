"""The output folder: the checks that refuse it or a page path, the build lock, the staging
folder, and the atomic exchange that publishes.

Stage: publish/ (docs/architecture.md).

A build renders into a temporary folder beside the output and swaps it in only when every
file has been written; the swap is one ``renameat2(RENAME_EXCHANGE)`` on Linux, so a reader
(or a web server) sees the old site or the new one, never a mix. A lock file stops two builds
(two CI jobs) writing the same folder at once. Paths that would escape the output folder and
two pages claiming one path are refused.

What a build keeps between runs sits in one folder beside the output, ``.clincalc/`` (see
``state_dir``): the lock, the spare folder and the default build cache. Beside the output so
that the spare is on the output's file system (publishing renames it into place); in one folder
so that a project has one path to git-ignore and may delete.

Together with ``site_files`` and ``spare_folder``, the only modules that write the site.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath

TEMP_MARK = ".tmp-"
OLD_MARK = ".old-"
STATE_DIR_NAME = ".clincalc"
LOCK_SUFFIX = ".lock"
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
    if output_dir.name == STATE_DIR_NAME:
        raise OutputError(
            f"refusing to build into {output_dir}: {STATE_DIR_NAME} is the name of the folder "
            "that holds a build's lock, spare copy and cache; choose another --out"
        )
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


def state_dir(output_dir: Path) -> Path:
    """The folder of a build's own state for ``output_dir``: ``.clincalc/`` beside it.

    It holds ``<output name>.lock``, ``<output name>.spare/`` and, by default, ``cache/``;
    several output folders with one parent share it (each has its own lock and spare).
    """
    return output_dir.parent / STATE_DIR_NAME


def lock_path(output_dir: Path) -> Path:
    return state_dir(output_dir) / f"{output_dir.name}{LOCK_SUFFIX}"


@contextlib.contextmanager
def build_lock(output_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock for ``output_dir`` for the duration of a build."""
    lock_file = lock_path(output_dir)
    state = lock_file.parent
    # A repository (a pull request) could commit .clincalc as a link to elsewhere: the lock,
    # the spare site and the cache would then be written there.
    if state.is_symlink() or (state.exists() and not state.is_dir()):
        raise OutputError(
            f"{state} is not a folder of this project (a link or a file): remove it, and "
            "the build makes it again"
        )
    try:
        state.mkdir(parents=True, exist_ok=True)
        handle = lock_file.open("a+")
    except OSError as exc:
        raise OutputError(f"cannot create the lock file {lock_file}: {exc}") from None
    with handle:
        try:
            # A POSIX record lock, not flock(): forked worker processes do not inherit it, so
            # a killed build's orphaned workers cannot keep the output locked.
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise BuildLocked(
                    f"another build is writing {output_dir} (lock {lock_file}); "
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


def copy_static(static_folders: Sequence[Path], staging: Path) -> list[str]:
    """Copy the static folders into ``<site>/static/``; a file in a later folder replaces the
    one of the same name from an earlier folder (a team's ``static/`` after the packaged
    one). Symbolic links are not followed.

    Returns the files written (POSIX paths in the site), sorted."""
    chosen: dict[str, Path] = {}
    for folder in static_folders:
        if not folder.is_dir():
            continue
        for source in folder.rglob("*"):
            if source.is_symlink() or not source.is_file() or source.name.startswith("."):
                continue
            chosen[source.relative_to(folder).as_posix()] = source
    written: list[str] = []
    for relative, source in sorted(chosen.items()):
        target = staging / "static" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(f"static/{relative}")
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
