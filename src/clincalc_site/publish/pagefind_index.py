"""The full-text index: Pagefind bundles, one per partition of the monograph pages.

Stage: publish/ (docs/architecture.md): part of the finish step (``search.finish_site``).

Pagefind cannot add one page to an index (its issue #71), and one index of 10,000 pages took
about 20 s and 1.5 GB on our 2-core machine. So the monograph pages (``drugs/<slug>/
index.html``) are split into partitions by a stable hash of their path; each partition is its
own Pagefind bundle, in ``pagefind/<key>/``, where ``key`` is a hash of the Pagefind version,
the partitioning and every member page's path and bytes. A build indexes only partitions whose
key it does not already hold: an unchanged partition's bundle is hard-linked from the published
site, when the build cache vouches that it is untouched (``SiteFiles.earlier``). The browser
merges the bundles listed in ``pagefind/bundles.json`` (the first one carries Pagefind's
script and WebAssembly; the others only their index) with Pagefind's ``mergeIndex``
(``fullText`` in static/js/results.js).

Each partition is indexed by the Pagefind binary of the pinned ``pagefind[bin]`` (``--site``
on a folder of hard links to its pages), up to one process per core at a time; memory is
bounded by a partition (about 200 KB a page). Pagefind's output depends only on the pages
it is given, so a reused bundle is byte for byte what indexing the partition again writes:
an incremental build publishes the same site as a cold one (tests/e2e/test_search_partitions.py).
The measurements behind the partition size: docs/performance.md, "Search at 10,000".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from clincalc_site.publish.folder_scans import file_stat
from clincalc_site.publish.output_folder import OutputError
from clincalc_site.publish.site_files import FileDigest, SiteFiles

PAGEFIND_DIR = "pagefind"
BUNDLES_FILE = "pagefind/bundles.json"
PAGE_PREFIX = "drugs/"  # monograph pages: drugs/<slug>/index.html (render/rendering.py)
PAGE_FILE = "index.html"
# Pages a partition holds at most, on average: one partition takes about 0.5 s to index
# (docs/performance.md). The number of partitions is a power of two, so that the site
# growing past a threshold splits each partition in two.
PARTITION_PAGES = 320
# Pagefind's ready-made UIs: the site has its own, so these are not published.
PAGEFIND_UNUSED = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-highlight.js",
)
# What only the first bundle keeps: a merged index uses the first one's script and
# WebAssembly (Pagefind's mergeIndex loads no WebAssembly of its own).
RUNTIME_FILES = ("pagefind.js", "pagefind-worker.js")
RUNTIME_PREFIX = "wasm."
PAGEFIND_TIMEOUT = 600
KEY_FORMAT = "clincalc-pagefind-1"


class SearchBuildError(OutputError):
    """The search index or the offline files could not be made; nothing is published."""


@dataclass(frozen=True)
class Partition:
    """One bundle: its member pages (site paths, sorted) and the key that names it."""

    number: int
    members: tuple[str, ...]
    key: str

    @property
    def bundle(self) -> str:
        """The bundle's folder in the site, e.g. 'pagefind/3f2a…/'."""
        return f"{PAGEFIND_DIR}/{self.key}/"


def pagefind_version() -> str:
    try:
        return metadata.version("pagefind_bin")
    except metadata.PackageNotFoundError:
        return ""


def is_monograph_page(name: str) -> bool:
    """'drugs/<slug>/index.html', nothing deeper."""
    return name.startswith(PAGE_PREFIX) and name.count("/") == 2 and name.endswith(PAGE_FILE)


def partition_count(pages: int) -> int:
    """The smallest power of two that keeps partitions at ``PARTITION_PAGES`` on average."""
    count = 1
    while pages > count * PARTITION_PAGES:
        count *= 2
    return count


