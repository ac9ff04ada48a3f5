"""The build cache: what the last build loaded, rendered and published, keyed by content.

Stage: build/ (docs/architecture.md).

One file, ``<cache dir>/manifest.marshal`` (the cache dir is ``.clincalc/cache/`` beside the
output, in the build's state folder, unless ``--cache-dir`` says otherwise), holds:

* per monograph file, the ``FileRecord`` of its last load, valid while the sha256 of its bytes
  and the ``load_key`` (package and library versions, the build date) are unchanged; a file's
  size, times and inode let an untouched file skip re-hashing, as git's index does;
* per monograph page, the key it was rendered from (templates, settings, content version; the
  file's digest; its ``PageLinks``; the ``site`` fields it read);
* the state of the published folder and of the spare folder used to publish the next build
  (every file's content id and its size, mtime and inode, so an edited file is noticed, and
  the sha256 the finish step took of it, reused while that stat holds).

A missing, unreadable or foreign manifest is an empty cache: the build is a cold build.
The manifest is written only after a build published, by atomic rename.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import importlib.metadata
import marshal
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from clincalc_site import __version__
from clincalc_site.build.records import FileRecord
from clincalc_site.content.index_entry import DoseState, IndexEntry, ReviewState
from clincalc_site.content.yaml_source import NodeInfo
from clincalc_site.diagnostics import Diagnostic, Location, Severity
from clincalc_site.publish.output_folder import state_dir
from clincalc_site.site.counts import SiteCounts

# 2: build summary; 3: entry_id; 4: file sha256s, rule findings; 5: plan key; 6: dose state;
# 7: no render_key (it was saved and never set); 8: each record holds its IndexEntry;
# 9: every NodeInfo field; 10: the formulary status and flags of each IndexEntry
FORMAT = 11
MANIFEST = "manifest.marshal"
DEFAULT_CACHE_DIR = "cache"  # in the state folder beside the output (output_folder.state_dir)
_LIBRARIES = ("pydantic", "pydantic-core", "PyYAML", "Markdown", "nh3", "Jinja2", "MarkupSafe")

# A source file as the racy-clean rule sees it: size, mtime_ns, ctime_ns, inode (ctime too:
# a published page is compared without it, since hard links change it; see folder_scans).
SourceStat = tuple[int, int, int, int]


class TreeFile(NamedTuple):
    """One file of a published folder: what it holds and how it looked on disk.

    A NamedTuple: a manifest holds two of these per page, made anew by every build that
    reads it (a frozen dataclass is slower to make)."""

    content: str  # a page key or a sha256 of the bytes; "" when unknown (finish output)
    stat: tuple[int, ...]  # folder_scans.file_stat: size, mtime, inode
    sha256: bytes = b""  # of the bytes, when the finish step hashed it at that stat


Tree = dict[str, TreeFile]


class StoredRecords(Mapping[str, FileRecord]):
    """The records of a manifest as read: each converted from its stored form on first use.

    A build that finds nothing changed needs only each file's digest and diagnostics;
    converting 10,000 records it does not use would cost about 0.2 s.
    """

    def __init__(self, stored: dict[str, tuple[Any, ...]]) -> None:
        self.stored = stored
        self.converted: dict[str, FileRecord] = {}

    def __getitem__(self, shown: str) -> FileRecord:
        record = self.converted.get(shown)
        if record is None:
            record = self.converted[shown] = _record_from_plain(self.stored[shown])
        return record

    def __iter__(self) -> Iterator[str]:
        return iter(self.stored)

    def __len__(self) -> int:
        return len(self.stored)

    def digest(self, shown: str) -> str:
        """The file's digest ('' for an unknown file), without converting the record."""
        plain = self.stored.get(shown)
        return str(plain[2]) if plain is not None else ""

    def diagnostics(self, shown: str) -> list[Diagnostic]:
        return [_diagnostic_from_plain(d) for d in self.stored[shown][3]]


@dataclass(frozen=True)
class Summary:
    """What a successful build reported beyond each file's own diagnostics: its counts and
    the cross-file findings, so a build that finds nothing changed can report them again."""

    files: int
    counts: SiteCounts
    problems: tuple[Diagnostic, ...]


