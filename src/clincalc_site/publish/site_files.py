"""A staged site's files: written as new files (never rewritten in place), and listed and
hashed for the ``finish`` step.

Stage: publish/ (docs/architecture.md).

A file already there is replaced by renaming a new one over it: it may be a hard link shared
with the published site (``spare_folder``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from clincalc_site.publish.folder_scans import Stat, file_stat, scan_tree
from clincalc_site.publish.output_folder import TEMP_MARK, safe_relative

FileDigest = tuple[Stat, bytes]  # how a file looked when it was hashed, and its sha256
# The files of a folder ('pagefind/<key>/') of the published site, by name, each where it
# is published, when the build cache vouches that every one is as this tool wrote it; None:
# not published, or touched since.
Earlier = Callable[[str], "dict[str, Path] | None"]


class SiteFiles:
    """The files of a staged site, for the ``finish`` step: listed once, and hashed at most
    once per version. The listing is the caller's (a rebuild knows what the spare holds and
    notes each write) or else a scan, taken when first asked (after anything ``finish``
    wrote before asking).

    ``known`` holds digests from earlier builds: a file whose size, mtime and inode are the
    ones it had when it was hashed is not read again (a reused page is the same inode as the
    page it was linked from; a page written anew is a new inode): hashing every file would
    cost every rebuild more than anything else it does (figures: docs/performance.md).
    """

    def __init__(
        self,
        root: Path,
        known: Iterable[Mapping[str, FileDigest]] = (),
        listing: dict[str, Stat] | None = None,
        earlier: Earlier | None = None,
        memo: Mapping[str, Any] | None = None,
    ) -> None:
        """``listing``: the files as the caller knows them, if it does (it then notes every
        file it writes or removes with ``changed``); otherwise the folder is scanned.
        ``earlier``: folders of the published site that ``finish`` may link instead of
        making them again (a search bundle whose name says what it holds). ``memo``: what
        ``finish`` kept in ``new_memo`` at the build that published the site (plain data,
        from the signed build cache), for it to reuse; empty for a cold build."""
        self.root = root
        self.earlier = earlier
        self.memo: Mapping[str, Any] = memo or {}
        self.new_memo: dict[str, Any] = {}
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

    def note_folder(self, prefix: str) -> None:
        """Note every file under the folder ``prefix`` ('search/'), written after the
        listing was taken (files removed from it must be noted one by one)."""
        for folder, _, names in os.walk(os.path.join(self.root, prefix)):
            relative = os.path.relpath(folder, self.root).replace(os.sep, "/")
            for name in names:
                self.changed(f"{relative}/{name}")

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
        site are made from the listing, not from a scan (each scan is costly at scale): every
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
