"""Related links and name sorting of the assembled site, for generated input (hypothesis).

Each page lists its curated related drugs first (editor's order, published ones only, no
repeats, never itself), then drugs of its own class A–Z, six at most. The assembly takes the
class part from a prefix of each class, made once per class; this holds it to the plain rule.
"""

from __future__ import annotations

import datetime as dt
import string
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from clincalc_site.content.index_entry import DoseState, IndexEntry, ReviewState
from clincalc_site.content.names import fold
from clincalc_site.content.yaml_source import NodeInfo, PathKey
from clincalc_site.site.assembly import MAX_RELATED, assemble_site, sort_key
from clincalc_site.site.settings import SiteSettings

NAMES = [f"Drug {letter}{n}" for letter in "ABCDEFGHIJ" for n in range(3)]
SLUGS = [name.lower().replace(" ", "-") for name in NAMES]
# The last two share a page address: the second to sort is reported and gets no class page.
CLASSES = ["Alpha class", "Beta class", "Gamma class", "Gamma-Class"]


@st.composite
def collections(draw: st.DrawFn) -> list[IndexEntry]:
    chosen = draw(st.lists(st.integers(0, len(NAMES) - 1), min_size=1, max_size=20, unique=True))
    entries = []
    for index in chosen:
        related = draw(st.lists(st.sampled_from(SLUGS), max_size=8))
        status = draw(st.sampled_from(["draft", "clinician-reviewed"]))
        located: dict[PathKey, NodeInfo] = {
            ("name",): NodeInfo(1, 7),
            ("drug_class",): NodeInfo(2, 13),
        }
        entries.append(
            IndexEntry(
                SLUGS[index], f"{SLUGS[index]}.yaml", NAMES[index],
                draw(st.sampled_from(CLASSES)), (), False, tuple(related), None,
                ReviewState(status, dt.date(2026, 1, 1), None),
                DoseState("re-sourcing", None, None), locations=located,
            )
        )  # fmt: skip
    return entries


def expected_links(entry: IndexEntry, published: list[IndexEntry]) -> list[tuple[str, str, bool]]:
    by_slug = {e.slug: e for e in published}
    links: list[tuple[str, str, bool]] = []
    for slug in entry.related:
        listed = {link[0] for link in links}
        if slug in by_slug and slug != entry.slug and slug not in listed:
            links.append((slug, by_slug[slug].name, True))
    same_class = sorted(
        (e for e in published if e.drug_class == entry.drug_class),
        key=lambda e: sort_key(e.name),
    )
    if entry.drug_class == "Gamma-Class" and any(e.drug_class == "Gamma class" for e in published):
        same_class = []  # the class whose address was taken has no page, and no class links
    for member in same_class:
        listed = {link[0] for link in links}
        if member.slug != entry.slug and member.slug not in listed:
            links.append((member.slug, member.name, False))
    return links[:MAX_RELATED]


@settings(max_examples=300, deadline=None)
@given(entries=collections(), drafts=st.booleans())
def test_related_links_follow_the_rule(entries: list[IndexEntry], drafts: bool) -> None:
    site, problems = assemble_site(entries, SiteSettings(publish_drafts=drafts))
    assert all(p.code == "xref.class_collision" for p in problems)
    published = list(site.entries)
    for entry in published:
        got = [(link.slug, link.name, link.curated) for link in site.related[entry.slug]]
        assert got == expected_links(entry, published), entry.slug


def _fold_by_definition(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=30) | st.text(alphabet=string.printable, max_size=30))
def test_the_ascii_shortcut_of_name_folding_folds_as_the_definition(text: str) -> None:
    """Names sort by a fold (accents dropped, case folded); ASCII names take a shortcut."""
    assert fold(text) == _fold_by_definition(text)
