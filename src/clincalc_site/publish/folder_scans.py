"""Folder scans: every file under a folder with its size, mtime and inode, taken here or by
a forked child while the build reads its cache.

Stage: publish/ (docs/architecture.md). Reads, never writes.
"""

from __future__ import annotations

import marshal
import os
import threading
from collections.abc import Iterable
from pathlib import Path

# Size, mtime and inode: not ctime, which every new hard link to the file changes.
Stat = tuple[int, int, int]


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
    cache recorded; a child process scans them while this one reads the cache and the
    content (this pays on a warm rebuild: docs/performance.md, "Micro-optimisations").
    ``result(root)`` gives
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
