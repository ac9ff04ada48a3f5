"""The page plan is a pure decision: tested with no file system, on index entries."""

from __future__ import annotations

import datetime as dt

from clincalc_site.build.plan import PageEntry, plan_pages
from clincalc_site.build.records import FileRecord
from clincalc_site.content.index_entry import DoseState, IndexEntry, ReviewState
from clincalc_site.content.yaml_source import NodeInfo, PathKey
from clincalc_site.render.data_files import data_paths, medication_path
from clincalc_site.render.rendering import PageLinks
from clincalc_site.site.assembly import Site, assemble_site
from clincalc_site.site.settings import SiteSettings

SLUGS = ("apixaban", "bisoprolol", "warfarin")


def record(slug: str, digest: str) -> FileRecord:
    locations: dict[PathKey, NodeInfo] = {
        ("name",): NodeInfo(1, 7),
        ("drug_class",): NodeInfo(2, 13),
    }
    entry = IndexEntry(
        slug, f"monographs/{slug}.yaml", slug.title(), "Test class", (), False, (), None,
        ReviewState("clinician-reviewed", dt.date(2026, 1, 1), None),
        DoseState("re-sourcing", None, None), locations=locations,
    )  # fmt: skip
    return FileRecord(f"monographs/{slug}.yaml", slug, digest, (), entry)


def site_of(records: dict[str, FileRecord]) -> Site:
    site, problems = assemble_site(
        [r.entry for r in records.values() if r.entry], SiteSettings(), {}
    )
    assert problems == []
    return site


def path(slug: str) -> str:
    return f"drugs/{slug}/index.html"


RECORDS = {f"monographs/{s}.yaml": record(s, f"digest-{s}") for s in SLUGS}
OLD: dict[str, PageEntry] = {path(s): (f"key-{s}", ("name",)) for s in SLUGS}


def keys_from_digest(
    path: str, record: FileRecord, links: PageLinks, fields: tuple[str, ...]
) -> str:
    return f"key-{record.slug}" if record.digest == f"digest-{record.slug}" else "new"


def test_a_first_build_renders_every_page() -> None:
    plan = plan_pages(site_of(RECORDS), RECORDS, {}, None, page_key=keys_from_digest,
                      intact=lambda path, key: True)  # fmt: skip

    assert plan.reused == {} and plan.kept == {}
    assert [p for p, _ in plan.jobs] == [path(s) for s in SLUGS]


def test_unchanged_pages_are_reused_and_a_changed_file_is_rendered() -> None:
    changed = {**RECORDS, "monographs/bisoprolol.yaml": record("bisoprolol", "edited")}

    plan = plan_pages(site_of(changed), changed, OLD, None, page_key=keys_from_digest,
                      intact=lambda path, key: True)  # fmt: skip

    # each page with its data files, under the page's key
    files = {
        name: slug
        for slug in ("apixaban", "warfarin")
        for name in (path(slug), *data_paths(slug, dose_shown=False))
    }
    assert plan.reused == {name: f"key-{slug}" for name, slug in files.items()}
    assert plan.kept == {name: OLD[path(slug)] for name, slug in files.items()}
    [(rendered, job)] = plan.jobs
    assert rendered == path("bisoprolol")
    assert (job.shown, job.digest) == ("monographs/bisoprolol.yaml", "edited")


def test_a_published_file_that_was_touched_is_rendered_again() -> None:
    plan = plan_pages(site_of(RECORDS), RECORDS, OLD, None, page_key=keys_from_digest,
                      intact=lambda path, key: not path.startswith("drugs/warfarin"))  # fmt: skip

    assert [p for p, _ in plan.jobs] == [path("warfarin")]


def test_a_touched_or_missing_data_file_renders_its_page_again() -> None:
    """The page is untouched, but its FHIR file was edited (or removed) by hand."""
    touched = medication_path("apixaban")

    plan = plan_pages(site_of(RECORDS), RECORDS, OLD, None, page_key=keys_from_digest,
                      intact=lambda path, key: path != touched)  # fmt: skip

    assert [p for p, _ in plan.jobs] == [path("apixaban")]
    assert path("apixaban") not in plan.reused and touched not in plan.reused


def test_with_the_same_plan_an_unchanged_file_keeps_its_key_without_working_it_out() -> None:
    asked: list[str] = []

    def counting(path: str, record: FileRecord, links: PageLinks, fields: tuple[str, ...]) -> str:
        asked.append(path)
        return keys_from_digest(path, record, links, fields)

    plan = plan_pages(site_of(RECORDS), RECORDS, OLD, RECORDS, page_key=counting,
                      intact=lambda path, key: True)  # fmt: skip

    assert asked == []
    assert len(plan.reused) == 3 * 3 and plan.jobs == []  # pages, API documents, FHIR files
