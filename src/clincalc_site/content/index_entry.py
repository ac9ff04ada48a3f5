"""What the rest of the site needs of one monograph: the ``IndexEntry``.

Stage: content/ (docs/architecture.md).

The A–Z, class pages, sitemap, dashboard, cross-file rules and site assembly read a few facts
of each monograph — never its prose or its dose. An ``IndexEntry`` holds exactly those, with
the positions of the fields that cross-file rules report on. It is small and plain, so the
worker that loaded a file sends it back (the full ``Entry`` stays in that worker, which
renders the monograph's own page) and the build cache stores it. A template of an index page
that reads anything else fails with a located ``template.error``: there is nothing more to
read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from clincalc_site.content.loader import Entry
from clincalc_site.content.yaml_source import NodeInfo, PathKey, SourceMap
from clincalc_site.diagnostics import Location

# The fields cross-file rules locate (duplicate names, class collisions); related links are
# located one by one as ("related", i), formulary flags as ("formulary", "flags", i).
LOCATED_KEYS: tuple[PathKey, ...] = (("name",), ("drug_class",), ("formulary", "status"))


@dataclass(frozen=True)
class ReviewState:
    """Who reviewed the monograph, and when (``review:`` in the file)."""

    status: str  # draft | in-review | clinician-reviewed
    date: dt.date
    reviewer: str | None


@dataclass(frozen=True)
class DoseState:
    """Whether the monograph's page shows a dose — the decision, never the dose itself."""

    state: str  # dose_rules.DoseDecision.state: published | held-… | re-sourcing
    document: str | None  # the source document a verified dose cites
    revised_on: dt.date | None  # that document's latest revision in sources.yaml

    @property
    def shown(self) -> bool:
        return self.state == "published"


@dataclass(frozen=True)
class IndexEntry:
    """One monograph as every page but its own sees it."""

    slug: str
    source: str  # the file, as diagnostics show it
    name: str
    drug_class: str
    brand_names: tuple[str, ...]
    specialist: bool
    related: tuple[str, ...]  # slugs, in the editor's order
    rxcui: str | None
    review: ReviewState
    dose: DoseState
    formulary_status: str | None = None  # an id of site.yaml's vocabulary (not checked here)
    formulary_flags: tuple[str, ...] = ()
    # positions of LOCATED_KEYS and of each related link, for cross-file diagnostics
    locations: Mapping[PathKey, NodeInfo] = field(default_factory=dict, repr=True)

    def locate(self, key: PathKey) -> Location:
        """Where ``key`` is in the file (a recorded key or its nearest recorded ancestor)."""
        return SourceMap(self.source, dict(self.locations)).locate(key)


def index_entry(entry: Entry) -> IndexEntry:
    """The index entry of a loaded monograph."""
    mono = entry.monograph
    review = mono.review
    flags = tuple(mono.formulary.flags) if mono.formulary else ()
    keys: list[PathKey] = [
        *LOCATED_KEYS,
        *(("related", i) for i in range(len(mono.related))),
        *(("formulary", "flags", i) for i in range(len(flags))),
    ]
    nodes = entry.source_map.nodes
    return IndexEntry(
        slug=entry.slug,
        source=entry.source,
        name=mono.name,
        drug_class=mono.drug_class,
        brand_names=tuple(mono.brand_names),
        specialist=mono.specialist,
        related=tuple(mono.related),
        rxcui=mono.rxcui,
        review=ReviewState(review.status, review.date, review.reviewer),
        dose=DoseState(entry.dose.state, entry.dose.document, entry.dose.revised_on),
        formulary_status=mono.formulary.status if mono.formulary else None,
        formulary_flags=flags,
        locations={key: nodes[key] for key in keys if key in nodes},
    )