def partition_of(name: str, count: int) -> int:
    """A page's partition: a stable hash of its path (never of the build or the machine)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big") % count


def plan_partitions(
    names: Sequence[str], digest_of: Callable[[str], bytes], version: str
) -> list[Partition]:
    """The monograph pages among ``names``, in partitions, each keyed by its pages' bytes.

    ``digest_of(name)``: the sha256 of a page (``SiteFiles.sha256``: known digests are not
    read again). Partitions with no page have no bundle."""
    pages = sorted(name for name in names if is_monograph_page(name))
    count = partition_count(len(pages))
    groups: list[list[str]] = [[] for _ in range(count)]
    for name in pages:
        groups[partition_of(name, count)].append(name)
    partitions = []
    first = next((number for number, members in enumerate(groups) if members), -1)
    for number, members in enumerate(groups):
        if not members:
            continue
        primary = number == first  # keeps Pagefind's script
        key = hashlib.sha256(f"{KEY_FORMAT}\0{version}\0{count}\0{number}\0{primary}\0".encode())
        for name in members:
            key.update(name.encode("utf-8") + b"\0" + digest_of(name))
        partitions.append(Partition(number, tuple(members), key.hexdigest()[:20]))
    return partitions


def _executable() -> str:
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]  # noqa: PLC0415

        return str(get_executable())
    except (ImportError, OSError) as exc:
        raise SearchBuildError(f"cannot run Pagefind: {exc}") from exc


def _index_one(
    executable: str, site_root: Path, scratch: Path, part: Partition, *, gentle: bool = False
) -> None:
    """Index one partition into ``site_root/<bundle>`` from a folder of links to its pages."""
    pages = scratch / part.key
    for name in part.members:
        target = pages / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(site_root / name, target)
        except OSError:  # another file system, or links not supported
            shutil.copyfile(site_root / name, target)
    output = site_root / part.bundle
    command = [executable, "--site", str(pages), "--output-path", str(output), "--silent"]
    nice = shutil.which("nice") if gentle else None
    if nice:  # the preview's index: after the editor's reloads
        command = [nice, "-n", "10", *command]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PAGEFIND_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise SearchBuildError(f"Pagefind took more than {PAGEFIND_TIMEOUT} s") from None
    except OSError as exc:
        raise SearchBuildError(f"cannot run Pagefind: {exc}") from exc
    finally:
        shutil.rmtree(pages, ignore_errors=True)
    if done.returncode != 0:
        detail = (done.stdout + done.stderr).decode("utf-8", "replace").strip()[-2000:]
        raise SearchBuildError(f"Pagefind failed (exit {done.returncode}): {detail}")


def _trim(site_root: Path, part: Partition, primary: bool) -> None:
    """Delete what the site does not use from a fresh bundle."""
    folder = site_root / part.bundle
    for name in PAGEFIND_UNUSED:
        (folder / name).unlink(missing_ok=True)
    if not primary:
        for item in os.listdir(folder):
            if item in RUNTIME_FILES or item.startswith(RUNTIME_PREFIX):
                (folder / item).unlink()


def _bundle_files(site_root: Path, bundle: str) -> list[str]:
    found = []
    for folder, _, names in os.walk(site_root / bundle):
        relative = Path(folder).relative_to(site_root).as_posix()
        found += [f"{relative}/{name}" for name in names]
    return sorted(found)


class IndexJob:
    """The partitions of one build being indexed: started, then finished (or cancelled)."""

    def __init__(self, site_root: Path, files: SiteFiles, partitions: list[Partition]) -> None:
        self.site_root, self.files, self.partitions = site_root, files, partitions
        self.reused: dict[str, dict[str, Path]] = {}
        self.indexed: list[Partition] = []
        for part in partitions:
            earlier = files.earlier(part.bundle) if files.earlier is not None else None
            if earlier is None:
                self.indexed.append(part)
            else:
                self.reused[part.bundle] = earlier
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future[list[tuple[str, FileDigest | None]]]] = []
        self._scratch: Path | None = None
        if self.indexed:
            executable = _executable()
            # Inside the staged folder (one file system: the pages are linked, not copied),
            # removed before it is published; a killed build's is cleared with the folder.
            self._scratch = Path(tempfile.mkdtemp(prefix=".clincalc-pagefind-", dir=site_root))
            # One Pagefind a core (one more measured no faster, and a little more CPU).
            self._pool = ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1)))
            first = partitions[0].bundle
            self._futures = [
                self._pool.submit(self._index, executable, part, part.bundle == first)
                for part in self.indexed
            ]

    def _index(
        self, executable: str, part: Partition, primary: bool
    ) -> list[tuple[str, FileDigest | None]]:
        """Index one partition (a thread of the pool); its files with their stat and sha256,
        taken here, so that the build id need not read them again."""
        assert self._scratch is not None
        _index_one(executable, self.site_root, self._scratch, part)
        _trim(self.site_root, part, primary)
        hashed = []
        for name in _bundle_files(self.site_root, part.bundle):
            path = self.site_root / name
            stat = file_stat(path)
            content = path.read_bytes()
            hashed.append(
                (name, None if stat is None else (stat, hashlib.sha256(content).digest()))
            )
        return hashed

    def finish(self) -> None:
        """Wait for every partition, link the reused bundles, write ``bundles.json``."""
        try:
            indexed = [future.result() for future in self._futures]
        finally:
            self.close()
        files, root = self.files, self.site_root
        for earlier in self.reused.values():
            for name, source in earlier.items():
                if source != root / name:  # else kept in the folder from the build before
                    files.put(name, None, source)
        for hashed in indexed:
            for name, digest in hashed:
                files.put_hashed(name, digest)
        self._remove_others()
        bundles = [part.bundle.removeprefix(PAGEFIND_DIR + "/") for part in self.partitions]
        payload = json.dumps({"bundles": bundles}, separators=(",", ":")) + "\n"
        files.put(BUNDLES_FILE, payload.encode("utf-8"))

    def _remove_others(self) -> None:
        """Delete the bundles of earlier builds that this one does not list."""
        wanted = tuple(part.bundle for part in self.partitions)
        stale = [
            name
            for name in self.files.names()
            if name.startswith(PAGEFIND_DIR + "/")
            and name != BUNDLES_FILE
            and not name.startswith(wanted)
        ]
        folders = set()
        for name in stale:
            (self.site_root / name).unlink(missing_ok=True)
            self.files.changed(name)
            folders.add(os.path.dirname(name))
        for folder in sorted(folders, key=len, reverse=True):
            with contextlib.suppress(OSError):
                os.removedirs(self.site_root / folder)

    def close(self) -> None:
        """Stop waiting: running Pagefind processes finish, queued ones never start."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def _atomic_write(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)


