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

The same ``git log`` lists the commits to team.yaml and sources.yaml beside the content
folder: one that changed what a monograph's dosing section showed (a source revised, so its
dose is held back) is a version of that monograph too, and each version carries the
registry it is decided by (``registry_history``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clincalc_site.content.change_words import (
    UNREADABLE,
    Fact,
    Version,
    compare,
    words,
)
from clincalc_site.content.history_store import (
    BlobReader,
    BlobSource,
    read_cache,
    write_cache,
)
from clincalc_site.content.models import SOURCES_FILE, TEAM_FILE
from clincalc_site.content.registry_history import (
    RegistryChange,
    RegistryEvent,
    Timeline,
    read_settled,
    registry_events,
    write_settled,
)

MAX_CHANGES = 10
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
    # the blob ids of team.yaml and sources.yaml in force then ("" absent), which decide its
    # dose (content/registry_history.py); None where git does not track them (then today's)
    registry: tuple[str, str] | None = None

    @property
    def key(self) -> str:
        """What identifies the version's page: its file, and the registry it is decided by."""
        return self.blob if self.registry is None else ":".join((self.blob, *self.registry))

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
    seq: int = 0  # the commit's place in the log: 0 is the newest

    @functools.cached_property
    def pair(self) -> str:
        """The cache key: both blob ids (kept: a rebuild looks up every pair of the history)."""
        return f"{self.old}:{self.new}"


def parse_log(
    text: str, prefix: str, registry: str | None = None
) -> tuple[dict[str, list[FileChange]], list[RegistryChange]]:
    """Parse ``git log --raw --no-abbrev --format=<RS>%cs`` output: slug -> file changes,
    newest first, and the registry's changes. Only ``<slug>.yaml`` files directly in the
    content folder (``prefix``, from the top of the repository) are monographs;
    ``registry``: the folder of team.yaml and sources.yaml, when git tracks it."""
    found: dict[str, list[FileChange]] = {}
    changes: list[RegistryChange] = []
    names = (
        {f"{registry}{TEAM_FILE}": 0, f"{registry}{SOURCES_FILE}": 1}
        if registry is not None
        else {}
    )
    for seq, record in enumerate(text.split(_RECORD)):
        lines = record.split("\n")
        date = lines[0].strip()
        blobs: list[str | None] = [None, None]
        for line in lines[1:]:
            # :100644 100644 <old blob> <new blob> M<TAB>name.yaml
            if not line.startswith(":") or "\t" not in line:
                continue
            meta, path = line.split("\t", 1)
            parts = meta.split()
            if len(parts) != 5:
                continue
            if path in names:
                blobs[names[path]] = "" if parts[3] == _NO_BLOB else parts[3]
                continue
            if not path.startswith(prefix):
                continue
            name = path[len(prefix) :]
            # Not in a subfolder; not quoted by git (a name no slug has); not just ".yaml"
            if not name.endswith(".yaml"):
                continue
            if len(name) == len(".yaml") or "/" in name or name.startswith(('"', ".")):
                continue
            status = parts[4][:1]
            change = FileChange(date, status, parts[2], parts[3], seq)
            found.setdefault(name[:-5], []).append(change)
        if blobs != [None, None]:
            changes.append(RegistryChange(seq, date, blobs[0], blobs[1]))
    return found, changes


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
    prefix = _git(content_dir, "rev-parse", "--show-prefix")
    if prefix is None:
        return GitHistory()
    prefix = prefix.strip()
    # team.yaml and sources.yaml sit beside the content folder: tracked unless that folder
    # is the top of the repository (then they are outside it, and today's decide)
    registry: str | None = None
    if prefix:
        parent = prefix.rstrip("/").rpartition("/")[0]
        registry = f"{parent}/" if parent else ""
    paths = [".", f"../{TEAM_FILE}", f"../{SOURCES_FILE}"] if registry is not None else ["."]
    output = _git(
        content_dir, "log", "--no-renames", "--raw", "--no-abbrev", f"--format={_RECORD}%cs",
        until, "--", *paths,
    )  # fmt: skip
    if output is None:
        return GitHistory()
    log, registry_log = parse_log(output, prefix, registry)
    timeline = Timeline.of(registry_log) if registry_log else None
    cached = read_cache(cache_dir) if cache_dir is not None else {}
    try:
        events: Mapping[str, tuple[RegistryEvent, ...]] = {}
        if timeline is not None:
            files = {
                slug: [(i.seq, "" if i.new == _NO_BLOB else i.new) for i in items]
                for slug, items in log.items()
            }
            settled = read_settled(cache_dir) if cache_dir is not None else {}
            events, done, timeline = registry_events(files, timeline, content_dir, settled)
            if cache_dir is not None and done != settled:
                write_settled(cache_dir, done)
        with BlobReader(content_dir) as blobs:
            history, used = describe_history(log, cached, blobs, timeline, events)
            history = name_withdrawals(history, log, blobs)
    except (OSError, ValueError):
        return GitHistory()
    if cache_dir is not None and used != cached:
        write_cache(cache_dir, used)
    return history


def _git(folder: Path, *args: str) -> str | None:
    """What git printed; None when it failed or is missing."""
    command = ["git", "-C", str(folder), *args]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout if result.returncode == 0 else None


def describe_history(
    log: Mapping[str, list[FileChange]],
    cached: Mapping[str, tuple[Fact, ...]],
    blobs: BlobSource,
    timeline: Timeline | None = None,
    events: Mapping[str, Sequence[RegistryEvent]] | None = None,
) -> tuple[GitHistory, dict[str, tuple[Fact, ...]]]:
    """Each file's newest ``MAX_CHANGES`` changes a reader would notice and its versions, and
    the facts of every pair of blobs (the next cache). Every pair is described, in one
    request for the blobs of all pairs the cache does not know: a version number counts the
    whole history of a file. ``timeline``: the registry's states (None: git does not track
    it); ``events``: the registry commits that changed what a monograph's page showed."""
    facts: dict[str, tuple[Fact, ...]] = {}
    _describe_pairs([item for items in log.values() for item in items], cached, facts, blobs)
    changes: dict[str, tuple[Change, ...]] = {}
    versions: dict[str, tuple[MonographVersion, ...]] = {}
    withdrawals: dict[str, tuple[Withdrawal, ...]] = {}
    for slug, items in log.items():
        made = (events or {}).get(slug, ())
        # Without events the newest MAX_CHANGES are all that is said
        seen = itertools.islice((i for i in items if facts[i.pair]), None if made else MAX_CHANGES)
        said = [(i.seq, Change(i.date, words(facts[i.pair]))) for i in seen]
        shown = _with_events(said, made)[:MAX_CHANGES]
        if shown:
            changes[slug] = tuple(shown)
        numbered, ended = versions_of(items, facts, timeline, made)
        if numbered:
            versions[slug] = numbered
        if ended:
            withdrawals[slug] = ended
    used = {pair: value for pair, value in facts.items() if not _is_trivial(pair)}
    return GitHistory(changes, versions, withdrawals), used


def _with_events(said: list[tuple[int, Change]], events: Sequence[RegistryEvent]) -> list[Change]:
    """A file's changes (newest first) with its registry events in their places; an event
    of a commit that also changed what the file says is left to that change's words (the
    version of that commit is decided with the new registry anyway: ``versions_of``)."""
    if not events:
        return [change for _, change in said]
    lines: list[tuple[int, int, Change]] = [(seq, 0, change) for seq, change in said]
    lines.extend((event.seq, 1, Change(event.date, event.what)) for event in events)
    lines.sort(key=lambda line: line[:2])
    kept: list[tuple[int, int, Change]] = []
    for seq, kind, change in lines:
        if not (kind and kept and kept[-1][:2] == (seq, 0)):
            kept.append((seq, kind, change))
    return [change for _, _, change in kept]


def versions_of(
    items: Sequence[FileChange],
    facts: Mapping[str, tuple[Fact, ...]],
    timeline: Timeline | None = None,
    events: Sequence[RegistryEvent] = (),
) -> tuple[tuple[MonographVersion, ...], tuple[Withdrawal, ...]]:
    """A file's versions and withdrawals, oldest first, from its changes (newest first, as
    ``git log`` lists them) and the facts of each: a change with facts (a line in "Changes")
    is a new version; a deletion is none but a withdrawal, and a file added again counts on.
    A registry event (newest first) while the file is in force is a version of the same
    file, unless the same commit made a version of the file anyway."""
    found: list[MonographVersion] = []
    ended: list[Withdrawal] = []
    blob = ""  # the file in force
    pending = sorted(events, key=lambda event: -event.seq)  # oldest first

    def registry(seq: int) -> tuple[str, str] | None:
        return timeline.at(seq) if timeline is not None else None

    def happen(until: int) -> None:
        """The events of commits older than ``until`` (seq larger)."""
        while pending and pending[0].seq > until:
            event = pending.pop(0)
            if blob and found:
                number = len(found) + 1
                version = MonographVersion(
                    number, event.date, blob, event.what, registry(event.seq)
                )
                found.append(version)

    for item in reversed(items):
        happen(item.seq)
        if item.status == "D" or item.new == _NO_BLOB:
            if found and blob:
                ended.append(Withdrawal(item.date, len(found)))
            blob = ""
            continue
        blob = item.new
        said = facts[item.pair]
        if said:
            if item.status == "A" or item.old == _NO_BLOB:
                what = ADDED_AGAIN if found else FIRST_VERSION
            else:
                what = words(said)
            if pending and pending[0].seq == item.seq:
                pending.pop(0)  # the same commit changed the file: its words say what changed
            found.append(
                MonographVersion(len(found) + 1, item.date, blob, what, registry(item.seq))
            )
    happen(-1)
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
