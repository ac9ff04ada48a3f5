"""Read each monograph's change history from git, for the "Changes" list and the dashboard.

Stage: content/ (docs/architecture.md): an input edge, like ``loader``.

A change says what changed in the monograph, in a clinician's words (``change_words``), worked
out from the content: commit messages are never read. One ``git log --raw`` over the whole
content folder (not one per file: a formulary has thousands) gives, per commit and file, the
blob ids before and after; one ``git cat-file --batch`` process reads the versions that are
compared. What each (before, after) pair of blobs says is kept in ``<cache dir>/history.json``,
so a rebuild reads no blob it has described before. Outside a git checkout, or without git,
there is simply no history: the pages say so rather than fail the build.

The same pass numbers each monograph's *versions*: a version is a commit that changed what a
reader sees (one with a line in the "Changes" list), so a commit that only re-formats the
file or edits comments makes none; the commit that adds the file is version 1. A deletion is
no version (nothing is in force), and a file added again later counts on from where it was:
its re-addition is the next version, in force from that day. Counting needs every pair of a
file's history, not only the newest ``MAX_CHANGES`` changes: all pairs are described, the
cache keeping the cost of a rebuild to one ``git log``. Each version carries what its commit
changed (its "Changes" line; the first says ``FIRST_VERSION``), and each deletion is a
``Withdrawal`` (for the Atom feeds: ``render/feeds.py``); of the files deleted still, the
newest ``WITHDRAWALS_NAMED`` have their name, class and review status read from their last
version, in the same ``cat-file`` process (a few blobs, read on every build: names are not
kept in the cache, which holds only facts ``change_words`` could have made).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import os
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

from clincalc_site import __version__
from clincalc_site.content.change_words import (
    UNREADABLE,
    Fact,
    Version,
    checked,
    compare,
    read_version,
    words,
)

MAX_CHANGES = 10
CACHE_FILE = "history.json"
CACHE_FORMAT = 2  # raise when the facts ``change_words`` makes for a pair of blobs change
MAX_BLOB = 1 << 20  # a larger "monograph" is not read: it could not be one
# What a version says it changed when its commit added the file: the first time, and again
# after a deletion (the "Changes" list says "Monograph added" for both).
FIRST_VERSION = "New monograph"
ADDED_AGAIN = "Monograph added again"
# Deleted files whose last version is read for its name and class: as many as the site feed
# holds entries (render/feeds.py: MAX_ENTRIES), so an older withdrawal could not be in it.
WITHDRAWALS_NAMED = 50
_RECORD = "\x1e"
_NO_BLOB = "0" * 40


@dataclass(frozen=True, order=True)
class Change:
    date: str  # YYYY-MM-DD, the commit date
    what: str  # what changed, in a clinician's words (change_words); never a commit message


History = Mapping[str, tuple[Change, ...]]


@dataclass(frozen=True, order=True)
class MonographVersion:
    """One version of a monograph: what was in force from ``date`` until the next one."""

    number: int  # 1 for the commit that added the file
    date: str  # YYYY-MM-DD, the date of the commit that made this version
    blob: str  # the file's git blob id at that commit (what an archive page would render)
    # what that commit changed, in a clinician's words (its line in "Changes"; FIRST_VERSION,
    # ADDED_AGAIN when it added the file); never a dose, never a commit message
    what: str = ""

    @property
    def since(self) -> dt.date:
        """``date`` as a date, for templates (``long_date``)."""
        return dt.date.fromisoformat(self.date)


Versions = Mapping[str, tuple[MonographVersion, ...]]


@dataclass(frozen=True, order=True)
class Withdrawal:
    """A commit that deleted a monograph file: version ``after`` was in force until ``date``.

    ``name``, ``drug_class`` and ``status`` (its review status) are read from that last
    version only for the newest ``WITHDRAWALS_NAMED`` files deleted still; "" otherwise (a
    file added again is named by its page)."""

    date: str  # YYYY-MM-DD, the commit date
    after: int  # the number of the last version in force
    name: str = ""
    drug_class: str = ""
    status: str = ""


@dataclass(frozen=True)
class GitHistory:
    """What git says of each monograph file, by slug (empty outside git)."""

    changes: dict[str, tuple[Change, ...]] = field(default_factory=dict)  # newest first
    versions: dict[str, tuple[MonographVersion, ...]] = field(default_factory=dict)  # oldest first
    withdrawals: dict[str, tuple[Withdrawal, ...]] = field(default_factory=dict)  # oldest first


@dataclass(frozen=True)
class FileChange:
    """One commit's change to one monograph file, as ``git log --raw`` lists it."""

    date: str
    status: str  # A added, D deleted, M modified (T: type changed, read as M)
    old: str  # blob ids; all zeros when there is none
    new: str

    @functools.cached_property
    def pair(self) -> str:
        """The cache key: both blob ids (kept: a rebuild looks up every pair of the history)."""
        return f"{self.old}:{self.new}"