class FolderIndex:
    """The full-text index of a site that is rebuilt in place (``serve``), kept apart from it.

    ``update(site)`` indexes the partitions of the site's monograph pages that ``target``
    does not hold yet (from hard links to the pages, taken first: a rebuild may replace the
    site meanwhile), then lists them in ``target/pagefind/bundles.json``, and removes the
    bundles neither this list nor the one before names (a page may still be using those).
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self._digests: dict[str, tuple[object, bytes]] = {}  # page -> (stat, sha256)
        self._listed: tuple[str, ...] = _listed_in(target / BUNDLES_FILE)

    def _digest_of(self, root: Path) -> Callable[[str], bytes]:
        def digest_of(name: str) -> bytes:
            path = root / name
            info = os.stat(path)
            stat = (info.st_size, info.st_mtime_ns, info.st_ino)
            cached = self._digests.get(name)
            if cached is not None and cached[0] == stat:
                return cached[1]
            value = hashlib.sha256(path.read_bytes()).digest()
            self._digests[name] = (stat, value)
            return value

        return digest_of

    def update(self, site: Path) -> int:
        """Bring the index up to date with ``site``; the number of partitions indexed."""
        bundles = self.target / PAGEFIND_DIR
        bundles.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".clincalc-pagefind-", dir=self.target))
        try:
            snapshot = scratch / "site"
            names = []
            drugs = site / PAGE_PREFIX
            for slug in sorted(os.listdir(drugs)) if drugs.is_dir() else []:
                name = f"{PAGE_PREFIX}{slug}/{PAGE_FILE}"
                (snapshot / PAGE_PREFIX / slug).mkdir(parents=True, exist_ok=True)
                try:
                    os.link(site / name, snapshot / name)
                except FileNotFoundError:  # not a page folder, or removed meanwhile
                    continue
                names.append(name)
            partitions = plan_partitions(names, self._digest_of(snapshot), pagefind_version())
            missing = [part for part in partitions if not (self.target / part.bundle).is_dir()]
            executable = _executable() if missing else ""
            for part in missing:
                _index_one(executable, snapshot, scratch, part, gentle=True)
                _trim(snapshot, part, part.number == partitions[0].number)
                os.replace(snapshot / part.bundle, self.target / part.bundle)
            listed = tuple(part.key for part in partitions)
            payload = json.dumps({"bundles": [f"{key}/" for key in listed]}) + "\n"
            _atomic_write(self.target / BUNDLES_FILE, payload.encode("utf-8"))
            for item in os.listdir(bundles):
                folder = bundles / item
                if folder.is_dir() and item not in listed and item not in self._listed:
                    shutil.rmtree(folder, ignore_errors=True)
            self._listed = listed
            return len(missing)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def start_index(site_root: Path, files: SiteFiles) -> IndexJob:
    """Plan the partitions of the staged site and start indexing those not held already."""
    partitions = plan_partitions(files.names(), files.sha256, pagefind_version())
    return IndexJob(site_root, files, partitions)


def _listed_in(bundles_file: Path) -> tuple[str, ...]:
    """The bundle keys a ``bundles.json`` lists (none if it is missing or unreadable)."""
    try:
        listed = json.loads(bundles_file.read_text(encoding="utf-8"))["bundles"]
        return tuple(str(bundle).rstrip("/") for bundle in listed)
    except (OSError, ValueError, KeyError, TypeError):
        return ()


def main(argv: Sequence[str]) -> int:
    """``python -m clincalc_site.publish.pagefind_index SITE TARGET``: ``FolderIndex(TARGET)
    .update(SITE)`` in a process of its own (``serve`` runs it, so that indexing takes no
    time from its rebuilds in its own process)."""
    site, target = (Path(arg) for arg in argv)
    FolderIndex(target).update(site)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
