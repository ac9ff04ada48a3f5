"""Compact, picklable summaries of loaded files, and stand-ins that act as entries.

Stage: load/assemble (build cache). May import: diagnostics, models, yaml_source, loader.

A whole ``Entry`` (pydantic models, a source map of every value) takes about 100 µs to send
between processes or read back from disk; a ``FileRecord`` takes a few. The build keeps a
record per file (in the cache and from the worker processes) and gives the cross-file rules,
the assembly and the index pages *stand-ins* built from records: objects with exactly the
attributes those stages read (``slug``, ``monograph.name``, ``source_map.locate(("name",))``
...). Touching anything else raises ``NeedsFullEntry`` (never ``AttributeError``, which Jinja
would turn into a silent blank), and the pipeline then builds from full entries instead, so
a template or rule that starts reading more can make a build slower but never different.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass, field
from typing import Any, NoReturn, cast

from clincalc_site.content.loader import Entry
from clincalc_site.content.yaml_source import NodeInfo, PathKey, SourceMap
from clincalc_site.diagnostics import Diagnostic, Location


class NeedsFullEntry(Exception):
    """A stage read a field that records do not keep; build from full entries instead."""


@dataclass(frozen=True)
class MonographFacts:
    """The fields of a monograph that assembly, rules, counts and index pages read."""

    name: str
    drug_class: str
    brand_names: list[str]
    specialist: bool
    related: list[str]
    rxcui: str | None
    review: tuple[str, dt.date, str | None]  # status, date, reviewer
    dose: tuple[str, str | None, dt.date | None]  # Entry.dose: state, document, revised_on


@dataclass(frozen=True)
class FileRecord:
    """What one monograph file gave: its diagnostics and, if it loaded, its facts."""

    shown: str
    slug: str
    digest: str  # sha256 of the file's bytes
    diagnostics: tuple[Diagnostic, ...]
    facts: MonographFacts | None = None
    summary_html: str = ""
    locations: dict[PathKey, NodeInfo] = field(default_factory=dict)

    @functools.cached_property
    def facts_id(self) -> str:
        """A digest of what index pages may read of this file (facts and locations).

        Computed once per record, and the preview server keeps records between builds:
        the ``repr`` of a record's facts is most of an index page key's cost.
        """
        plain = repr((self.facts, self.locations)).encode("utf-8", "surrogatepass")
        return hashlib.sha256(plain).hexdigest()


LOCATED_KEYS = (("name",), ("drug_class",))


def record_of(
    entry: Entry | None, shown: str, slug: str, digest: str, diagnostics: list[Diagnostic]
) -> FileRecord:
    """Summarise one loaded file (``entry`` is None when it did not validate)."""
    if entry is None:
        return FileRecord(shown, slug, digest, tuple(diagnostics))
    mono = entry.monograph
    review = mono.review
    facts = MonographFacts(
        name=mono.name,
        drug_class=mono.drug_class,
        brand_names=list(mono.brand_names),
        specialist=mono.specialist,
        related=list(mono.related),
        rxcui=mono.rxcui,
        review=(review.status, review.date, review.reviewer),
        dose=(entry.dose.state, entry.dose.document, entry.dose.revised_on),
    )
    keys: list[PathKey] = [*LOCATED_KEYS, *(("related", i) for i in range(len(mono.related)))]
    nodes = entry.source_map.nodes
    locations = {key: nodes[key] for key in keys if key in nodes}
    return FileRecord(shown, entry.slug, digest, tuple(diagnostics), facts, "", locations)


def _missing(owner: str, name: str) -> NoReturn:
    raise NeedsFullEntry(f"{owner}.{name} is not kept in the build cache")


class _Strict:
    """Refuses every attribute it was not given, and printing, with ``NeedsFullEntry``."""

    def __getattr__(self, name: str) -> Any:
        _missing(type(self).__name__, name)

    def __str__(self) -> str:
        raise NeedsFullEntry(f"{type(self).__name__} cannot be printed from the build cache")

    def __html__(self) -> str:
        raise NeedsFullEntry(f"{type(self).__name__} cannot be printed from the build cache")


class ReviewFacts(_Strict):
    def __init__(self, status: str, date: dt.date, reviewer: str | None) -> None:
        self.status = status
        self.date = date
        self.reviewer = reviewer


class _VerifiedDose(_Strict):
    """``dose.published`` of a monograph whose dose is shown: 'there is one', nothing more."""

    def __bool__(self) -> bool:
        return True


class DoseFacts(_Strict):
    """``Entry.dose`` as the build cache keeps it: the state, never the dose itself."""

    def __init__(self, state: str, document: str | None, revised_on: dt.date | None) -> None:
        self.state = state
        self.document = document
        self.revised_on = revised_on
        self.published = _VerifiedDose() if state == "published" else None


class MonographStandIn(_Strict):
    def __init__(self, facts: MonographFacts) -> None:
        self.name = facts.name
        self.drug_class = facts.drug_class
        self.brand_names = facts.brand_names
        self.specialist = facts.specialist
        self.related = facts.related
        self.rxcui = facts.rxcui
        self.review = ReviewFacts(*facts.review)


class SourceMapStandIn(SourceMap):
    """A source map that knows only the recorded keys and refuses to guess the rest."""

    def info(self, key: PathKey) -> NodeInfo | None:
        if key not in self.nodes:
            _missing("SourceMap", f"info({key!r})")
        return super().info(key)

    def locate(self, key: PathKey, *, at_key: bool = False) -> Location:
        if key not in self.nodes:
            _missing("SourceMap", f"locate({key!r})")
        return super().locate(key, at_key=at_key)


class EntryStandIn(_Strict):
    def __init__(self, record: FileRecord, facts: MonographFacts) -> None:
        self.slug = record.slug
        self.source = record.shown
        self.monograph = MonographStandIn(facts)
        self.dose = DoseFacts(*facts.dose)
        self.source_map = SourceMapStandIn(record.shown, dict(record.locations))


def stand_in(record: FileRecord) -> Entry:
    """An object that passes for the file's ``Entry`` in assembly, rules and index pages."""
    assert record.facts is not None
    return cast(Entry, EntryStandIn(record, record.facts))
