"""When a commit to team.yaml or sources.yaml changes what a monograph's page shows.

Stage: content/ (docs/architecture.md): an input edge, like ``history``.

A verified dose is published only while the people and the source revision it names stand
in the registry as they did when it was checked (``dose_rules``). So a commit that revises
a source in sources.yaml, or changes a person in team.yaml, can hold a dose back (or let
one through) without touching the monograph file: what a reader saw changed, so the
monograph has a new version (``history.versions_of``), and every version is decided with
the registry as it stood when that version was in force (``MonographVersion.registry``),
never with today's: an archive page shows a dose only if that version published it.

Cheap first: only a registry commit that changes an entry (a person, a document) counts;
only a monograph whose text names a changed id is loaded, twice (under the registry before
and after that commit, on that commit's day) to compare what its page showed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from clincalc_site.content.git_blobs import read_blobs
from clincalc_site.content.history_store import read_json, write_json
from clincalc_site.content.loader import Entry, decode, load_parsed
from clincalc_site.content.models import EMPTY_REGISTRY, SOURCES_FILE, TEAM_FILE, Registry
from clincalc_site.content.registry import registry_from_texts
from clincalc_site.content.yaml_source import parse_yaml

NO_REGISTRY = ("", "")  # before team.yaml and sources.yaml were first committed
CACHE_FILE = "registry-history.json"
CACHE_FORMAT = 1

# What a version made by a registry commit says it changed (its "Changes" line and feed
# entry), by what the dosing section showed before and after.
HELD_BACK_REVISED = "Dose held back: source revised"
HELD_BACK = "Dose held back"
PUBLISHED = "Dose published"
DETAILS = "Dose source and verification revised"
SOURCE_REVISED = "Dose source revised"
DOSING_CHANGED = "Dosing revised"


@dataclass(frozen=True)
class RegistryChange:
    """One commit's change to the registry files, as ``git log --raw`` lists it."""

    seq: int  # the commit's place in the log: 0 is the newest
    date: str
    team: str | None  # the new blob id ("" deleted); None: this commit left it alone
    sources: str | None


@dataclass(frozen=True)
class RegistryState:
    """The registry files as they stood after commit ``seq``: their blob ids ("" none)."""

    seq: int
    date: str
    team: str
    sources: str

    @property
    def blobs(self) -> tuple[str, str]:
        return (self.team, self.sources)


@dataclass(frozen=True)
class RegistryEvent:
    """A registry commit that changed what one monograph's page showed."""

    seq: int
    date: str
    what: str


@dataclass(frozen=True)
class Timeline:
    """The registry's states, oldest first, and which was in force after any commit."""

    states: tuple[RegistryState, ...]

    @classmethod
    def of(cls, changes: Iterable[RegistryChange]) -> Timeline:
        """The states the registry's changes (as ``parse_log`` lists them) went through."""
        states: list[RegistryState] = []
        team = sources = ""
        for change in sorted(changes, key=lambda c: -c.seq):  # oldest first
            team = team if change.team is None else change.team
            sources = sources if change.sources is None else change.sources
            states.append(RegistryState(change.seq, change.date, team, sources))
        return cls(tuple(states))

    def without(self, left_out: frozenset[int]) -> Timeline:
        """The same, less the states of the commits ``left_out``: the one before stays in
        force through them."""
        return Timeline(tuple(state for state in self.states if state.seq not in left_out))

    @functools.cached_property
    def _keys(self) -> list[int]:
        return [-state.seq for state in self.states]  # ascending, for ``bisect``

    def at(self, seq: int) -> tuple[str, str]:
        """The registry in force just after commit ``seq`` (made by it or before it)."""
        index = bisect.bisect_right(self._keys, -seq) - 1
        return self.states[index].blobs if index >= 0 else NO_REGISTRY


@dataclass(frozen=True)
class Settled:
    """What one registry commit did, as a build worked it out (kept in the build cache: a
    rebuild reads no registry and loads no monograph for a commit it has settled before)."""

    ids: tuple[str, ...]  # the people and documents whose entry it changed
    in_force: str  # identifies the monograph files in force then (all of them, by blob)
    events: tuple[tuple[str, str], ...]  # (slug, what) of each page it changed
    # its registry files had problems: a build of it failed, so nothing was published
    # under it; the registry before stays in force through it
    broken: bool = False


