"""The build cache re-renders exactly what a change touches, and nothing it must not skip.

Counts come from the build report: ``loaded`` (monograph files loaded, not taken from the
cache), ``rendered`` and ``reused`` (monograph pages). Every test also checks the output
against a build from scratch, so a wrong reuse cannot pass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from oracle import reference_build
from sitetools import snapshot

from clincalc_site.build import collection, freshness, pipeline
from clincalc_site.build import manifest as cache
from clincalc_site.build.config import DEFAULT_STATIC, DEFAULT_TEMPLATES, BuildConfig
from clincalc_site.build.pipeline import BuildOptions
from clincalc_site.build.report import BuildReport
from clincalc_site.content.history import Change
from clincalc_site.publish import folder_scans, site_files, spare_folder
from clincalc_site.publish.search import make_finisher
from clincalc_site.site import crossref

DATA = Path(__file__).resolve().parents[1] / "data" / "site"
TODAY = dt.date(2026, 11, 26)
SERIAL = BuildOptions(jobs=1)


class Site:
    """A copy of the fixture site with its own templates and static files."""

    def __init__(self, root: Path) -> None:
        shutil.copytree(DATA, root / "site")
        shutil.copytree(DEFAULT_TEMPLATES, root / "templates")
        shutil.copytree(DEFAULT_STATIC, root / "static")
        self.root = root
        self.content = root / "site" / "monographs"
        self.out = root / "out"

    def config(self, out: Path | None = None) -> BuildConfig:
        return BuildConfig(
            content_dir=self.content,
            output_dir=out or self.out,
            templates_dir=self.root / "templates",
            static_dir=self.root / "static",
            today=TODAY,
        )

    def build(self, options: BuildOptions = SERIAL) -> BuildReport:
        report = pipeline.build(self.config(), options=options)
        assert not report.failed, report.diagnostics
        return report

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def assert_same_as_cold(self) -> None:
        reference = self.root / "reference"
        shutil.rmtree(reference, ignore_errors=True)
        report = reference_build(self.config(reference))
        assert not report.failed
        assert snapshot(self.out) == snapshot(reference)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    built = Site(tmp_path)
    first = built.build()
    assert first.loaded == first.rendered == first.counts.monographs == 7
    return built


def referrers(site: Site, slug: str) -> set[str]:
    """Monograph pages that link to ``slug`` (from the built output)."""
    needle = f'href="/drugs/{slug}/"'.encode()
    return {
        path
        for path, content in snapshot(site.out).items()
        if path.startswith("drugs/") and needle in content and f"drugs/{slug}/" not in path
    }


def test_a_build_with_nothing_changed_renders_and_writes_nothing(site: Site) -> None:
    before = {path: path.stat().st_ino for path in site.out.rglob("*")}

    report = site.build()

    assert (report.loaded, report.rendered, report.reused) == (0, 0, 7)
    assert report.pages == 23  # 7 monographs, 5 letter pages of the A–Z, search page, indexes …
    assert {path: path.stat().st_ino for path in site.out.rglob("*")} == before


class _Unexpected(AssertionError):
    pass


def _refuse(*_: object, **__: object) -> object:
    raise _Unexpected("a build that changed nothing assembled the site")


def _age_content(site: Site, seconds: int = 3600) -> None:
    """Make the monograph files look written long before any build (not racily new)."""
    past = time.time() - seconds
    for path in site.content.glob("*.yaml"):
        os.utime(path, (past, past))


def test_a_build_with_nothing_changed_reports_from_the_cache_without_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = Site(tmp_path)
    site.edit("site/monographs/warfarin.yaml", "clinician-reviewed", "draft")  # a note
    _age_content(site)
    first = site.build()
    monkeypatch.setattr(collection, "assemble_site", _refuse)
    monkeypatch.setattr(crossref, "check_collection", _refuse)

    again = site.build()

    assert again.diagnostics == first.diagnostics and again.diagnostics
    assert (again.pages, again.counts) == (first.pages, first.counts)
    assert (again.loaded, again.rendered, again.reused) == (0, 0, first.counts.monographs)


def test_a_file_too_new_to_trust_by_its_stat_is_trusted_after_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like git's index: a file written just before a build is hashed on the next one, which
    then records it, so the build after that can skip it by its stat alone."""
    site = Site(tmp_path)
    site.build()
    site.edit("site/monographs/warfarin.yaml", "summary: ", "summary: Now. ")  # new mtime
    site.build()  # the edit is within RACY_NS of this build's start: not trusted next time
    later = time.time_ns() + 10 * freshness.RACY_NS
    monkeypatch.setattr(time, "time_ns", lambda: later)
    site.build()  # hashes the racy file, finds it unchanged, and records that
    monkeypatch.setattr(collection, "assemble_site", _refuse)

    report = site.build()

    assert report.loaded == report.rendered == 0
    monkeypatch.undo()
    site.assert_same_as_cold()