@dataclass
class Manifest:
    load_key: str = ""
    inputs_key: str = ""  # everything: for 'nothing changed'
    written_ns: int = 0  # time the file stats below were taken
    files: Mapping[str, FileRecord] = field(default_factory=dict)
    file_stats: dict[str, SourceStat] = field(default_factory=dict)
    pages: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)  # key, fields
    output: str = ""
    tree: Tree = field(default_factory=dict)
    spare: Tree | None = None
    page_count: int = 0  # pages of the published build, for a build that changes nothing
    summary: Summary | None = None  # of the published build, likewise
    # a digest of what the cross-file rules read (every record's facts, the file names) and
    # what they found: equal digests, equal findings
    collection: tuple[str, tuple[Diagnostic, ...]] | None = None
    # a digest of what every monograph page's links and site fields follow from
    plan_key: str = ""
    # what the finish step kept for the next build (``SiteFiles.memo``: the search records of
    # each page, by its sha256), plain data only
    finish_memo: dict[str, Any] = field(default_factory=dict)
    format: int = FORMAT
    # The stored form of each record as read, so an unchanged record is not converted again.
    stored: dict[str, tuple[Any, ...]] = field(default_factory=dict, repr=False)


def cache_dir_for(output_dir: Path, override: Path | None) -> Path:
    return override if override is not None else state_dir(output_dir) / DEFAULT_CACHE_DIR


def read_manifest(cache_dir: Path) -> Manifest:
    """The last build's manifest, or an empty one (also when this user did not write it)."""
    key = signing_key()
    try:
        signed = (cache_dir / MANIFEST).read_bytes()
        body = signed[_MAC_BYTES:]
        if key is None or not hmac.compare_digest(signed[:_MAC_BYTES], _mac(key, body)):
            return Manifest()
        plain = marshal.loads(body)
        if plain[0] != _MARSHAL_TAG:
            return Manifest()
        return _manifest_from_plain(plain)
    except (OSError, EOFError, ValueError, TypeError, IndexError, KeyError):
        return Manifest()


def write_manifest(cache_dir: Path, manifest: Manifest, previous: Manifest | None = None) -> bool:
    """Replace the manifest atomically (a reader sees the old one or the new one).

    Records that are the very objects ``previous`` was read with are stored as read. Sets
    ``manifest.stored``, so that ``manifest`` can be the ``previous`` of the next write.
    False when there is nowhere private for the signing key (nothing was written).
    """
    key = signing_key()
    if key is None:  # no private place for the key: build without a cache
        return False
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = cache_dir / f"{MANIFEST}.{os.getpid()}.tmp"
    plain: Any = _manifest_to_plain(manifest, previous)
    body = marshal.dumps(plain)
    temporary.write_bytes(_mac(key, body) + body)
    os.replace(temporary, cache_dir / MANIFEST)
    manifest.stored = {record[0]: record for record in plain[4]}
    return True


# The manifest holds rendered HTML (summaries) and load results that the build trusts, and it
# sits in the project, where a pull request can add one: signed with a key that only this
# user's own builds know, a planted or copied manifest is an empty cache (a cold build).
_MAC_BYTES = 32
KEY_FILE = "manifest.key"


def key_path() -> Path:
    """The signing key's file, in the user's cache folder: outside every project."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "clincalc-site" / KEY_FILE


def signing_key() -> bytes | None:
    """This user's manifest key, made on first use; None where it cannot be kept private."""
    path = key_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(_MAC_BYTES))
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == _MAC_BYTES else None


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


# The manifest is stored with ``marshal`` as plain tuples: much faster to read than
# pickled objects (the warm build reads it whole), and reading it runs no code. marshal's
# format belongs to one Python version, which is part of the tag.
_MARSHAL_TAG = f"clincalc-cache {FORMAT} python {sys.version_info.major}.{sys.version_info.minor}"


