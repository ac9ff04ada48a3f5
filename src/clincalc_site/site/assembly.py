"""Assemble the site from validated monographs: URLs, classes, A–Z, related links.

Stage: site/ (docs/architecture.md). Pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from clincalc_site.content.history import Change, MonographVersion
from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.content.names import ascii_slug, fold
from clincalc_site.diagnostics import Diagnostic, Severity
from clincalc_site.site.formulary import vocabulary_problems
from clincalc_site.site.settings import SiteSettings

MAX_RELATED = 6


class RelatedLink(NamedTuple):
    """One related drug on a monograph page (a tuple: made 6 per monograph on every build)."""

    slug: str
    name: str
    curated: bool


@dataclass(frozen=True)
class DrugClass:
    slug: str
    name: str
    members: tuple[IndexEntry, ...]


@dataclass(frozen=True)
class Site:
    """Everything the renderer needs, sorted and cross-linked; no I/O, no mutation."""

    settings: SiteSettings
    entries: tuple[IndexEntry, ...]  # published monographs, by name
    classes: tuple[DrugClass, ...]  # by name
    class_of: dict[str, DrugClass]  # monograph slug -> its class
    related: Mapping[str, tuple[RelatedLink, ...]]  # monograph slug -> its related links
    withheld: tuple[IndexEntry, ...]  # drafts left out because publish_drafts is false
    history: Mapping[str, tuple[Change, ...]] = field(default_factory=dict)  # slug -> changes
    # slug -> its versions from git, oldest first (none: not committed, or not in git)
    versions: Mapping[str, tuple[MonographVersion, ...]] = field(default_factory=dict)

    @property
    def letters(self) -> list[tuple[str, list[IndexEntry]]]:
        """A–Z groups for the home page; names starting with a non-letter go under '#'."""
        groups: dict[str, list[IndexEntry]] = {}
        for entry in self.entries:
            groups.setdefault(index_letter(entry.name), []).append(entry)
        return sorted(groups.items(), key=lambda item: (item[0] == "#", item[0]))


def sort_key(name: str) -> tuple[str, str]:
    return (fold(name), name)


def index_letter(name: str) -> str:
    first = fold(name)[:1].upper()
    return first if "A" <= first <= "Z" else "#"


def class_slug(name: str) -> str:
    """A class page's address: 'Beta-blocker (cardioselective)' -> 'beta-blocker-cardioselective'
    (letters with no ASCII form are dropped; a name with none left is 'class')."""
    return ascii_slug(name) or "class"


def is_publishable(entry: IndexEntry, settings: SiteSettings) -> bool:
    return settings.publish_drafts or entry.review.status == "clinician-reviewed"


def assemble_site(
    entries: Sequence[IndexEntry],
    settings: SiteSettings,
    history: Mapping[str, tuple[Change, ...]] | None = None,
    versions: Mapping[str, tuple[MonographVersion, ...]] | None = None,
) -> tuple[Site, list[Diagnostic]]:
    """Group, sort and cross-link the monographs that will be published."""
    published = sorted(
        (e for e in entries if is_publishable(e, settings)),
        key=lambda e: sort_key(e.name),
    )
    withheld = tuple(e for e in entries if not is_publishable(e, settings))
    classes, problems = _group_classes(published)
    problems += vocabulary_problems(entries, settings.formulary)  # withheld drafts too
    class_of = {member.slug: cls for cls in classes for member in cls.members}
    by_slug = {e.slug: e for e in published}
    # A page's class links come from the first MAX_RELATED + 1 members of its class (itself
    # and its curated links aside): made once per class, not once per page.
    heads = {
        cls.slug: tuple(
            RelatedLink(m.slug, m.name, curated=False) for m in cls.members[: MAX_RELATED + 1]
        )
        for cls in classes
    }
    related = RelatedLinks(by_slug, class_of, heads)
    git = (dict(history or {}), dict(versions or {}))
    site = Site(settings, tuple(published), classes, class_of, related, withheld, *git)
    return site, problems


def _group_classes(
    published: Sequence[IndexEntry],
) -> tuple[tuple[DrugClass, ...], list[Diagnostic]]:
    members: dict[str, list[IndexEntry]] = {}
    for entry in published:
        members.setdefault(entry.drug_class, []).append(entry)
    problems: list[Diagnostic] = []
    by_slug: dict[str, str] = {}
    classes: list[DrugClass] = []
    for name in sorted(members, key=sort_key):
        slug = class_slug(name)
        if slug in by_slug:
            entry = members[name][0]
            problems.append(
                Diagnostic(
                    entry.locate(("drug_class",)),
                    Severity.ERROR,
                    "xref.class_collision",
                    f"drug class '{name}' would share the page /classes/{slug}/ "
                    f"with '{by_slug[slug]}'",
                    field_path="drug_class",
                    hint=f"spell the class exactly as the others do: '{by_slug[slug]}'",
                )
            )
            continue
        by_slug[slug] = name
        classes.append(DrugClass(slug, name, tuple(members[name])))
    return tuple(classes), problems


class RelatedLinks(Mapping[str, tuple[RelatedLink, ...]]):
    """Each published monograph's related links, worked out when first asked for.

    A rebuild renders only the pages whose file or neighbours changed; working out the
    links of every page would cost it more than the rest of the assembly. Pure: the answer
    for a slug never changes.
    """

    def __init__(
        self,
        by_slug: dict[str, IndexEntry],
        class_of: dict[str, DrugClass],
        heads: dict[str, tuple[RelatedLink, ...]],
    ) -> None:
        self._by_slug, self._class_of, self._heads = by_slug, class_of, heads
        self._known: dict[str, tuple[RelatedLink, ...]] = {}

    def __getitem__(self, slug: str) -> tuple[RelatedLink, ...]:
        links = self._known.get(slug)
        if links is None:
            entry = self._by_slug[slug]  # KeyError for a slug that is not published
            own = self._class_of.get(slug)
            head = self._heads[own.slug] if own is not None else ()  # a collided class: none
            links = self._known[slug] = _related_links(entry, self._by_slug, head)
        return links

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_slug)

    def __len__(self) -> int:
        return len(self._by_slug)


def _related_links(
    entry: IndexEntry, by_slug: dict[str, IndexEntry], class_head: tuple[RelatedLink, ...]
) -> tuple[RelatedLink, ...]:
    """Curated links first (editor's order), then same-class drugs A–Z; at most six.

    ``class_head``: links to the first MAX_RELATED + 1 drugs of the entry's class, enough
    to fill six places after skipping the entry and any curated link among them."""
    links: list[RelatedLink] = []
    seen = {entry.slug}
    for slug in entry.related:
        target = by_slug.get(slug)  # a withheld draft is silently not linked
        if target is not None and slug not in seen:
            links.append(RelatedLink(slug, target.name, curated=True))
            seen.add(slug)
    for link in class_head:
        if len(links) >= MAX_RELATED:
            break
        if link.slug not in seen:
            links.append(link)
            seen.add(link.slug)
    return tuple(links[:MAX_RELATED])