Settlements = Mapping[str, Settled]  # by transition: day, registry before and after


def registry_events(
    files: Mapping[str, Sequence[tuple[int, str]]],
    timeline: Timeline,
    content_dir: Path,
    settled: Settlements,
) -> tuple[dict[str, tuple[RegistryEvent, ...]], dict[str, Settled], Timeline]:
    """Each monograph's registry events, oldest first, what each registry commit did (the
    next ``settled``), and the timeline less the commits whose registry had problems.
    ``files``: slug -> (seq, blob id) of each of its file's changes, newest first ("" for a
    deletion)."""
    registries = RegistryReader(content_dir)
    # every file change, newest first, so that ``pop`` takes the oldest
    sweep = sorted((seq, slug, blob) for slug, c in files.items() for seq, blob in c)
    in_force: dict[str, str] = {}
    chain = hashlib.sha256()
    done: dict[str, Settled] = {}
    found: dict[str, list[RegistryEvent]] = {}
    previous = NO_REGISTRY
    broken: set[int] = set()
    for state in timeline.states:
        added: set[str] = set()  # files this very commit added: their first version says it
        while sweep and sweep[-1][0] >= state.seq:  # the file changes made by then
            seq, slug, blob = sweep.pop()
            if seq == state.seq and blob and not in_force.get(slug):
                added.add(slug)
            in_force[slug] = blob
            chain.update(f"{slug} {blob}\n".encode())  # not ``seq``: a new commit shifts it
        key = f"{state.date}:{':'.join(previous)}>{':'.join(state.blobs)}"
        known = settled.get(key)
        if known is None and registries.get(state.blobs) is None:
            known = Settled((), "", (), broken=True)
        elif known is None or (not known.broken and known.in_force != chain.hexdigest()):
            ids = known.ids if known else registries.changed_ids(previous, state.blobs)
            loaded = {slug: blob for slug, blob in in_force.items() if blob and slug not in added}
            made = _events(loaded, ids, (previous, state), registries) if ids else ()
            known = Settled(ids, chain.hexdigest(), made)
        done[key] = known
        if known.broken:
            broken.add(state.seq)
            continue
        for slug, what in known.events:
            found.setdefault(slug, []).append(RegistryEvent(state.seq, state.date, what))
        previous = state.blobs
    events = {slug: tuple(sorted(made, key=lambda e: -e.seq)) for slug, made in found.items()}
    return events, done, timeline.without(frozenset(broken))


def _events(
    in_force: Mapping[str, str],
    ids: Sequence[str],
    change: tuple[tuple[str, str], RegistryState],
    registries: RegistryReader,
) -> tuple[tuple[str, str], ...]:
    """The pages one registry commit changed: each monograph in ``in_force`` (slug -> blob)
    whose verified dose names a changed id, loaded under the registry before and after, on
    that commit's day. (A file the same commit changed is loaded as it stood after: a
    version it made says what changed anyway, and one that changed nothing a reader sees
    reads the same.)"""
    before, state = change
    changed = set(ids)
    named = registries.names_in(in_force.values())
    files = sorted(
        (slug, blob)
        for slug, blob in in_force.items()
        if (found := named.get(blob, ())) is None or changed.intersection(found)
    )
    raw = read_blobs(registries.content_dir, sorted({blob for _, blob in files}))
    day = dt.date.fromisoformat(state.date)
    made: list[tuple[str, str]] = []
    for slug, blob in files:
        data = raw.get(blob)
        if data is None:
            continue
        shown = f"{slug}.yaml"
        old = _shows(_load(data, shown, slug, day, registries.get(before) or EMPTY_REGISTRY))
        new = _shows(_load(data, shown, slug, day, registries.get(state.blobs) or EMPTY_REGISTRY))
        if old != new:
            made.append((slug, _what(old, new)))
    return tuple(made)


# The ids a verified dose names, as the template and every editor write them (one per line);
# a file that says "verified" without all three found this way is loaded every time.
_NAMES = re.compile(
    rb"^[ \t]*(document|prepared_by|verified_by)[ \t]*:[ \t]*['\"]?([^\s'\"#,}]+)", re.M
)


def names_of(data: bytes) -> frozenset[str] | None:
    """The registry ids a monograph file's dose names: none when it has no verified dose
    (only a verified dose is decided by the registry), None when they cannot be told
    without loading it."""
    pairs = _NAMES.findall(data)
    found = dict(pairs)
    if len(found) == len(pairs) == 3:  # each once
        return frozenset(value.decode("utf-8", "replace") for value in found.values())
    return None if b"verified" in data else frozenset()