def inodes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_ino for p in root.rglob("*.html")}


def test_a_changed_summary_re_renders_only_its_own_page_and_class_page(site: Site) -> None:
    before = inodes(site.out)
    site.edit("site/monographs/warfarin.yaml", "summary: ", "summary: Edited. ")

    report = site.build()

    assert (report.loaded, report.rendered, report.reused) == (1, 1, 6)
    assert b"Edited." in (site.out / "drugs/warfarin/index.html").read_bytes()
    changed = {path for path, inode in inodes(site.out).items() if before.get(path) != inode}
    assert changed == {"drugs/warfarin/index.html", "classes/anticoagulant/index.html"}
    site.assert_same_as_cold()


def test_a_renamed_drug_re_renders_the_pages_that_link_to_it(site: Site) -> None:
    linking = referrers(site, "bisoprolol")
    assert linking  # the fixture has same-class links to it

    site.edit("site/monographs/bisoprolol.yaml", "name: Bisoprolol", "name: Bisoprolol fumarate")
    report = site.build()

    assert report.loaded == 1
    assert report.rendered == 1 + len(linking)
    site.assert_same_as_cold()


def test_a_template_change_re_renders_every_page_without_reloading(site: Site) -> None:
    site.edit("templates/monograph.html", '<h2 id="related-heading">', "<h2 id='related-heading'>")

    report = site.build()

    assert (report.loaded, report.rendered) == (0, 7)
    site.assert_same_as_cold()


def test_a_static_change_is_published_without_rendering(site: Site) -> None:
    (site.root / "static" / "site.css").write_text("body { color: black }\n", encoding="utf-8")

    report = site.build()

    assert (report.loaded, report.rendered) == (0, 0)
    assert (site.out / "static" / "site.css").read_text() == "body { color: black }\n"
    site.assert_same_as_cold()


def test_a_settings_change_re_renders_every_page(site: Site) -> None:
    site.edit("site/site.yaml", "site_name: ClinCalc Test", "site_name: ClinCalc Renamed")

    report = site.build()

    assert (report.loaded, report.rendered) == (0, 7)
    assert b"ClinCalc Renamed" in (site.out / "drugs/warfarin/index.html").read_bytes()
    site.assert_same_as_cold()


def test_a_new_package_version_reloads_and_re_renders_everything(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "__version__", "999.0")

    report = site.build()

    assert (report.loaded, report.rendered) == (7, 7)
    site.assert_same_as_cold()


def test_a_new_build_date_reloads_everything(site: Site) -> None:
    config = BuildConfig(**{**site.config().__dict__, "today": TODAY + dt.timedelta(days=1)})

    report = pipeline.build(config, options=SERIAL)

    assert (report.loaded, report.rendered) == (7, 7)


def test_no_cache_is_a_cold_build_and_forgets_the_cache(site: Site) -> None:
    manifest = cache.cache_dir_for(site.out, None) / cache.MANIFEST
    assert manifest.is_file()

    report = site.build(BuildOptions(use_cache=False, jobs=1))

    assert (report.loaded, report.rendered, report.reused) == (7, 7, 0)
    assert not manifest.exists()
    site.assert_same_as_cold()


