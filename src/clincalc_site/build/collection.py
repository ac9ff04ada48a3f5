"""The site stage of a build: the cross-file rules and the assembly, reused when their
inputs are unchanged.

Stage: build/ (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from clincalc_site.build.config import BuildConfig
from clincalc_site.build.manifest import digest
from clincalc_site.build.records import FileRecord
from clincalc_site.build.session import KnownCollection, KnownSite, Session
from clincalc_site.content.index_entry import IndexEntry
from clincalc_site.diagnostics import Diagnostic
from clincalc_site.site import crossref
from clincalc_site.site.assembly import Site, assemble_site
from clincalc_site.site.settings import SiteSettings


def cross_file_findings(
    session: Session,
    stored: tuple[str, tuple[Diagnostic, ...]] | None,
    ordered: Sequence[FileRecord],
    existing: list[str],
) -> tuple[list[IndexEntry], list[Diagnostic], tuple[str, tuple[Diagnostic, ...]]]:
    """The index entries of the loaded files, the cross-file rules' findings, and the key
    of what they came from with those findings (for the manifest).

    Both follow from each record's entry (``entry_id``) and the file names, so a session
    reuses them while those are unchanged (the usual edit: text), and a build in a new
    process takes the findings ``stored`` in the manifest (None: the manifest was written
    by other code or for another registry).
    """
    shape = (
        tuple((r.shown, r.slug, r.entry_id) for r in ordered if r.entry is not None),
        tuple(existing),
    )
    known = session.collection
    if known is not None and known.shape == shape:
        return known.entries, known.problems, (known.shape_key, tuple(known.problems))
    entries = [record.entry for record in ordered if record.entry is not None]
    shape_key = digest(shape)
    if stored is not None and stored[0] == shape_key:
        problems = list(stored[1])
    else:
        problems = crossref.check_collection(entries, existing)
    session.collection = KnownCollection(shape, shape_key, entries, problems)
    return entries, problems, (shape_key, tuple(problems))


def assembled(
    session: Session,
    entries: list[IndexEntry],
    settings: SiteSettings,
    config: BuildConfig,
) -> tuple[Site, list[Diagnostic]]:
    """``assemble_site``, reused by a session for the same entries, settings and history
    (each monograph's changes and versions, from ``config``)."""
    history, versions = config.history, config.versions
    shape = (settings.model_dump_json(), history, versions)
    known = session.site
    if known is not None and known.entries is entries and known.shape == shape:
        return known.site, known.problems
    site, problems = assemble_site(entries, settings, dict(history), dict(versions))
    session.site = KnownSite(shape, entries, site, problems)
    return site, problems
