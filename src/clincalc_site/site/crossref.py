"""Rules across monograph files: related links resolve, no two monographs share a name.

Stage: site/ (docs/architecture.md). Pure.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.content.names import name_key
from clincalc_site.diagnostics import Diagnostic, Severity


def check_collection(
    entries: Sequence[IndexEntry], known_slugs: Iterable[str] = ()
) -> list[Diagnostic]:
    """Rules across files: related links resolve, no two monographs share a name.

    ``known_slugs`` names files that exist but did not load: a link to one of them is not
    reported again, since that file's own errors already are.
    """
    found: list[Diagnostic] = []
    known = {entry.slug for entry in entries} | set(known_slugs)
    slugs = sorted(known)
    first_by_name: dict[str, IndexEntry] = {}
    for entry in sorted(entries, key=lambda e: e.slug):
        found.extend(_check_related(entry, known, slugs))
        key = name_key(entry.name)
        first = first_by_name.setdefault(key, entry)
        if first is not entry:
            found.append(
                Diagnostic(
                    entry.locate(("name",)),
                    Severity.ERROR,
                    "xref.duplicate_name",
                    f"name '{entry.name}' is already used by {first.slug}.yaml ('{first.name}')",
                    field_path="name",
                    hint="two monographs for one drug confuse readers; merge them",
                )
            )
    return found


def _check_related(entry: IndexEntry, known: set[str], slugs: list[str]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    seen: set[str] = set()
    for index, target in enumerate(entry.related):
        path = f"related[{index}]"
        if target == entry.slug:
            found.append(
                Diagnostic(
                    entry.locate(("related", index)),
                    Severity.ERROR,
                    "xref.self_link",
                    "a monograph cannot be related to itself",
                    field_path=path,
                    hint="remove this entry",
                )
            )
        elif target not in known:
            others = [slug for slug in slugs if slug != entry.slug]
            close = difflib.get_close_matches(target, others, n=1)
            hint = f"did you mean '{close[0]}'?" if close else "no monograph has that file name"
            found.append(
                Diagnostic(
                    entry.locate(("related", index)),
                    Severity.ERROR,
                    "xref.unknown_target",
                    f"related monograph '{target}' does not exist",
                    field_path=path,
                    hint=hint,
                )
            )
        elif target in seen:
            found.append(
                Diagnostic(
                    entry.locate(("related", index)),
                    Severity.ERROR,
                    "xref.duplicate_link",
                    f"'{target}' is listed twice in related",
                    field_path=path,
                    hint="remove the second entry",
                )
            )
        seen.add(target)
    return found
