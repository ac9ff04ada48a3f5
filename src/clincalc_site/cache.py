"""The build cache: what the last build loaded, rendered and published, keyed by content.

Stage: build cache (used by the pipeline). May import: records, config, diagnostics.

One file, ``<cache dir>/manifest.pickle`` (the cache dir is ``.clincalc-cache/`` beside the
output unless ``--cache-dir`` says otherwise), holds:

* per monograph file, the ``FileRecord`` of its last load, valid while the sha256 of its bytes
  and the ``load_key`` (package and library versions, the build date) are unchanged; a file's
  size, times and inode let an untouched file skip re-hashing, as git's index does;
* per monograph page, the key it was rendered from (``render_key``: templates, settings,
  content version; the file's digest; its ``PageLinks``; the ``site`` fields it read);
* the state of the published folder and of the spare folder used to publish the next build
  (every file's content id and its size, mtime and inode, so an edited file is noticed).

A missing, unreadable or foreign manifest is an empty cache: the build is a cold build.
The manifest is written only after a build published, by atomic rename.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import os
import pickle
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .records import FileRecord

FORMAT = 1
MANIFEST = "manifest.pickle"
DEFAULT_CACHE_DIR = ".clincalc-cache"
_LIBRARIES = ("pydantic", "pydantic-core", "PyYAML", "Markdown", "nh3", "Jinja2", "MarkupSafe")

Stat = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


@dataclass(frozen=True)
class TreeFile:
    """One file of a published folder: what it holds and how it looked on disk."""

    content: str  # a page key or a sha256 of the bytes; "" when unknown (finish output)
    stat: Stat


Tree = dict[str, TreeFile]


@dataclass
class Manifest:
    load_key: str = ""
    render_key: str = ""
    inputs_key: str = ""  # everything: for 'nothing changed'
    written_ns: int = 0  # time the file stats below were taken
    files: dict[str, FileRecord] = field(default_factory=dict)
    file_stats: dict[str, Stat] = field(default_factory=dict)
    pages: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # key, fields
    output: str = ""
    tree: Tree = field(default_factory=dict)
    spare: Tree | None = None
    page_count: int = 0  # pages of the published build, for a build that changes nothing
    format: int = FORMAT


def cache_dir_for(output_dir: Path, override: Path | None) -> Path:
    return override if override is not None else output_dir.parent / DEFAULT_CACHE_DIR


def read_manifest(cache_dir: Path) -> Manifest:
    """The last build's manifest, or an empty one."""
    try:
        with (cache_dir / MANIFEST).open("rb") as handle:
            manifest = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return Manifest()
    if not isinstance(manifest, Manifest) or manifest.format != FORMAT:
        return Manifest()
    return manifest


def write_manifest(cache_dir: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically (a reader sees the old one or the new one)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = cache_dir / f"{MANIFEST}.{os.getpid()}.tmp"
    with temporary.open("wb") as handle:
        pickle.dump(manifest, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, cache_dir / MANIFEST)


def forget(cache_dir: Path) -> None:
    """Drop the manifest (``--no-cache`` replaced the output it described)."""
    (cache_dir / MANIFEST).unlink(missing_ok=True)


def stat_of(path: Path) -> Stat | None:
    try:
        info = path.lstat()
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def digest(*parts: object) -> str:
    """A sha256 over the ``repr`` of each part (all parts here have stable reprs)."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(repr(part).encode("utf-8", "surrogatepass"))
        hasher.update(b"\0")
    return hasher.hexdigest()


def tree_digest(root: Path) -> str:
    """A digest of every file under ``root`` (name and bytes); '' for a missing folder."""
    if not root.is_dir():
        return ""
    hasher = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        hasher.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()


def _library_versions() -> list[str]:
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    return versions


def load_key(today: dt.date) -> str:
    """What a file's load result depends on besides its bytes and its path."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return digest(FORMAT, __version__, python, _library_versions(), today.isoformat())


def callable_identity(function: Callable[..., object] | None) -> str:
    """A name for ``BuildConfig.finish`` that is the same in every run (no addresses)."""
    if function is None:
        return ""
    arguments: tuple[object, ...] = ()
    keywords: dict[str, object] = {}
    while hasattr(function, "func"):  # functools.partial, possibly nested
        arguments = (*getattr(function, "args", ()), *arguments)
        keywords = {**getattr(function, "keywords", {}), **keywords}
        function = function.func
    module = getattr(function, "__module__", "")
    name = getattr(function, "__qualname__", type(function).__qualname__)
    return f"{module}.{name}{arguments!r}{sorted(keywords.items())!r}"


def stat_files(paths: Iterable[Path]) -> dict[str, Stat]:
    found: dict[str, Stat] = {}
    for path in paths:
        stat = stat_of(path)
        if stat is not None:
            found[str(path)] = stat
    return found