def parse_raw_log(text: str) -> dict[str, list[FileChange]]:
    """Parse ``git log --raw --no-abbrev --format=<RS>%cs`` output: slug -> file changes,
    newest first. Only ``<slug>.yaml`` files directly in the content folder count."""
    found: dict[str, list[FileChange]] = {}
    for record in text.split(_RECORD):
        lines = record.split("\n")
        date = lines[0].strip()
        for line in lines[1:]:
            # :100644 100644 <old blob> <new blob> M<TAB>name.yaml
            if not line.startswith(":") or "\t" not in line:
                continue
            meta, name = line.split("\t", 1)
            parts = meta.split()
            # Not in a subfolder; not quoted by git (a name no slug has); not just ".yaml"
            if len(parts) != 5 or not name.endswith(".yaml") or len(name) == len(".yaml"):
                continue
            if "/" in name or name.startswith(('"', ".")):
                continue
            status = parts[4][:1]
            found.setdefault(name[:-5], []).append(FileChange(date, status, parts[2], parts[3]))
    return found


def read_history(
    content_dir: Path, cache_dir: Path | None = None, until: str = "HEAD"
) -> dict[str, tuple[Change, ...]]:
    """What changed in every monograph file: ``read_git_history(...).changes``."""
    return read_git_history(content_dir, cache_dir, until).changes