def test_a_cache_dir_elsewhere_is_used(site: Site, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    options = BuildOptions(cache_dir=elsewhere, jobs=1)

    assert site.build(options).loaded == 7  # a new, empty cache
    assert (elsewhere / cache.MANIFEST).is_file()
    assert site.build(options).loaded == 0


def test_an_edited_output_page_is_restored(site: Site) -> None:
    page = site.out / "drugs" / "warfarin" / "index.html"
    page.write_text("defaced", encoding="utf-8")

    report = site.build()

    assert report.rendered == 1
    site.assert_same_as_cold()


def test_a_corrupt_manifest_is_an_empty_cache(site: Site) -> None:
    (cache.cache_dir_for(site.out, None) / cache.MANIFEST).write_bytes(b"not a pickle")

    report = site.build()

    assert (report.loaded, report.rendered) == (7, 7)
    site.assert_same_as_cold()


def test_an_index_template_reading_more_than_index_pages_receive_is_a_clear_error(
    site: Site,
) -> None:
    # The A–Z letter pages start showing each drug's mechanism, which index pages do not receive:
    # the build says so, located in the template, and publishes nothing.
    before = snapshot(site.out)
    site.edit(
        "templates/letter.html",
        "{{ entry.name }}</a>",
        "{{ entry.name }}</a>\n{{ entry.mechanism | truncate(20) }}",
    )

    report = pipeline.build(site.config(), options=SERIAL)

    assert report.failed
    [problem] = [d for d in report.diagnostics if d.code == "template.error"]
    assert "has no attribute 'mechanism'" in problem.message
    assert problem.location.path.endswith("letter.html") and problem.location.line > 1
    assert "IndexEntry: slug, source, name, drug_class, brand_names" in problem.hint
    assert "summaries[slug]" in problem.hint
    assert snapshot(site.out) == before


def test_warnings_of_cached_files_are_still_reported(site: Site) -> None:
    first = reference_build(site.config(site.root / "first"))

    again = site.build()

    assert again.loaded == 0
    assert again.diagnostics == first.diagnostics
    assert any(d.code == "review.overdue" for d in again.diagnostics)


def test_a_stored_entry_id_is_the_one_the_record_would_work_out(site: Site) -> None:
    """Index pages are re-rendered when a record's entry_id changes; the manifest stores it,
    so a stored one that differed from the entry it came with would let a stale page stand."""
    manifest = cache.read_manifest(cache.cache_dir_for(site.out, None))
    records = [manifest.files[shown] for shown in manifest.files]
    assert records and all("entry_id" in r.__dict__ for r in records if r.entry is not None)
    for record in records:
        stored = record.__dict__.pop("entry_id", "")
        assert stored == (record.entry_id if record.entry is not None else "")


def test_cross_file_findings_come_from_the_manifest_while_no_facts_change(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text edit leaves every name, class and related list as it was: the rules' findings
    are the last build's. An edit to a related list is checked again, and found wrong."""
    monkeypatch.setattr(crossref, "check_collection", _refuse)
    site.edit("site/monographs/warfarin.yaml", "summary: ", "summary: Edited. ")

    assert site.build().rendered == 1

    monkeypatch.undo()
    site.edit("site/monographs/apixaban.yaml", "related: [warfarin]", "related: [warfarn]")
    report = pipeline.build(site.config(), options=SERIAL)
    assert report.failed
    errors = [d.code for d in report.diagnostics if d.severity == "error"]
    assert errors == ["xref.unknown_target"]


def test_the_build_id_reuses_digests_only_of_files_whose_stat_is_unchanged(
    tmp_path: Path,
) -> None:
    """The offline build id hashes every published file; a file whose size, mtime and inode
    are what they were when it was hashed is not read again, any other file is."""
    root = tmp_path / "site"
    root.mkdir()
    (root / "a.html").write_text("one", encoding="utf-8")
    (root / "b.html").write_text("two", encoding="utf-8")
    stat_a = folder_scans.file_stat(root / "a.html")
    stat_b = folder_scans.file_stat(root / "b.html")
    assert stat_a is not None and stat_b is not None
    planted = b"\x01" * 32  # not the sha256 of either file: only a reused digest gives it
    changed_stat = (stat_b[0] + 1, stat_b[1], stat_b[2])
    files = site_files.SiteFiles(
        root, [{"a.html": (stat_a, planted), "b.html": (changed_stat, planted)}]
    )

    assert files.sha256("a.html") == planted
    assert files.sha256("b.html") == hashlib.sha256(b"two").digest()
    assert files.hashed == {
        "a.html": (stat_a, planted),
        "b.html": (stat_b, hashlib.sha256(b"two").digest()),
    }


def test_an_incremental_build_id_is_the_cold_build_id_after_the_spare_was_tampered_with(
    site: Site,
) -> None:
    """A page in the spare folder (the site before last) edited behind the build's back is
    rewritten, and the offline build id names the bytes published, as a cold build's does."""
    config = dataclasses.replace(site.config(), finish=make_finisher(index_search=False))
    assert not pipeline.build(config, options=SERIAL).failed
    site.edit("site/monographs/warfarin.yaml", "summary: ", "summary: Edited. ")
    assert not pipeline.build(config, options=SERIAL).failed
    spare = spare_folder.spare_dir(site.out) / "drugs" / "atenolol" / "index.html"
    text = spare.read_text(encoding="utf-8")
    spare.write_text(text.replace("Atenolol", "Atenolo1"), encoding="utf-8")
    site.edit("site/monographs/warfarin.yaml", "summary: Edited. ", "summary: ")

    assert not pipeline.build(config, options=SERIAL).failed

    reference = site.root / "reference"
    cold = dataclasses.replace(config, output_dir=reference)
    assert not pipeline.build(cold, options=BuildOptions(use_cache=False, jobs=1)).failed
    assert snapshot(site.out) == snapshot(reference)
    assert b"Atenolo1" not in (site.out / "drugs" / "atenolol" / "index.html").read_bytes()


def test_the_published_site_is_recorded_as_the_finish_step_left_it(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing records the site from the finish step's listing and the files it noted
    writing (offline.json, sw.js) instead of scanning again: the record must be what is on
    disk, or the next build that changes nothing cannot tell, and publishes again."""
    config = dataclasses.replace(site.config(), finish=make_finisher(index_search=False))
    _age_content(site)
    for _ in range(2):
        assert not pipeline.build(config, options=SERIAL).failed
    manifest = cache.read_manifest(cache.cache_dir_for(site.out, None))
    assert {name: f.stat for name, f in manifest.tree.items()} == folder_scans.scan_tree(site.out)
    assert {"sw.js", "offline.json"} <= set(manifest.tree)
    monkeypatch.setattr(collection, "assemble_site", _refuse)

    again = pipeline.build(config, options=SERIAL)

    assert not again.failed and again.rendered == 0


def test_a_new_content_version_re_renders_every_page(site: Site) -> None:
    """Every page shows the content version (the commit it was built from)."""
    first = pipeline.build(site.config(), version="abc1234", options=SERIAL)
    assert not first.failed

    again = pipeline.build(site.config(), version="def5678", options=SERIAL)

    assert (again.loaded, again.rendered) == (0, 7)
    assert b"def5678" in (site.out / "drugs" / "warfarin" / "index.html").read_bytes()


def test_a_new_change_in_a_monographs_history_re_renders_its_page(site: Site) -> None:
    """A page lists its monograph's recent changes: a new commit that left the file as it
    was (a revert) still changes that page, and only that one."""
    change = Change("2026-11-20", "Summary revised")
    config = dataclasses.replace(site.config(), history=(("warfarin", (change,)),))

    report = pipeline.build(config, options=SERIAL)

    assert not report.failed and report.rendered == 1
    assert b"Summary revised" in (site.out / "drugs" / "warfarin" / "index.html").read_bytes()


def test_a_first_build_leaves_a_spare_so_the_next_rebuild_links_no_pages(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first build with a cache had no spare folder it knew; it leaves one of links to
    what it published, so the first rebuild after it rewrites only what changed instead of
    linking every reused page (1.5-3 s at 10,000 pages)."""
    spare = spare_folder.spare_dir(site.out)
    pages = sorted(p.relative_to(site.out) for p in site.out.glob("drugs/*/index.html"))
    assert pages and all((spare / p).stat().st_ino == (site.out / p).stat().st_ino for p in pages)
    links: list[str] = []
    real_put = site_files.put_file

    def counting(root: Path, name: str, content: bytes | None, source: Path | None = None) -> None:
        if content is None:
            links.append(name)
        real_put(root, name, content, source)

    monkeypatch.setattr(site_files, "put_file", counting)  # SiteFiles.put writes through it
    site.edit("site/monographs/warfarin.yaml", "summary: ", "summary: Edited. ")

    report = site.build()

    assert report.rendered == 1
    assert not [name for name in links if name.startswith("drugs/")]
    site.assert_same_as_cold()


def test_a_no_op_build_does_not_save_the_manifest_for_one_racy_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file just edited is hashed by each build that changes nothing, until one saves:
    cheaper than saving the manifest (0.1 s at 10,000 monographs) for it. Here 'many racy
    files' is set above the fixture's 7, as one file is of 10,000."""
    site = Site(tmp_path)
    site.build()
    site.edit("site/monographs/warfarin.yaml", "summary: ", "summary: Now. ")
    site.build()  # racy: the edit is within RACY_NS of this build's start
    manifest = cache.cache_dir_for(site.out, None) / cache.MANIFEST
    saved = manifest.stat()
    monkeypatch.setattr(freshness, "RACY_SAVE", 1)
    monkeypatch.setattr(collection, "assemble_site", _refuse)

    report = site.build()

    assert report.loaded == report.rendered == 0
    after = manifest.stat()
    assert (after.st_ino, after.st_mtime_ns) == (saved.st_ino, saved.st_mtime_ns)


@pytest.mark.parametrize("jobs", [1, 2], ids=["in-process", "worker-processes"])
def test_a_broken_monograph_template_is_a_located_error_wherever_pages_render(
    site: Site, jobs: int
) -> None:
    before = snapshot(site.out)
    site.edit("templates/monograph.html", "{% include page.dosing_partial %}", "{{ page.nope }}")
    site.edit("site/monographs/warfarin.yaml", "summary: ", "summary: Changed. ")

    report = pipeline.build(site.config(), options=BuildOptions(jobs=jobs, threshold=1))

    assert report.failed
    [problem] = [d for d in report.diagnostics if d.code == "template.error"]
    assert problem.location.path.endswith("monograph.html")
    assert problem.location.line > 1
    assert "nope" in problem.message
    assert snapshot(site.out) == before


def test_the_program_s_own_code_is_in_the_cache_key(tmp_path: Path) -> None:
    """New code under the same version number (a team installing from a commit, a developer)
    must not reuse pages the old code made; Python's compiled files do not count."""
    package = tmp_path / "clincalc_site"
    (package / "render").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    module = package / "render" / "api_export.py"
    module.write_text("FIELDS = ('slug',)\n", encoding="utf-8")
    (package / "static.js").write_text("let x = 1;\n", encoding="utf-8")
    first = cache.code_digest.__wrapped__(package)
    (package / "__pycache__" / "api_export.cpython-311.pyc").write_bytes(b"\0" * 16)
    assert cache.code_digest.__wrapped__(package) == first
    module.write_text("FIELDS = ('slug', 'version')\n", encoding="utf-8")
    assert cache.code_digest.__wrapped__(package) != first