def read_settled(cache_dir: Path) -> dict[str, Settled]:
    """What the last build kept; an unreadable, foreign or corrupt file counts as empty."""
    stored = read_json(cache_dir, CACHE_FILE, CACHE_FORMAT)
    found: dict[str, Settled] = {}
    for key, value in (stored or {}).items():
        try:
            ids, in_force, events, broken = value
            settled = Settled(
                tuple(str(i) for i in ids),
                str(in_force),
                tuple((str(slug), str(what)) for slug, what in events),
                broken is True,
            )
        except (TypeError, ValueError):
            return {}
        found[str(key)] = settled
    return found


def write_settled(cache_dir: Path, settled: Mapping[str, Settled]) -> None:
    body = {
        key: [list(s.ids), s.in_force, [list(e) for e in s.events], s.broken]
        for key, s in settled.items()
    }
    write_json(cache_dir, CACHE_FILE, CACHE_FORMAT, body)


class RegistryReader:
    """Registries read from git by their files' blob ids (``MonographVersion.registry``),
    each once."""

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.known: dict[tuple[str, str], Registry | None] = {}
        self.names: dict[str, frozenset[str] | None] = {}  # blob -> ``names_of`` it

    def names_in(self, blobs: Iterable[str]) -> Mapping[str, frozenset[str] | None]:
        """``names_of`` each monograph blob, each read once for the whole history."""
        missing = sorted({blob for blob in blobs if blob not in self.names})
        for blob, data in read_blobs(self.content_dir, missing).items():
            self.names[blob] = names_of(data) if data is not None else frozenset()
        return self.names

    def get(self, blobs: tuple[str, str]) -> Registry | None:
        """The registry of those files; None when they had problems."""
        if blobs not in self.known:
            texts = read_blobs(self.content_dir, [blob for blob in blobs if blob])
            team, sources = (
                _text(texts.get(blob), name) if blob else None
                for blob, name in zip(blobs, (TEAM_FILE, SOURCES_FILE), strict=True)
            )
            self.known[blobs] = registry_from_texts(self.content_dir.parent, team, sources)
        return self.known[blobs]

    def changed_ids(self, old: tuple[str, str], new: tuple[str, str]) -> tuple[str, ...]:
        """The ids of the people and documents whose entry differs (sorted)."""
        a, b = self.get(old) or EMPTY_REGISTRY, self.get(new) or EMPTY_REGISTRY
        if old == new:
            return ()
        people = {
            k for k in a.people.keys() | b.people.keys() if a.people.get(k) != b.people.get(k)
        }
        documents = {
            k for k in a.sources.keys() | b.sources.keys() if a.sources.get(k) != b.sources.get(k)
        }
        return tuple(sorted(people | documents))


def _text(data: bytes | None, shown: str) -> str | None:
    """A registry file as a commit held it, decoded as ``loader`` decodes files."""
    return decode(data, shown)[0] if data is not None else None


def _load(data: bytes, shown: str, slug: str, day: dt.date, registry: Registry) -> Entry | None:
    text = decode(data, shown)[0]
    if text is None:
        return None
    return load_parsed(parse_yaml(text, shown), text, shown, slug, (day, registry))[0]


_Shown = tuple[str, ...]


def _shows(entry: Entry | None) -> _Shown:
    """What the page's dosing section showed: its state and, if published, the dose and
    who and what it names."""
    if entry is None:
        return ("unloadable",)
    decision = entry.dose
    revised = decision.revised_on.isoformat() if decision.revised_on else ""
    dose = decision.published
    if dose is None:
        return (decision.state, revised)
    return (
        decision.state,
        revised,
        dose.dosing.model_dump_json(),
        dose.document.model_dump_json(),
        dose.preparer.model_dump_json(),
        dose.verifier.model_dump_json(),
    )


def _what(old: _Shown, new: _Shown) -> str:
    was, now = old[0] == "published", new[0] == "published"
    if was and not now:
        return HELD_BACK_REVISED if new[0] == "held-source-revised" else HELD_BACK
    if now:
        return DETAILS if was else PUBLISHED
    return SOURCE_REVISED if new[0] == "held-source-revised" else DOSING_CHANGED