def read_git_history(
    content_dir: Path, cache_dir: Path | None = None, until: str = "HEAD"
) -> GitHistory:
    """What changed in every monograph file, newest first (at most ``MAX_CHANGES`` each), and
    its versions; empty when not in a git checkout. ``cache_dir``: where to keep what each
    pair of versions says (None: nothing kept); ``until``: the newest commit to read (build
    --as-of)."""
    command = [
        "git", "-C", str(content_dir), "log", "--relative", "--no-renames", "--raw",
        "--no-abbrev", f"--format={_RECORD}%cs", until, "--", ".",
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return GitHistory()
    if result.returncode != 0:
        return GitHistory()
    log = parse_raw_log(result.stdout)
    cached = read_cache(cache_dir) if cache_dir is not None else {}
    try:
        with BlobReader(content_dir) as blobs:
            history, used = describe_history(log, cached, blobs)
            history = name_withdrawals(history, log, blobs)
    except (OSError, ValueError):
        return GitHistory()
    if cache_dir is not None and used != cached:
        write_cache(cache_dir, used)
    return history


def describe_history(
    log: Mapping[str, list[FileChange]], cached: Mapping[str, tuple[Fact, ...]], blobs: BlobSource
) -> tuple[GitHistory, dict[str, tuple[Fact, ...]]]:
    """Each file's newest ``MAX_CHANGES`` changes a reader would notice and its versions, and
    the facts of every pair of blobs (the next cache). Every pair is described, in one
    request for the blobs of all pairs the cache does not know: a version number counts the
    whole history of a file."""
    facts: dict[str, tuple[Fact, ...]] = {}
    _describe_pairs([item for items in log.values() for item in items], cached, facts, blobs)
    changes: dict[str, tuple[Change, ...]] = {}
    versions: dict[str, tuple[MonographVersion, ...]] = {}
    withdrawals: dict[str, tuple[Withdrawal, ...]] = {}
    for slug, items in log.items():
        shown: list[Change] = []
        for item in items:
            if len(shown) == MAX_CHANGES:
                break
            if facts[item.pair]:
                shown.append(Change(item.date, words(facts[item.pair])))
        if shown:
            changes[slug] = tuple(shown)
        numbered, ended = versions_of(items, facts)
        if numbered:
            versions[slug] = numbered
        if ended:
            withdrawals[slug] = ended
    used = {pair: value for pair, value in facts.items() if not _is_trivial(pair)}
    return GitHistory(changes, versions, withdrawals), used


def count_versions(
    items: Sequence[FileChange], facts: Mapping[str, tuple[Fact, ...]]
) -> tuple[MonographVersion, ...]:
    """A file's versions, oldest first: ``versions_of(items, facts)[0]``."""
    return versions_of(items, facts)[0]


def versions_of(
    items: Sequence[FileChange], facts: Mapping[str, tuple[Fact, ...]]
) -> tuple[tuple[MonographVersion, ...], tuple[Withdrawal, ...]]:
    """A file's versions and withdrawals, oldest first, from its changes (newest first, as
    ``git log`` lists them) and the facts of each: a change with facts (a line in "Changes")
    is a new version; a deletion is none but a withdrawal, and a file added again counts on.
    """
    found: list[MonographVersion] = []
    ended: list[Withdrawal] = []
    for item in reversed(items):
        if item.status == "D" or item.new == _NO_BLOB:
            if found:
                ended.append(Withdrawal(item.date, len(found)))
            continue
        said = facts[item.pair]
        if said:
            if item.status == "A" or item.old == _NO_BLOB:
                what = ADDED_AGAIN if found else FIRST_VERSION
            else:
                what = words(said)
            found.append(MonographVersion(len(found) + 1, item.date, item.new, what))
    return tuple(found), tuple(ended)


def name_withdrawals(
    history: GitHistory, log: Mapping[str, Sequence[FileChange]], blobs: BlobSource
) -> GitHistory:
    """``history`` with the name, class and review status of each of the newest
    ``WITHDRAWALS_NAMED`` files deleted still (the newest change of its file is a deletion),
    read from its last version in one request; one that cannot be read stays unnamed."""
    deleted = sorted(
        ((items[0].date, slug, items[0].old) for slug, items in log.items()
         if slug in history.withdrawals and items[0].status == "D"),
        reverse=True,
    )[:WITHDRAWALS_NAMED]  # fmt: skip
    if not deleted:
        return history
    withdrawals = dict(history.withdrawals)
    read = blobs.read([blob for _, _, blob in deleted])
    for (_, slug, _), (_, version) in zip(deleted, read, strict=True):
        named = _name_and_class(version)
        if named is not None:
            *earlier, last = withdrawals[slug]
            withdrawals[slug] = (*earlier, Withdrawal(last.date, last.after, *named))
    return dataclasses.replace(history, withdrawals=withdrawals)


def _name_and_class(version: Version) -> tuple[str, str, str] | None:
    """A version's name, drug class and review status, as text; None unless it has a name
    and a class."""
    if not isinstance(version, Mapping):
        return None
    name, drug_class, review = (version.get(key) for key in ("name", "drug_class", "review"))
    status = review.get("status") if isinstance(review, Mapping) else None
    if not isinstance(name, str) or not isinstance(drug_class, str) or not name.strip():
        return None
    return name.strip(), drug_class.strip(), status if isinstance(status, str) else ""


def _describe_pairs(
    items: list[FileChange],
    cached: Mapping[str, tuple[Fact, ...]],
    facts: dict[str, tuple[Fact, ...]],
    blobs: BlobSource,
) -> None:
    """Add the facts of every pair of ``items`` to ``facts``: from the cache, or by reading
    both versions. A file's changes come newest first, so one change's old version is the
    next one's new version: it is asked for once, and only the last version read is held
    (not every version of every file at once)."""
    to_read: list[FileChange] = []
    for item in items:
        pair = item.pair
        if pair in facts:
            continue
        known = cached.get(pair)
        if known is not None:
            facts[pair] = known
        elif _is_trivial(pair) or item.status in ("A", "D"):
            facts[pair] = _facts(item, UNREADABLE, UNREADABLE)
        else:
            facts[pair] = ()  # a placeholder, so a pair is read once
            to_read.append(item)
    wanted: list[str] = []
    for item in to_read:
        for blob in (item.new, item.old):
            if not wanted or wanted[-1] != blob:
                wanted.append(blob)
    answers = iter(blobs.read(wanted))
    last: tuple[str, Version] = ("", UNREADABLE)

    def version(blob: str) -> Version:
        nonlocal last
        if last[0] != blob:
            last = next(answers)
        return last[1]

    for item in to_read:
        new = version(item.new)
        facts[item.pair] = _facts(item, version(item.old), new)
    for _ in answers:  # none are left; a round starts with an empty pipe
        pass


def _facts(item: FileChange, old: Version, new: Version) -> tuple[Fact, ...]:
    if item.status == "A" or item.old == _NO_BLOB:
        return compare(None, new)  # the first version: "Monograph added"
    if item.status == "D" or item.new == _NO_BLOB:
        return compare(old, None)  # "Monograph removed"
    return compare(old, new)


def _is_trivial(pair: str) -> bool:
    """Added and deleted files need no blob: their facts are not worth caching."""
    return pair.startswith(_NO_BLOB) or pair.endswith(_NO_BLOB)


class BlobSource(Protocol):
    def read(self, blob_ids: list[str]) -> Iterable[tuple[str, Version]]:
        """Each blob, in order, parsed (``UNREADABLE`` when missing or no monograph)."""


class BlobReader:
    """One ``git cat-file --batch`` for the whole run, started when a blob is first needed.

    Each round writes its ids from a thread while the answers are read, so neither side waits
    on a full pipe. ``GIT_NO_LAZY_FETCH``: in a partial clone a missing blob is not fetched
    one by one from the remote (it reads as a version that could not be read)."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is None:
            return
        process.kill()  # it may be waiting on a pipe: no goodbye
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # what was left unwritten goes nowhere
                    stream.close()

    def read(self, blob_ids: list[str]) -> Iterator[tuple[str, Version]]:
        if not blob_ids:
            return
        if self.process is None:
            self.process = subprocess.Popen(
                ["git", "-C", str(self.content_dir), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "GIT_NO_LAZY_FETCH": "1"},
            )
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        writer = threading.Thread(target=_write_ids, args=(process.stdin, blob_ids), daemon=True)
        writer.start()
        for blob in blob_ids:
            yield blob, _read_one(process.stdout)
        writer.join()


def _write_ids(stream: IO[bytes], blob_ids: Iterable[str]) -> None:
    try:
        stream.write("".join(f"{blob}\n" for blob in blob_ids).encode("ascii"))
        stream.flush()
    except OSError:  # git ended: the reader sees it too
        pass


def _read_one(stream: IO[bytes]) -> Version:
    header = stream.readline().split()
    if not header:
        raise ValueError("git cat-file ended early")
    if len(header) != 3:  # "<id> missing"
        return UNREADABLE
    size = int(header[2])
    if header[1] != b"blob" or size > MAX_BLOB:
        while size >= 0:  # skip it, and the newline after it
            chunk = stream.read(min(size + 1, 1 << 16))
            if not chunk:
                raise ValueError("git cat-file ended early")
            size -= len(chunk)
        return UNREADABLE
    data = stream.read(size + 1)
    if len(data) != size + 1:
        raise ValueError("git cat-file ended early")
    return read_version(data[:-1])


def read_cache(cache_dir: Path) -> dict[str, tuple[Fact, ...]]:
    """The facts kept by the last build; an unreadable, foreign or corrupt file is ignored,
    and so is every entry that is not facts ``change_words`` makes.

    The file holds each distinct list of facts once (``said``) and, for each pair, the
    index of its list (``pairs``): every pair of a history is kept (see ``count_versions``),
    most say the same few things, and a rebuild reads them all (a third of the time facts
    written out pair by pair took, checked once per list instead of once per pair)."""
    try:
        stored = json.loads((cache_dir / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("format") != [CACHE_FORMAT, __version__]:
        return {}
    table, pairs = stored.get("said"), stored.get("pairs")
    if not isinstance(table, list) or not isinstance(pairs, dict):
        return {}
    lists = [checked(raw) for raw in table]
    found: dict[str, tuple[Fact, ...]] = {}
    for pair, index in pairs.items():
        if type(index) is int and 0 <= index < len(lists):  # not a bool, nor a float
            facts = lists[index]
            if facts is not None:
                found[pair] = facts
    return found


def write_cache(cache_dir: Path, facts: Mapping[str, tuple[Fact, ...]]) -> None:
    """Replace the cache file atomically; the same facts give the same bytes. Nothing is
    written into a folder that is a link (or whose parent is: a repository could plant
    ``.clincalc`` as one), and a cache that cannot be written is simply not kept."""
    table = sorted(set(facts.values()))
    index = {value: number for number, value in enumerate(table)}
    pairs = {pair: index[facts[pair]] for pair in sorted(facts)}
    body = {"format": [CACHE_FORMAT, __version__], "pairs": pairs, "said": table}
    data = json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n"
    if cache_dir.is_symlink() or cache_dir.parent.is_symlink():
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=cache_dir, prefix=f".{CACHE_FILE}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(data)
            os.replace(name, cache_dir / CACHE_FILE)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    except OSError:
        return