def _diagnostic_to_plain(d: Diagnostic) -> tuple[object, ...]:
    loc = d.location
    return (loc.path, loc.line, loc.column, str(d.severity), d.code, d.message,
            d.field_path, d.hint)  # fmt: skip


_T = TypeVar("_T")
_SEVERITIES = {severity.value: severity for severity in Severity}


def _restore(cls: type[_T], fields: dict[str, Any]) -> _T:
    """An instance of one of the frozen dataclasses below, from fields this code stored.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``; a
    rebuild restores several of these objects per monograph, and this is faster (the
    classes have no ``__post_init__`` or slots: a test holds them to that, and a
    property test holds restored records equal to constructed ones).
    """
    restored = object.__new__(cls)
    restored.__dict__.update(fields)
    return restored


def _diagnostic_from_plain(p: tuple[Any, ...]) -> Diagnostic:
    location = _restore(Location, {"path": p[0], "line": p[1], "column": p[2]})
    return _restore(Diagnostic, {
        "location": location, "severity": _SEVERITIES[p[3]], "code": p[4], "message": p[5],
        "field_path": p[6], "hint": p[7],
    })  # fmt: skip


def _record_to_plain(r: FileRecord) -> tuple[object, ...]:
    entry = None
    if r.entry is not None:
        e = r.entry
        review, dose = e.review, e.dose
        revised = dose.revised_on.toordinal() if dose.revised_on is not None else None
        # every field of the NodeInfo tuple, so a field added to it is kept too
        locations = tuple((key, *info) for key, info in e.locations.items())
        entry = (e.slug, e.source, e.name, e.drug_class, e.brand_names, e.specialist, e.related,
                 e.rxcui, (review.status, review.date.toordinal(), review.reviewer),
                 (dose.state, dose.document, revised), e.formulary_status, e.formulary_flags,
                 locations)  # fmt: skip
    diagnostics = tuple(_diagnostic_to_plain(d) for d in r.diagnostics)
    entry_id = r.entry_id if r.entry is not None else ""
    return (r.shown, r.slug, r.digest, diagnostics, entry, r.summary_html, entry_id)


def _record_from_plain(p: tuple[Any, ...]) -> FileRecord:
    shown, slug, digest_, diagnostics, entry, summary_html, entry_id = p
    index = None
    if entry is not None:
        (entry_slug, source, name, drug_class, brands, specialist, related, rxcui, review,
         dose, formulary_status, formulary_flags, nodes) = entry  # fmt: skip
        status, day, reviewer = review
        state, document, revised = dose
        make_node = NodeInfo._make
        index = _restore(IndexEntry, {
            "slug": entry_slug, "source": source, "name": name, "drug_class": drug_class,
            "brand_names": brands, "specialist": specialist, "related": related,
            "rxcui": rxcui,
            "review": _restore(ReviewState, {
                "status": status, "date": dt.date.fromordinal(day), "reviewer": reviewer,
            }),
            "dose": _restore(DoseState, {
                "state": state, "document": document,
                "revised_on": dt.date.fromordinal(revised) if revised is not None else None,
            }),
            "formulary_status": formulary_status, "formulary_flags": formulary_flags,
            "locations": {item[0]: make_node(item[1:]) for item in nodes},
        })  # fmt: skip
    fields = {
        "shown": shown, "slug": slug, "digest": digest_,
        "diagnostics": tuple(map(_diagnostic_from_plain, diagnostics)), "entry": index,
        "summary_html": summary_html,
    }  # fmt: skip
    if entry_id:  # where functools.cached_property keeps it: not worked out again per build
        fields["entry_id"] = entry_id
    return _restore(FileRecord, fields)


def _tree_to_plain(tree: Tree | None) -> object:
    if tree is None:
        return None
    return {name: (f.content, f.stat, f.sha256) for name, f in tree.items()}


def _tree_from_plain(plain: Any) -> Tree | None:
    if plain is None:
        return None
    make = TreeFile._make
    return {name: make(stored) for name, stored in plain.items()}


def _manifest_to_plain(m: Manifest, previous: Manifest | None) -> tuple[object, ...]:
    files: tuple[object, ...]
    if isinstance(m.files, StoredRecords):  # the records as read: store them as read
        files = tuple(m.files.stored.values())
    else:
        before = previous.files if previous is not None else {}
        if isinstance(before, StoredRecords):
            before = before.converted  # only those converted can be the same objects
        stored = previous.stored if previous is not None else {}
        files = tuple(
            stored[shown] if before.get(shown) is r and shown in stored else _record_to_plain(r)
            for shown, r in m.files.items()
        )
    return (_MARSHAL_TAG, m.load_key, m.inputs_key, m.written_ns, files,
            m.file_stats, m.pages, m.output, _tree_to_plain(m.tree), _tree_to_plain(m.spare),
            m.page_count, _summary_to_plain(m.summary),
            _collection_to_plain(m.collection), m.plan_key, m.finish_memo)  # fmt: skip


def _summary_to_plain(summary: Summary | None) -> object:
    if summary is None:
        return None
    c = summary.counts
    problems = tuple(_diagnostic_to_plain(d) for d in summary.problems)
    return (summary.files, c.monographs, c.drafts, c.overdue, c.verified, c.resourcing,
            c.withheld, problems)  # fmt: skip


def _summary_from_plain(plain: Any) -> Summary | None:
    if plain is None:
        return None
    files, monographs, drafts, overdue, verified, resourcing, withheld, problems = plain
    counts = SiteCounts(monographs, drafts, overdue, verified, resourcing, withheld)
    return Summary(files, counts, tuple(_diagnostic_from_plain(d) for d in problems))


def _collection_to_plain(collection: tuple[str, tuple[Diagnostic, ...]] | None) -> object:
    if collection is None:
        return None
    return (collection[0], tuple(_diagnostic_to_plain(d) for d in collection[1]))


def _collection_from_plain(plain: Any) -> tuple[str, tuple[Diagnostic, ...]] | None:
    if plain is None:
        return None
    return (plain[0], tuple(_diagnostic_from_plain(d) for d in plain[1]))


def _manifest_from_plain(p: tuple[Any, ...]) -> Manifest:
    stored = {plain[0]: plain for plain in p[4]}
    tree = _tree_from_plain(p[8])
    return Manifest(
        load_key=p[1],
        inputs_key=p[2],
        written_ns=p[3],
        files=StoredRecords(stored),
        file_stats=p[5],
        pages=p[6],
        output=p[7],
        tree=tree if tree is not None else {},
        spare=_tree_from_plain(p[9]),
        page_count=p[10],
        summary=_summary_from_plain(p[11]),
        collection=_collection_from_plain(p[12]),
        plan_key=p[13],
        finish_memo=p[14],
        stored=stored,
    )


def forget(cache_dir: Path) -> None:
    """Drop the manifest (``--no-cache`` replaced the output it described)."""
    (cache_dir / MANIFEST).unlink(missing_ok=True)


def source_stat(path: Path | str) -> SourceStat | None:
    try:
        info = os.lstat(path)  # not Path.lstat: a build stats every file, and pathlib is slow
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


@functools.cache  # installed versions cannot change under a running process
def _library_versions() -> tuple[str, ...]:
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    return tuple(versions)


def load_key(today: dt.date, registry: str) -> str:
    """What a file's load result depends on besides its bytes and its path.

    ``registry`` is ``Registry.digest`` of team.yaml and sources.yaml: a new revision of a
    source changes whether the doses that cite it are shown. The program's own code is in
    it too, not only its version: a team that installs from a commit, or a developer,
    runs new code under the same version number.
    """
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    versions = _library_versions()
    code = code_digest(Path(__file__).resolve().parents[1])
    return digest(FORMAT, __version__, code, python, versions, today.isoformat(), registry)


@functools.cache  # the program's files do not change under a running process
def code_digest(package: Path) -> str:
    """A digest of the program's source files under ``package`` (``.py``, ``.js``; not the
    compiled ``__pycache__``, which Python rewrites at will)."""
    hasher = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".js") and "__pycache__" not in path.parts:
            hasher.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
            hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()


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
